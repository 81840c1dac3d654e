/// <reference types="vite/client" />
// Attack (issue 9 item 9): flags, shadow spend and parity results were keyed by workflowId alone, so another
// tenant's same-named workflow landed in the same flag, report and budget; run ids were global, so
// RUN_ID_TAKEN told a tenant which ids other tenants used, and a tenant could pre-create
// `<victimRunId>~shadow` and turn the victim's pair into a mismatch. Everything is now keyed by
// (workspaceId, workflowId) or (workspaceId, runId).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convexTest } from "convex-test";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { api, internal } from "../../convex/_generated/api.js";
import schema from "../../convex/schema.ts";
import type { Executor } from "../../executors/executor.ts";
import { createExecutor } from "../../executors/factory.ts";
import { defaultFlagState } from "../../flags/flag.ts";
import { resolveRoute } from "../../flags/route.ts";
import { aggregate } from "../../reports/aggregate.ts";
import { ShadowPool } from "../../shadow/pool.ts";
import { Router, type RunTrigger } from "../../shadow/router.ts";
import { convexStore } from "../../store/convex.ts";
import type { ControlStore } from "../../store/port.ts";
import { openSqliteStore } from "../../store/sqlite.ts";
import { compileWorkflow } from "../../workflow/compile.ts";
import type { CompiledWorkflow } from "../../workflow/compiled.ts";

const modules = import.meta.glob("../../convex/**/*.ts");
const summaryGraph = readFileSync(new URL("../../examples/summary.json", import.meta.url), "utf8");
const summaryInput = JSON.parse(
  readFileSync(new URL("../../examples/inputs/summary.json", import.meta.url), "utf8"),
) as unknown;

const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  for (const [k, v] of Object.entries({ CUTOVER_RUN_PROVIDER: "mock", CUTOVER_LOG_LEVEL: "silent" })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

let home: string;
let store: ControlStore;
let executors: Record<"convex" | "inngest", Executor>;
let workflow: CompiledWorkflow;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "cutover-tenancy-"));
  store = openSqliteStore({ path: join(home, "state.db") });
  const quiet = { env: {}, announce: () => {} };
  executors = { convex: createExecutor("convex", quiet), inngest: createExecutor("inngest", quiet) };
  const compiled = compileWorkflow({ ...JSON.parse(summaryGraph), id: "wf_same" });
  if (!compiled.ok) throw new Error("summary");
  workflow = compiled.compiled;
});
afterEach(async () => {
  await store.close();
  rmSync(home, { recursive: true, force: true });
});

function router() {
  return new Router({ store, executors, pool: new ShadowPool({ maxConcurrent: 4, deadlineMs: 60_000 }) });
}
function trigger(workspaceId: string, runId: string): RunTrigger {
  return { runId, workspaceId, workflow, input: summaryInput, trigger: "cli", provider: "mock" };
}
async function setFlag(overrides: Record<string, { stage: "convex" | "shadow" | "live" | "inngest" }>) {
  const current = await store.getFlag("wf_same");
  await store.compareAndSetFlag({
    workflowId: "wf_same",
    expectedVersion: current?.version ?? 0,
    next: { ...defaultFlagState(), shadowProvider: "live", dailyBudgetUsd: 1, workspaceOverrides: overrides },
    actor: "test",
    reason: "tenancy",
  });
}

describe("two tenants with the same workflow id", () => {
  it("get separate flags: tenant a's stage never routes tenant b", async () => {
    await setFlag({ tenant_a: { stage: "live" } });
    const flag = await store.getFlag("wf_same");
    const globals = await store.getGlobals();
    expect(resolveRoute(flag, globals, "tenant_a")).toMatchObject({ primary: "inngest", shadow: "convex" });
    expect(resolveRoute(flag, globals, "tenant_b")).toMatchObject({
      primary: "convex",
      shadow: null,
      reason: "no-flag",
    });
    const d = await router().dispatch(trigger("tenant_b", "r_b"));
    expect(d).toMatchObject({ primary: "convex", shadow: "none" });
  });

  it("get separate budgets, on both store adapters", async () => {
    const t = convexTest(schema, modules);
    for (const s of [store, convexStore(t)]) {
      expect(await s.addShadowSpend("wf_same", "2026-11-30", 0.75, "tenant_a")).toBeCloseTo(0.75, 9);
      expect(await s.getShadowSpend("wf_same", "2026-11-30", "tenant_b")).toBe(0);
      expect(await s.addShadowSpend("wf_same", "2026-11-30", 0.25, "tenant_b")).toBeCloseTo(0.25, 9);
      expect(await s.getShadowSpend("wf_same", "2026-11-30", "tenant_a")).toBeCloseTo(0.75, 9);
      // A workspace id cannot be chosen to land in another's key.
      expect(await s.getShadowSpend("b:wf_same", "2026-11-30", "tenant_a")).toBe(0);
    }
  });

  it("get separate pairs, results and report rows, even with the same run id", async () => {
    await setFlag({ tenant_a: { stage: "shadow" }, tenant_b: { stage: "shadow" } });
    const r = router();
    const a = await r.dispatch(trigger("tenant_a", "run1"));
    const b = await r.dispatch(trigger("tenant_b", "run1"));
    expect(a.pairId).not.toBe(b.pairId);
    const [ra, rb] = await Promise.all([a.settled, b.settled]);
    expect(ra?.workspaceId).toBe("tenant_a");
    expect(rb?.workspaceId).toBe("tenant_b");
    expect((await store.getRunRecords(a.pairId!, "tenant_a")).primary?.workspaceId).toBe("tenant_a");
    expect((await store.getRunRecords(b.pairId!, "tenant_b")).primary?.workspaceId).toBe("tenant_b");
    expect(await store.getResult(a.pairId!, "tenant_b")).toBeNull();
    const report = await aggregate(store.iterateResults());
    expect(report.workflows.map((w) => [w.workflowId, w.workspaceId, w.pairs])).toEqual([
      ["wf_same", "tenant_a", 1],
      ["wf_same", "tenant_b", 1],
    ]);
  });
});

describe("run ids", () => {
  async function deployment() {
    const t = convexTest(schema, modules);
    const keys: Record<string, string> = {};
    for (const ws of ["victim", "attacker"]) {
      keys[ws] = (await t.action(internal.cutover.apiKeys.issue, { workspaceId: ws, name: "k" })).key;
      await t.mutation(api.cutover.workflows.save, {
        apiKey: keys[ws],
        workspaceId: ws,
        workflowId: "wf_same",
        graphJson: summaryGraph,
      });
    }
    const post = (ws: string, body: unknown) =>
      t.fetch("/v1/workflows/wf_same/runs", {
        method: "POST",
        headers: { authorization: `Bearer ${keys[ws]}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    return { t, keys, post };
  }

  it("are per workspace: another tenant's id is neither refused nor revealed, and both runs are kept apart", async () => {
    const { t, keys, post } = await deployment();
    expect((await post("victim", { input: summaryInput, runId: "invoice_42" })).status).toBe(202);
    const probe = await post("attacker", { input: summaryInput, runId: "invoice_42" });
    expect(probe.status).toBe(202);
    expect(JSON.stringify(await probe.json())).not.toMatch(/in use|TAKEN/);
    // A guess that no tenant used answers exactly alike.
    expect((await post("attacker", { input: summaryInput, runId: "invoice_43" })).status).toBe(202);
    await t.finishAllScheduledFunctions(() => {});
    const victim = await t.query(api.cutover.runs.get, {
      apiKey: keys.victim,
      workspaceId: "victim",
      runId: "invoice_42",
    });
    const mine = await t.query(api.cutover.runs.get, {
      apiKey: keys.attacker,
      workspaceId: "attacker",
      runId: "invoice_42",
    });
    expect(victim?.run.workspaceId).toBe("victim");
    expect(mine?.run.workspaceId).toBe("attacker");
    expect(victim?.steps.every((s) => s.workspaceId === "victim")).toBe(true);
    expect(mine?.steps.every((s) => s.workspaceId === "attacker")).toBe(true);
  });

  it("a tenant cannot pre-create a victim's `~shadow` run: refused on every public path", async () => {
    const { t, keys, post } = await deployment();
    const res = await post("attacker", { input: summaryInput, runId: "invoice_42~shadow" });
    expect(res.status).toBe(400);
    await expect(
      t.action(api.cutover.runStart.start, {
        apiKey: keys.attacker,
        workspaceId: "attacker",
        workflowId: "wf_same",
        runId: "invoice_42~shadow",
        inputJson: JSON.stringify(summaryInput),
        provider: "mock",
      }),
    ).rejects.toMatchObject({ data: { code: "INPUT_INVALID" } });
    // And in the attacker's own workspace it would be the attacker's run, never the victim's shadow.
    expect(await t.run((ctx) => ctx.db.query("cutover_runs").collect())).toEqual([]);
  });

  it("a run already under a pair's shadow id is never compared as its shadow", async () => {
    await setFlag({ victim: { stage: "shadow" } });
    // Planted where the router would put the shadow: same workspace, same derived id, different input.
    await executors.inngest.submit({
      runId: "v1~shadow",
      workspaceId: "victim",
      workflow,
      input: { article: "planted" },
      provider: "mock",
    });
    await executors.inngest.waitFor("victim", "v1~shadow");
    const r = router();
    const d = await r.dispatch(trigger("victim", "v1"));
    expect(await d.settled).toBeNull();
    expect((await store.getPair(d.pairId!, "victim"))?.status).toBe("shadow-id-taken");
    expect(await store.getResult(d.pairId!, "victim")).toBeNull();
    expect(r.counts().impostorShadows).toBe(1);
  });
});
