/// <reference types="vite/client" />
import { readFileSync } from "node:fs";
import { convexTest } from "convex-test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../convex/_generated/api.js";
import schema from "../convex/schema.ts";
import { RunRecord } from "../executors/records.ts";
import { defaultFlagState } from "../flags/flag.ts";
import { convexStore } from "../store/convex.ts";
import { SHADOW_SLOT_KEY } from "./run-start.ts";

const modules = import.meta.glob("../convex/**/*.ts");
const summaryGraph = readFileSync(new URL("../examples/summary.json", import.meta.url), "utf8");
const summaryInput = JSON.parse(
  readFileSync(new URL("../examples/inputs/summary.json", import.meta.url), "utf8"),
) as { article: string };

const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  for (const [name, value] of Object.entries({
    CUTOVER_RUN_PROVIDER: "mock",
    CUTOVER_LOG_LEVEL: "silent",
  })) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
});
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** A fresh deployment with workspace acme holding the summary workflow as "wf_summary", and a runs:write key. */
async function deployment() {
  const t = convexTest(schema, modules);
  const { key } = await t.action(internal.cutover.apiKeys.issue, { workspaceId: "acme", name: "ci" });
  await t.mutation(api.cutover.workflows.save, {
    apiKey: key,
    workspaceId: "acme",
    workflowId: "wf_summary",
    graphJson: summaryGraph,
  });
  const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${key}` }) =>
    t.fetch("/v1/workflows/wf_summary/runs", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  return { t, key, post };
}

/** Returns once every scheduled function (runs, follow-ups) has finished, on real timers. */
const settle = (t: ReturnType<typeof convexTest>) => t.finishAllScheduledFunctions(() => {});

async function shadowStage(t: ReturnType<typeof convexTest>) {
  await convexStore(t).compareAndSetFlag({
    workflowId: "wf_summary",
    expectedVersion: 0,
    next: {
      ...defaultFlagState(),
      stage: "shadow",
      samplePct: 100,
      workspaceOverrides: { acme: { stage: "shadow" } },
    },
    actor: "test",
    reason: "run-start shadow test",
  });
}

describe("POST /v1/workflows/{id}/runs", () => {
  it("answers 202 once Convex accepted the run, which then completes with the mock provider", async () => {
    const { t, post } = await deployment();
    const res = await post({ input: summaryInput, runId: "rs_plain" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ runId: "rs_plain", executor: "convex", shadow: "none" });
    await settle(t);
    const runs = await t.run((ctx) => ctx.db.query("cutover_runs").collect());
    expect(runs.map((r) => [r.runId, r.workspaceId, r.status, r.provider])).toEqual([
      ["rs_plain", "acme", "completed", "mock"],
    ]);
    expect(await t.run((ctx) => ctx.db.query("cutover_shadowPairs").collect())).toEqual([]);
  });

  it("generates a runId when the caller sends none, and takes the workspace from the key", async () => {
    const { t, post } = await deployment();
    const res = await post({ input: summaryInput });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    expect(runId).toMatch(/^run_[0-9a-f-]{36}$/);
    await settle(t);
    const run = await t.run((ctx) =>
      ctx.db
        .query("cutover_runs")
        .withIndex("by_run", (q) => q.eq("runId", runId))
        .unique(),
    );
    expect(run?.workspaceId).toBe("acme");
  });

  it("in shadow stage, the scheduled follow-up runs the Inngest shadow and stores the pair's parity result", async () => {
    const { t, post } = await deployment();
    await shadowStage(t);
    const res = await post({ input: summaryInput, runId: "rs_shadow" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ runId: "rs_shadow", executor: "convex", shadow: "scheduled" });
    // The answer did not wait for the shadow: nothing is compared until the scheduled follow-up has run.
    expect(await t.run((ctx) => ctx.db.query("cutover_parityResults").collect())).toEqual([]);
    await settle(t);
    const pairs = await t.run((ctx) => ctx.db.query("cutover_shadowPairs").collect());
    expect(pairs.map((p) => [p.pairId, p.workspaceId, p.workflowId, p.primaryRunId, p.status])).toEqual([
      ["pair_acme:rs_shadow", "acme", "wf_summary", "rs_shadow", "compared"],
    ]);
    const store = convexStore(t);
    const records = await store.getRunRecords("pair_acme:rs_shadow", "acme");
    expect(RunRecord.parse(records.primary)).toMatchObject({ executor: "convex", status: "completed" });
    expect(RunRecord.parse(records.shadow)).toMatchObject({
      executor: "inngest",
      status: "completed",
      shadow: { pairId: "pair_acme:rs_shadow", of: "rs_shadow" },
    });
    // Replay mode: the shadow answered from the primary's recorded responses, so the two agree.
    expect(records.shadow?.output).toEqual(records.primary?.output);
    const result = await store.getResult("pair_acme:rs_shadow", "acme");
    expect(result).toMatchObject({ verdict: "match", flagVersion: 1, workflowId: "wf_summary" });
  });

  it("drops (and stores as dropped) a shadow when the deployment's shadow slots are all held", async () => {
    const { t, post } = await deployment();
    await shadowStage(t);
    const store = convexStore(t);
    // Another action's shadow holds the only slot.
    expect(await store.acquireShadowSlot(SHADOW_SLOT_KEY, 1, 600_000, "pair_elsewhere")).toBe(true);
    const saved = process.env.CUTOVER_SHADOW_MAX_CONCURRENT;
    process.env.CUTOVER_SHADOW_MAX_CONCURRENT = "1";
    try {
      const res = await post({ input: summaryInput, runId: "rs_full" });
      expect(await res.json()).toEqual({ runId: "rs_full", executor: "convex", shadow: "scheduled" });
      await settle(t);
      expect((await store.getPair("pair_acme:rs_full", "acme"))?.status).toBe("dropped");
      expect(await store.getResult("pair_acme:rs_full", "acme")).toBeNull();
      // The primary is unaffected; no shadow ran.
      const runs = await t.run((ctx) => ctx.db.query("cutover_runs").collect());
      expect(runs.map((r) => [r.runId, r.status])).toEqual([["rs_full", "completed"]]);
      expect((await store.getRunRecords("pair_acme:rs_full", "acme")).shadow).toBeNull();

      // Once that slot is released, the next run's shadow runs, and gives its slot back at the end.
      await store.releaseShadowSlot(SHADOW_SLOT_KEY, "pair_elsewhere");
      await post({ input: summaryInput, runId: "rs_free" });
      await settle(t);
      expect((await store.getResult("pair_acme:rs_free", "acme"))?.verdict).toBe("match");
      expect(await t.run((ctx) => ctx.db.query("cutover_shadowSlots").collect())).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.CUTOVER_SHADOW_MAX_CONCURRENT;
      else process.env.CUTOVER_SHADOW_MAX_CONCURRENT = saved;
    }
  });

  it("in live stage, Inngest answers and the follow-up runs the Convex shadow against it", async () => {
    const { t, post } = await deployment();
    await convexStore(t).compareAndSetFlag({
      workflowId: "wf_summary",
      expectedVersion: 0,
      next: {
        ...defaultFlagState(),
        stage: "live",
        samplePct: 100,
        workspaceOverrides: { acme: { stage: "live" } },
      },
      actor: "test",
      reason: "run-start live test",
    });
    const res = await post({ input: summaryInput, runId: "rs_live" });
    expect(await res.json()).toEqual({ runId: "rs_live", executor: "inngest", shadow: "scheduled" });
    await settle(t);
    // Convex holds only the shadow run, marked as such; the primary ran on (embedded) Inngest.
    const runs = await t.run((ctx) => ctx.db.query("cutover_runs").collect());
    expect(runs.map((r) => [r.runId, r.status, r.shadow])).toEqual([
      ["rs_live~shadow", "completed", { pairId: "pair_acme:rs_live", of: "rs_live" }],
    ]);
    const records = await convexStore(t).getRunRecords("pair_acme:rs_live", "acme");
    expect([records.primary?.executor, records.shadow?.executor]).toEqual(["inngest", "convex"]);
    expect((await convexStore(t).getResult("pair_acme:rs_live", "acme"))?.verdict).toBe("match");
  });

  it("starts one run and one pair when the same runId is posted twice", async () => {
    const { t, post } = await deployment();
    await shadowStage(t);
    const first = await post({ input: summaryInput, runId: "rs_dup" });
    const second = await post({ input: { article: "something else entirely" }, runId: "rs_dup" });
    expect([first.status, second.status]).toEqual([202, 202]);
    expect((await second.json()).runId).toBe("rs_dup");
    await settle(t);
    const runs = await t.run((ctx) => ctx.db.query("cutover_runs").collect());
    expect(runs.map((r) => r.runId)).toEqual(["rs_dup"]);
    expect(JSON.parse(runs[0].inputJson)).toEqual(summaryInput);
    expect(await t.run((ctx) => ctx.db.query("cutover_shadowPairs").collect())).toHaveLength(1);
    expect(await t.run((ctx) => ctx.db.query("cutover_parityResults").collect())).toHaveLength(1);
  });

  it("answers a retried runId from its first start even when the flag changed in between", async () => {
    const { t, post } = await deployment();
    expect((await (await post({ input: summaryInput, runId: "rs_flip" })).json()).executor).toBe("convex");
    await convexStore(t).compareAndSetFlag({
      workflowId: "wf_summary",
      expectedVersion: 0,
      next: { ...defaultFlagState(), stage: "inngest", workspaceOverrides: { acme: { stage: "inngest" } } },
      actor: "test",
      reason: "flip between a start and its retry",
    });
    const retry = await post({ input: summaryInput, runId: "rs_flip" });
    expect(await retry.json()).toEqual({ runId: "rs_flip", executor: "convex", shadow: "none" });
    // A new run does follow the new flag.
    expect((await (await post({ input: summaryInput, runId: "rs_new" })).json()).executor).toBe("inngest");
    await settle(t);
    expect((await t.run((ctx) => ctx.db.query("cutover_runs").collect())).map((r) => r.runId)).toEqual([
      "rs_flip",
    ]);
  });

  it("answers 401 without a key and for an unknown key, without repeating the key", async () => {
    const { post } = await deployment();
    const none = await post({ input: summaryInput }, {});
    expect(none.status).toBe(401);
    const bad = await post({ input: summaryInput }, { authorization: "Bearer cvx_not_a_key_0123" });
    expect(bad.status).toBe(401);
    const text = await bad.text();
    expect(JSON.parse(text).error.code).toBe("UNAUTHENTICATED");
    expect(text).not.toContain("cvx_not_a_key_0123");
  });

  it("answers 403 for another workspace's key and for a key without runs:write", async () => {
    const { t, post } = await deployment();
    const other = await t.action(internal.cutover.apiKeys.issue, { workspaceId: "globex", name: "ci" });
    const res = await post(
      { input: summaryInput, workspaceId: "acme" },
      { authorization: `Bearer ${other.key}` },
    );
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toMatch(/does not belong to workspace acme/);
    // Globex's own workspace has no such workflow: the key cannot reach acme's by leaving workspaceId out.
    const own = await post({ input: summaryInput }, { authorization: `Bearer ${other.key}` });
    expect(own.status).toBe(404);
    const reader = await t.action(internal.cutover.apiKeys.issue, {
      workspaceId: "acme",
      name: "reader",
      scopes: ["runs:read"],
    });
    const readOnly = await post({ input: summaryInput }, { authorization: `Bearer ${reader.key}` });
    expect(readOnly.status).toBe(403);
    expect((await readOnly.json()).error.message).toMatch(/lacks scope runs:write/);
    expect(await t.run((ctx) => ctx.db.query("cutover_runs").collect())).toEqual([]);
  });

  it("answers 404 for a workflow the workspace does not have", async () => {
    const { t, key } = await deployment();
    const res = await t.fetch("/v1/workflows/wf_missing/runs", {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ input: {} }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: "WORKFLOW_NOT_FOUND", message: 'workspace acme has no workflow "wf_missing"' },
    });
  });

  it("answers 400 for a body that is not JSON, a bad runId, and an input missing a variable (named)", async () => {
    const { t, post } = await deployment();
    const notJson = await post("{ input: ");
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error.message).toMatch(/not JSON/);
    const badId = await post({ input: summaryInput, runId: "a/b" });
    expect(badId.status).toBe(400);
    expect((await badId.json()).error.message).toMatch(/runId/);
    const missing = await post({ input: { maxWords: 10 } });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: { code: "INPUT_INVALID", message: expect.stringContaining('variable "article" is required') },
    });
    const mistyped = await post({ input: { article: "x", maxWords: "ten" } });
    expect((await mistyped.json()).error.message).toMatch(/variable "maxWords" must be a number/);
    expect(await t.run((ctx) => ctx.db.query("cutover_runs").collect())).toEqual([]);
  });
});

describe("internal.cutover.dispatch.start (cron and internal triggers)", () => {
  it("starts a run through the same path without a key, and refuses an unknown workflow as data", async () => {
    const { t } = await deployment();
    await shadowStage(t);
    const started = await t.action(internal.cutover.dispatch.start, {
      workspaceId: "acme",
      workflowId: "wf_summary",
      runId: "rs_cron",
      inputJson: JSON.stringify(summaryInput),
      trigger: "cron",
    });
    expect(started).toEqual({
      ok: true,
      runId: "rs_cron",
      executor: "convex",
      shadow: "scheduled",
      pairId: "pair_acme:rs_cron",
    });
    await settle(t);
    expect((await convexStore(t).getResult("pair_acme:rs_cron", "acme"))?.verdict).toBe("match");
    const missing = await t.action(internal.cutover.dispatch.start, {
      workspaceId: "globex",
      workflowId: "wf_summary",
      inputJson: "{}",
      trigger: "internal",
    });
    expect(missing).toMatchObject({ ok: false, code: "WORKFLOW_NOT_FOUND" });
  });
});
