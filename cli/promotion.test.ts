// Can an operator take a workflow from convex to inngest with trigger, status, promote and rollback alone, refused where the evidence is missing?
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { flagState } from "../flags/flag.ts";
import { evidenceFor } from "../gates/from-store.ts";
import type { ControlStore } from "../store/port.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { registerFlags } from "./flags.ts";
import { runInProcess } from "./in-process.ts";
import { registerPromote } from "./promote.ts";
import { registerRollback, rollback } from "./rollback.ts";
import { prepareRun } from "./run.ts";
import { registerStatus } from "./status.ts";
import { triggerRuns } from "./trigger.ts";
import { AUTO_ROLLBACK_ACTOR, watchOnce } from "./watch.ts";

const WORKFLOW = join(import.meta.dirname, "..", "examples", "inferpipe", "article-digest.json");
const ID = "jd71k2j3h4g5f6d7s8a9q0w1e2r3t4y5";
let home: string;
let store: ControlStore;
const saved = process.env.CUTOVER_HOME;
let gatesFile: string;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "cutover-promotion-"));
  process.env.CUTOVER_HOME = home;
  gatesFile = join(home, "gates.json");
  // Embedded runs of a few milliseconds make latency ratios noise: this file gates on parity alone.
  writeFileSync(gatesFile, JSON.stringify({ minPairs: 3, minBakeMinutes: 0, maxP95Ratio: 1000 }));
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  if (saved === undefined) delete process.env.CUTOVER_HOME;
  else process.env.CUTOVER_HOME = saved;
});

beforeEach(async () => {
  rmSync(join(home, "state.db"), { force: true });
  rmSync(join(home, "state.db-wal"), { force: true });
  rmSync(join(home, "state.db-shm"), { force: true });
});

/** Opens the store the commands use, runs `body`, closes it (the commands open their own). */
async function withTestStore<T>(body: (s: ControlStore) => Promise<T>): Promise<T> {
  store = openSqliteStore({ path: join(home, "state.db") });
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

const cli = (...args: string[]) =>
  runInProcess([registerPromote, registerRollback, registerStatus, registerFlags], args);

async function trigger(count: number, shadowProvider?: string) {
  const prepared = prepareRun(WORKFLOW, { executor: "convex", provider: "mock", workspace: "default" });
  return withTestStore((s) =>
    triggerRuns(
      s,
      prepared,
      Array.from({ length: count }, (_, i) => ({ text: `input ${i}` })),
      {
        workspaceId: "default",
        provider: "mock",
        ...(shadowProvider && { liveShadowProvider: shadowProvider }),
      },
    ),
  );
}

async function setFlag(stage: "shadow" | "live", extra: Record<string, unknown> = {}) {
  await withTestStore(async (s) => {
    const flag = await s.getFlag(ID);
    await s.compareAndSetFlag({
      workflowId: ID,
      expectedVersion: flag?.version ?? 0,
      next: {
        ...(flag
          ? flagState(flag)
          : { samplePct: 100, shadowProvider: "replay", dailyBudgetUsd: 0, workspaceOverrides: {} }),
        stage,
        ...extra,
      } as never,
      actor: "test",
      reason: `test: ${stage}`,
    });
  });
}

describe("promotion, end to end through trigger with the mock provider", () => {
  it("walks convex → shadow → live → inngest, each gated move refused until the evidence is there", async () => {
    // An unknown workflow is bad input.
    expect((await cli("promote", "no_such_workflow")).code).toBe(2);
    await setFlag("shadow");
    // No evidence yet: inconclusive, exit 1, nothing written.
    const none = await cli("promote", ID, "--gates", gatesFile, "--json");
    expect(none.code).toBe(1);
    expect(JSON.parse(none.stdout)).toMatchObject({
      workflowId: ID,
      from: "shadow",
      to: "live",
      decision: "inconclusive",
    });
    // Skipping a stage is refused without --force.
    expect((await cli("promote", ID, "--to", "inngest")).code).toBe(2);

    const runs = await trigger(3);
    expect(
      runs.every((r) => r.status === "completed" && r.verdict === "match"),
      JSON.stringify(runs),
    ).toBe(true);
    const dry = await cli("promote", ID, "--gates", gatesFile, "--dry-run", "--json");
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).decision).toBe("would-promote");
    expect((await withTestStore((s) => s.getFlag(ID)))?.stage).toBe("shadow");

    const promoted = await cli("promote", ID, "--gates", gatesFile, "--json");
    expect(promoted.code).toBe(0);
    const outcome = JSON.parse(promoted.stdout);
    expect(outcome.decision).toBe("promoted");
    for (const g of outcome.gates)
      expect(Object.keys(g).sort()).toEqual(["actual", "name", "ok", "required"]);
    const audit = await withTestStore((s) => s.listAudit(ID));
    expect(audit.at(-1)?.reason).toContain("all gates passed");

    // Under the new flag version the earlier results do not count: inconclusive again.
    const afterMove = await withTestStore(async (s) => evidenceFor(s, (await s.getFlag(ID))!));
    expect(afterMove.pairs).toBe(0);
    expect((await cli("promote", ID, "--gates", gatesFile)).code).toBe(1);
    await trigger(3);
    expect((await cli("promote", ID, "--gates", gatesFile)).code).toBe(0);
    expect((await withTestStore((s) => s.getFlag(ID)))?.stage).toBe("inngest");
    // Nothing after inngest.
    expect((await cli("promote", ID)).code).toBe(2);
  });

  it("blocks a workflow whose shadow truly diverges, and --force records the failed gates", async () => {
    await setFlag("shadow", { shadowProvider: "live", dailyBudgetUsd: 10 });
    const runs = await trigger(3, "mock:salt=diverges");
    expect(runs.every((r) => r.verdict === "mismatch")).toBe(true);
    const blocked = await cli("promote", ID, "--gates", gatesFile, "--json");
    expect(blocked.code).toBe(1);
    const outcome = JSON.parse(blocked.stdout);
    expect(outcome.decision).toBe("blocked");
    expect(outcome.gates.find((g: { name: string }) => g.name === "minParityPct")).toMatchObject({
      ok: false,
      actual: 0,
    });
    expect((await cli("promote", ID, "--gates", gatesFile, "--force")).code).toBe(2); // --force needs a reason
    const forced = await cli(
      "promote",
      ID,
      "--gates",
      gatesFile,
      "--force",
      "--reason",
      "pilot accepted the drift",
    );
    expect(forced.code).toBe(0);
    const audit = await withTestStore((s) => s.listAudit(ID));
    expect(audit.at(-1)?.reason).toMatch(
      /forced promotion shadow → live: pilot accepted the drift \[gates failed: minParityPct=0/,
    );
  });

  it("rolls back to the stage the audit says the workflow came from; refuses once legacy removal is on", async () => {
    await setFlag("shadow");
    await setFlag("live");
    const back = await withTestStore((s) => rollback(s, ID, { reason: "latency spike" }));
    expect(back).toMatchObject({ decision: "rolled-back", from: "live", to: "shadow" });
    expect((await cli("rollback", ID)).code).toBe(2); // no reason
    await setFlag("live");
    // Move everything off Convex is not possible here, so legacy removal is set directly on an empty store's globals.
    await withTestStore(async (s) => {
      const g = await s.getGlobals();
      await s.compareAndSetFlag({
        workflowId: ID,
        expectedVersion: (await s.getFlag(ID))!.version,
        next: { ...flagState((await s.getFlag(ID))!), stage: "inngest" },
        actor: "test",
        reason: "test: inngest",
      });
      await s.compareAndSetGlobals({
        expectedVersion: g.version,
        next: { killSwitch: false, legacyRemoved: true },
        actor: "test",
        reason: "test",
      });
    });
    const refused = await withTestStore((s) => rollback(s, ID, { reason: "too late" }));
    expect(refused.decision).toBe("refused");
    expect(refused.why).toMatch(/legacy removal is on/);
  });

  it("watch --once rolls a diverging live workflow back (actor auto-rollback) and leaves one with too little evidence alone", async () => {
    await setFlag("shadow");
    await setFlag("live", { shadowProvider: "live", dailyBudgetUsd: 10 });
    await trigger(3, "mock:salt=diverges");
    // Three pairs are too few to judge under the default window.
    const early = await withTestStore((s) => watchOnce(s));
    expect(early).toEqual([expect.objectContaining({ workflowId: ID, decision: "needs-human" })]);
    expect((await withTestStore((s) => s.getFlag(ID)))?.stage).toBe("live");
    const judged = await withTestStore((s) =>
      watchOnce(s, { windowPairs: 3, parityFloorPct: 95, maxErrorRateDeltaPct: 5 }),
    );
    expect(judged[0]).toMatchObject({ decision: "rollback", rolledBackTo: "shadow" });
    const last = (await withTestStore((s) => s.listAudit(ID))).at(-1)!;
    expect(last.actor).toBe(AUTO_ROLLBACK_ACTOR);
    expect(last.reason).toMatch(/parity 0\.0 % over the last 3 pairs/);
  });

  it("status shows the stage, its evidence and readiness", async () => {
    await setFlag("shadow");
    await trigger(2);
    const shown = await cli("status", ID, "--json");
    expect(shown.code).toBe(0);
    const { workflows } = JSON.parse(shown.stdout);
    expect(workflows[0]).toMatchObject({ workflowId: ID, stage: "shadow", pairs: 2, parityPct: 100 });
    expect(workflows[0].next).toMatchObject({ stage: "live", gated: true, decision: "inconclusive" });
  });

  it("flags set warns about a stage skip and a move without evidence, and --strict refuses them", async () => {
    await setFlag("shadow");
    const skip = await cli("flags", "set", ID, "inngest", "--reason", "yolo", "--strict");
    expect(skip.code).toBe(1);
    expect(skip.stderr).toContain("shadow → inngest skips 1 stage(s)");
    expect(skip.stderr).toMatch(/the gates say inconclusive for inngest/);
    expect((await withTestStore((s) => s.getFlag(ID)))?.stage).toBe("shadow");
    const warned = await cli("flags", "set", ID, "live", "--reason", "operator knows");
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/warning: the gates say inconclusive for live/);
    expect((await withTestStore((s) => s.getFlag(ID)))?.stage).toBe("live");
  });

  it("legacy removal counts workflows without a flag as convex, and lists what still routes there", async () => {
    // A workflow with results but no flag (unflagged: convex only) and a flagged one on inngest.
    await setFlag("shadow");
    await trigger(1);
    await withTestStore(async (s) => {
      const flag = (await s.getFlag(ID))!;
      const rows = await s.listRollups({ workflowId: ID });
      // Results of another workflow that never got a flag.
      await s.putResult({
        pairId: "pair_other",
        workflowId: "wf_unflagged",
        workspaceId: "default",
        verdict: "match",
        findings: [],
        summary: {},
        flagVersion: 0,
        policy: "default",
        comparedAt: new Date().toISOString(),
      });
      expect(rows.length).toBeGreaterThan(0);
      await s.compareAndSetFlag({
        workflowId: ID,
        expectedVersion: flag.version,
        next: { ...flagState(flag), stage: "inngest" },
        actor: "test",
        reason: "test: inngest",
      });
    });
    const dry = await cli("flags", "legacy-removal", "on", "--dry-run", "--json");
    expect(dry.code).toBe(1);
    expect(JSON.parse(dry.stdout)).toEqual({
      ready: false,
      stillOnConvex: [{ workflowId: "wf_unflagged", why: "no flag (runs on convex only)" }],
    });
    const refused = await cli("flags", "legacy-removal", "on", "--reason", "done", "--yes");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("still on convex: wf_unflagged");
    expect((await withTestStore((s) => s.getGlobals())).legacyRemoved).toBe(false);
  });

  it("keeps gates with the workflow's flag: promote and status judge by them, a --gates file over them", async () => {
    await setFlag("shadow");
    await trigger(3);
    const strict = await cli("promote", ID, "--json");
    expect(JSON.parse(strict.stdout).decision).toBe("inconclusive");
    const kept = await cli("flags", "set-gates", ID, gatesFile, "--reason", "small pilot");
    expect(kept.code, kept.stderr).toBe(0);
    expect((await withTestStore((s) => s.getFlag(ID)))?.gates).toEqual({
      minPairs: 3,
      minBakeMinutes: 0,
      maxP95Ratio: 1000,
    });
    const shown = JSON.parse((await cli("status", ID, "--json")).stdout);
    expect(shown.workflows[0].next.decision).toBe("pass");
    // A --gates file still wins for one evaluation.
    const tighter = join(home, "tighter.json");
    writeFileSync(tighter, JSON.stringify({ minPairs: 50 }));
    expect(
      JSON.parse((await cli("promote", ID, "--gates", tighter, "--dry-run", "--json")).stdout).decision,
    ).toBe("inconclusive");
    const promoted = await cli("promote", ID, "--json");
    expect(JSON.parse(promoted.stdout).decision).toBe("promoted");
    // The promotion kept the gates; `none` removes them.
    expect((await withTestStore((s) => s.getFlag(ID)))?.gates).toBeDefined();
    expect((await cli("flags", "set-gates", ID, "none", "--reason", "back to defaults")).code).toBe(0);
    expect((await withTestStore((s) => s.getFlag(ID)))?.gates).toBeUndefined();
    expect((await cli("flags", "set-gates", ID, join(home, "missing.json"), "--reason", "x")).code).toBe(2);
  });
});
