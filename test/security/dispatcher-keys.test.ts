/// <reference types="vite/client" />
// Attack (issue 9 item 2): the router derived each workspace's "dispatcher" API key as an HMAC of the
// workspace id under CUTOVER_DISPATCH_SECRET, so whoever read that one variable could compute a key with
// read and write on any workspace's runs. The router now calls internal functions from its own actions
// and holds no key; every API key is random, stored only as a hash, and rotatable.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { convexTest } from "convex-test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../../convex/_generated/api.js";
import schema from "../../convex/schema.ts";

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
  saved.CUTOVER_DISPATCH_SECRET = process.env.CUTOVER_DISPATCH_SECRET;
  delete process.env.CUTOVER_DISPATCH_SECRET;
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

async function deploymentWithRun() {
  const t = convexTest(schema, modules);
  const { key } = await t.action(internal.cutover.apiKeys.issue, { workspaceId: "acme", name: "ci" });
  await t.mutation(api.cutover.workflows.save, {
    apiKey: key,
    workspaceId: "acme",
    workflowId: "wf_summary",
    graphJson: summaryGraph,
  });
  const res = await t.fetch("/v1/workflows/wf_summary/runs", {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ input: summaryInput, runId: "victim_run" }),
  });
  expect(res.status).toBe(202);
  await t.finishAllScheduledFunctions(() => {});
  return { t, key };
}

describe("dispatcher keys", () => {
  it("the router starts runs with no deployment secret and registers no key of its own", async () => {
    const { t } = await deploymentWithRun();
    const run = await t.run((ctx) => ctx.db.query("cutover_runs").collect());
    expect(run.map((r) => [r.runId, r.status])).toEqual([["victim_run", "completed"]]);
    const keys = await t.run((ctx) => ctx.db.query("cutover_apiKeys").collect());
    expect(keys.map((k) => k.name)).toEqual(["ci"]);
  });

  it("a key derived the old way, under any guessed secret, is refused", async () => {
    const { t } = await deploymentWithRun();
    for (const secret of ["", "secret", "run-start-test-secret", "changeme"]) {
      const forged = `cvx_dispatch_${createHmac("sha256", secret).update("acme").digest("hex")}`;
      await expect(
        t.query(api.cutover.runs.get, { apiKey: forged, workspaceId: "acme", runId: "victim_run" }),
      ).rejects.toThrow(/unknown or revoked API key/);
      const res = await t.fetch("/v1/workflows/wf_summary/runs", {
        method: "POST",
        headers: { authorization: `Bearer ${forged}`, "content-type": "application/json" },
        body: JSON.stringify({ input: summaryInput }),
      });
      expect(res.status).toBe(401);
    }
  });

  it("keys are random, kept only as hashes, and rotation revokes the old one", async () => {
    const { t, key } = await deploymentWithRun();
    const again = await t.action(internal.cutover.apiKeys.issue, { workspaceId: "acme", name: "ci2" });
    expect(again.key).not.toBe(key);
    expect(key).toMatch(/^cvx_[0-9a-f]{48}$/);
    const stored = JSON.stringify(await t.run((ctx) => ctx.db.query("cutover_apiKeys").collect()));
    expect(stored).not.toContain(key);
    expect(stored).not.toContain(again.key);

    const rotated = await t.action(internal.cutover.apiKeys.rotate, { workspaceId: "acme", name: "ci" });
    expect(rotated.revoked).toBe(1);
    expect(rotated.key).not.toBe(key);
    await expect(
      t.query(api.cutover.runs.get, { apiKey: key, workspaceId: "acme", runId: "victim_run" }),
    ).rejects.toThrow(/unknown or revoked API key/);
    const found = await t.query(api.cutover.runs.get, {
      apiKey: rotated.key,
      workspaceId: "acme",
      runId: "victim_run",
    });
    expect(found?.run.status).toBe("completed");
  });
});
