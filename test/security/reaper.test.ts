// Attack (issue 9 item 11, first point): after a kill -9 (or a failed follow-up) a pair stayed
// `waiting-for-primary` forever and reports never showed it. The reaper moves such pairs to `abandoned`
// past the pair deadline and stores a result for each, so reports count them; `cutover results` and
// `cutover report` run it before reading, and a Convex cron runs it on a deployment.
/// <reference types="vite/client" />
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convexTest } from "convex-test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import schema from "../../convex/schema.ts";
import { aggregate } from "../../reports/aggregate.ts";
import { reapAbandonedPairs } from "../../shadow/reaper.ts";
import { convexStore } from "../../store/convex.ts";
import type { ControlStore } from "../../store/port.ts";
import { openSqliteStore } from "../../store/sqlite.ts";

const modules = import.meta.glob("../../convex/**/*.ts");
const root = join(import.meta.dirname, "..", "..");

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "cutover-reaper-"));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

/**
 * Runs a router in a child process whose primary never finishes, waits until its pair is stored, and
 * kills the child with SIGKILL: the follow-up dies mid-wait, as in a crash.
 */
async function crashMidFollowUp(db: string): Promise<void> {
  const script = join(home, "crash.mts");
  writeFileSync(
    script,
    `
import { Router } from ${JSON.stringify(join(root, "shadow/router.ts"))};
import { ShadowPool } from ${JSON.stringify(join(root, "shadow/pool.ts"))};
import { openSqliteStore } from ${JSON.stringify(join(root, "store/sqlite.ts"))};
import { defaultFlagState } from ${JSON.stringify(join(root, "flags/flag.ts"))};
const store = openSqliteStore({ path: ${JSON.stringify(db)} });
await store.compareAndSetFlag({ workflowId: "wf_crash", expectedVersion: 0,
  next: { ...defaultFlagState(), stage: "shadow", samplePct: 100 }, actor: "t", reason: "crash" });
const hanging = {
  name: "convex",
  submit: async (r) => ({ runId: r.runId }),
  get: async () => null,
  cancel: async () => {},
  waitFor: () => new Promise(() => {}),
};
const router = new Router({ store, executors: { convex: hanging, inngest: { ...hanging, name: "inngest" } },
  pool: new ShadowPool({ maxConcurrent: 4, deadlineMs: 60_000 }) });
const workflow = { workflowId: "wf_crash", workflowVersionId: "v1", topologicallySortedNodes: [] };
const d = await router.dispatch({ runId: "r_crash", workspaceId: "default", workflow, input: {}, trigger: "cli", provider: "mock" });
for (;;) {
  const pair = await store.getPair(d.pairId, "default");
  if (pair) { process.stdout.write("PAIR " + pair.status + "\\n"); break; }
  await new Promise((r) => setTimeout(r, 10));
}
await new Promise(() => {});
`,
  );
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: root,
    env: { ...process.env, CUTOVER_LOG_LEVEL: "silent" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr.on("data", (c) => {
      err += c;
    });
    child.stdout.on("data", (c) => {
      out += c;
      if (out.includes("PAIR waiting-for-primary")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`child exited ${code} before its pair was stored: ${err}`)));
  });
  const exited = new Promise((r) => child.on("exit", r));
  child.kill("SIGKILL");
  await exited;
}

describe("the reaper", () => {
  it("after a kill -9 mid-follow-up, reaps the pair to abandoned past its deadline and counts it in the report", async () => {
    const db = join(home, "state.db");
    await crashMidFollowUp(db);
    const store: ControlStore = openSqliteStore({ path: db });
    try {
      expect((await store.getPair("pair_default:r_crash", "default"))?.status).toBe("waiting-for-primary");
      // Not before its deadline.
      expect(await reapAbandonedPairs(store, { deadlineMs: 60 * 60_000 })).toBe(0);
      const later = new Date(Date.now() + 21 * 60_000);
      expect(await reapAbandonedPairs(store, { now: later })).toBe(1);
      expect((await store.getPair("pair_default:r_crash", "default"))?.status).toBe("abandoned");
      const result = await store.getResult("pair_default:r_crash", "default");
      expect(result).toMatchObject({
        verdict: "shadow-timeout",
        workflowId: "wf_crash",
        summary: { shadowOutcome: "abandoned" },
      });
      const report = await aggregate(store.iterateResults());
      expect(report.workflows).toMatchObject([
        { workflowId: "wf_crash", pairs: 1, verdicts: { "shadow-timeout": 1 } },
      ]);
      // Claimed once: a second reaper (or a second run) finds nothing.
      expect(await reapAbandonedPairs(store, { now: later })).toBe(0);
    } finally {
      await store.close();
    }
  }, 30_000);

  it("works the same on the Convex store (the cron's path)", async () => {
    const t = convexTest(schema, modules);
    const store = convexStore(t);
    const createdAt = new Date(Date.now() - 30 * 60_000).toISOString();
    await store.putPair({
      pairId: "pair_acme:r_old",
      workspaceId: "acme",
      workflowId: "wf",
      primaryRunId: "r_old",
      shadowRunId: null,
      status: "waiting-for-primary",
      createdAt,
    });
    await store.putPair({
      pairId: "pair_acme:r_new",
      workspaceId: "acme",
      workflowId: "wf",
      primaryRunId: "r_new",
      shadowRunId: null,
      status: "waiting-for-primary",
      createdAt: new Date().toISOString(),
    });
    expect(await reapAbandonedPairs(store)).toBe(1);
    expect((await store.getPair("pair_acme:r_old", "acme"))?.status).toBe("abandoned");
    expect((await store.getPair("pair_acme:r_new", "acme"))?.status).toBe("waiting-for-primary");
    expect((await store.getResult("pair_acme:r_old", "acme"))?.summary).toMatchObject({
      shadowOutcome: "abandoned",
    });
  });
});
