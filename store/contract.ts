// Do both store adapters behave the same? The contract suite every ControlStore must pass.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunRecord } from "../executors/records.ts";
import { FlagConflictError, FlagRefusedError, FlagValidationError } from "../flags/errors.ts";
import { defaultFlagState, type FlagState } from "../flags/flag.ts";
import type { FlagWrite } from "../flags/write.ts";
import { type ImportedWorkflowInput, MAX_DOCUMENT_BYTES } from "./imported-workflows.ts";
import { StoreInputError } from "./input.ts";
import type { ControlStore, StoredParityResult } from "./port.ts";

const T0 = Date.parse("2026-11-26T00:00:00.000Z");
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function state(over: Partial<FlagState> = {}): FlagState {
  return { ...defaultFlagState(), ...over };
}

function flagWrite(over: Partial<FlagWrite> = {}): FlagWrite {
  return {
    workflowId: "wf1",
    expectedVersion: 0,
    next: state({ stage: "shadow" }),
    actor: "ops",
    reason: "pilot",
    ...over,
  };
}

export function runRecord(over: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: "run-1",
    workflowId: "wf1",
    workspaceId: "ws1",
    workflowVersionId: "v1",
    executor: "convex",
    status: "completed",
    input: { text: "hi", $ref: "keys Convex would refuse as field names" },
    output: "ok",
    error: null,
    tokens: { input: 1, output: 1, total: 2 },
    costUsd: 0.001,
    createdAt: iso(0),
    startedAt: iso(0),
    finishedAt: iso(1),
    durationMs: 60_000,
    steps: [],
    ...over,
  };
}

function result(i: number, over: Partial<StoredParityResult> = {}): StoredParityResult {
  return {
    pairId: `pair-${String(i).padStart(4, "0")}`,
    workflowId: i % 2 === 0 ? "wfA" : "wfB",
    workspaceId: i % 3 === 0 ? "ws1" : "ws2",
    verdict: i % 5 === 0 ? "mismatch" : "match",
    findings:
      i % 5 === 0
        ? [{ category: "output", severity: "major", path: "$.a", message: "differs", primary: 1, shadow: 2 }]
        : [],
    summary: { steps: 3 },
    flagVersion: 2,
    policy: { name: "default" },
    comparedAt: iso(i),
    ...over,
  };
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

/** Registers the contract tests for one adapter; `makeStore` returns a fresh, empty store per test. */
export function describeStoreContract(
  name: string,
  makeStore: () => Promise<ControlStore> | ControlStore,
): void {
  describe(`ControlStore contract: ${name}`, () => {
    let store: ControlStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    describe("flags", () => {
      it("keeps a workflow's promotion gates with its flag", async () => {
        const gates = { minPairs: 5, maxP95Ratio: 2 };
        const doc = await store.compareAndSetFlag(flagWrite({ next: state({ stage: "shadow", gates }) }));
        expect(doc.gates).toEqual(gates);
        expect((await store.getFlag("wf1"))?.gates).toEqual(gates);
        const without = await store.compareAndSetFlag(
          flagWrite({ expectedVersion: 1, next: state({ stage: "shadow" }) }),
        );
        expect(without.gates).toBeUndefined();
        expect((await store.listAudit("wf1"))[0].to).toMatchObject({ gates });
      });

      it("has no flag, no audit and default globals when empty", async () => {
        expect(await store.getFlag("wf1")).toBeNull();
        expect(await store.listFlags()).toEqual([]);
        expect(await store.listAudit("wf1")).toEqual([]);
        expect(await store.getGlobals()).toMatchObject({
          killSwitch: false,
          legacyRemoved: false,
          version: 0,
        });
      });

      it("creates at version 1, then versions every accepted write, keeping the whole document", async () => {
        const overrides = {
          "pilot-ws": { stage: "live" as const, samplePct: 50 },
          other: { stage: "inngest" as const },
        };
        const v1 = await store.compareAndSetFlag(
          flagWrite({
            next: state({ stage: "shadow", samplePct: 12.5, workspaceOverrides: overrides }),
            at: iso(1),
          }),
        );
        expect(v1).toEqual({
          ...state({ stage: "shadow", samplePct: 12.5, workspaceOverrides: overrides }),
          workflowId: "wf1",
          version: 1,
          updatedAt: iso(1),
          updatedBy: "ops",
        });
        expect(await store.getFlag("wf1")).toEqual(v1);
        const v2 = await store.compareAndSetFlag(
          flagWrite({
            expectedVersion: 1,
            next: state({ stage: "live", shadowProvider: "live", dailyBudgetUsd: 7.5 }),
            actor: "amy",
          }),
        );
        expect(v2).toMatchObject({
          version: 2,
          stage: "live",
          shadowProvider: "live",
          dailyBudgetUsd: 7.5,
          updatedBy: "amy",
        });
        expect(v2.workspaceOverrides).toEqual({});
        expect(await store.getFlag("wf1")).toEqual(v2);
        await store.compareAndSetFlag(flagWrite({ workflowId: "wf0" }));
        expect((await store.listFlags()).map((f) => [f.workflowId, f.version])).toEqual([
          ["wf0", 1],
          ["wf1", 2],
        ]);
      });

      it("fails a stale write with expected vs actual version and writes nothing", async () => {
        await store.compareAndSetFlag(flagWrite());
        const err = await caught(
          store.compareAndSetFlag(flagWrite({ expectedVersion: 0, next: state({ stage: "inngest" }) })),
        );
        expect(err).toBeInstanceOf(FlagConflictError);
        expect(err).toMatchObject({ workflowId: "wf1", expectedVersion: 0, actualVersion: 1 });
        expect(await caught(store.compareAndSetFlag(flagWrite({ expectedVersion: 5 })))).toMatchObject({
          expectedVersion: 5,
          actualVersion: 1,
        });
        expect(
          await caught(store.compareAndSetFlag(flagWrite({ workflowId: "new", expectedVersion: 1 }))),
        ).toMatchObject({
          expectedVersion: 1,
          actualVersion: 0,
        });
        expect((await store.getFlag("wf1"))?.stage).toBe("shadow");
        expect(await store.getFlag("new")).toBeNull();
        expect(await store.listAudit("wf1")).toHaveLength(1);
      });

      it("refuses a write without a reason, or with a bad sample, naming the field and writing nothing", async () => {
        const noReason = await caught(store.compareAndSetFlag(flagWrite({ reason: "  " })));
        expect(noReason).toBeInstanceOf(FlagValidationError);
        expect(noReason).toMatchObject({ field: "reason" });
        const missing = await caught(store.compareAndSetFlag({ ...flagWrite(), reason: undefined } as never));
        expect(missing).toMatchObject({ field: "reason" });
        const badSample = await caught(
          store.compareAndSetFlag(flagWrite({ next: state({ samplePct: 150 }) })),
        );
        expect(badSample).toBeInstanceOf(FlagValidationError);
        expect(badSample).toMatchObject({ field: "samplePct" });
        expect(await store.getFlag("wf1")).toBeNull();
        expect(await store.listAudit("wf1")).toEqual([]);
      });

      it("appends one audit entry per accepted change: actor, time, from, to, reason, version", async () => {
        await store.compareAndSetFlag(flagWrite({ at: iso(1) }));
        await store.compareAndSetFlag(
          flagWrite({
            expectedVersion: 1,
            next: state({ stage: "live" }),
            actor: "bo",
            reason: "parity 99.9%",
            at: iso(2),
          }),
        );
        await caught(store.compareAndSetFlag(flagWrite({ expectedVersion: 1, reason: "lost race" })));
        expect(await store.listAudit("wf1")).toEqual([
          {
            workflowId: "wf1",
            actor: "ops",
            at: iso(1),
            from: null,
            to: state({ stage: "shadow" }),
            reason: "pilot",
            version: 1,
          },
          {
            workflowId: "wf1",
            actor: "bo",
            at: iso(2),
            from: state({ stage: "shadow" }),
            to: state({ stage: "live" }),
            reason: "parity 99.9%",
            version: 2,
          },
        ]);
        expect(await store.listAudit("wf1", { limit: 1 })).toHaveLength(1);
        expect(await store.listAudit("other")).toEqual([]);
      });

      it("lets exactly one of N racing writers on one version win; the audit has only accepted changes", async () => {
        const N = 12;
        await store.compareAndSetFlag(flagWrite());
        const outcomes = await Promise.allSettled(
          Array.from({ length: N }, (_, i) =>
            store.compareAndSetFlag(
              flagWrite({
                expectedVersion: 1,
                next: state({ stage: "live", samplePct: i }),
                actor: `w${i}`,
                reason: `writer ${i}`,
              }),
            ),
          ),
        );
        const won = outcomes.filter((o) => o.status === "fulfilled");
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(N - 1);
        for (const l of lost) {
          expect(l.reason).toBeInstanceOf(FlagConflictError);
          expect(l.reason).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
        }
        const winner = (
          won[0] as PromiseFulfilledResult<{ updatedBy: string; samplePct: number; version: number }>
        ).value;
        expect(winner.version).toBe(2);
        expect(await store.getFlag("wf1")).toMatchObject({
          version: 2,
          updatedBy: winner.updatedBy,
          samplePct: winner.samplePct,
        });
        const audit = await store.listAudit("wf1");
        expect(audit.map((a) => [a.version, a.actor])).toEqual([
          [1, "ops"],
          [2, winner.updatedBy],
        ]);
      });

      it("lets exactly one of N racing creators of a new flag win", async () => {
        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            store.compareAndSetFlag(flagWrite({ workflowId: "fresh", actor: `c${i}` })),
          ),
        );
        expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
        expect(
          outcomes.filter((o) => o.status === "rejected" && o.reason instanceof FlagConflictError),
        ).toHaveLength(7);
        expect(await store.listAudit("fresh")).toHaveLength(1);
      });

      it("keeps the global document versioned and audited under '*', with the same conflict rules", async () => {
        const g1 = await store.compareAndSetGlobals({
          expectedVersion: 0,
          next: { killSwitch: true, legacyRemoved: false },
          actor: "oncall",
          reason: "incident 7",
        });
        expect(g1).toMatchObject({ killSwitch: true, legacyRemoved: false, version: 1, updatedBy: "oncall" });
        expect(await store.getGlobals()).toEqual(g1);
        expect(
          await caught(
            store.compareAndSetGlobals({
              expectedVersion: 0,
              next: { killSwitch: false, legacyRemoved: false },
              actor: "x",
              reason: "y",
            }),
          ),
        ).toMatchObject({ expectedVersion: 0, actualVersion: 1 });
        expect(
          await caught(
            store.compareAndSetGlobals({
              expectedVersion: 1,
              next: { killSwitch: false, legacyRemoved: false },
              actor: "x",
              reason: "",
            }),
          ),
        ).toBeInstanceOf(FlagValidationError);
        const audit = await store.listAudit("*");
        expect(audit).toHaveLength(1);
        expect(audit[0]).toMatchObject({
          from: null,
          to: { killSwitch: true },
          reason: "incident 7",
          version: 1,
        });
      });

      it("refuses legacy removal while a flag routes to convex, then refuses any write that would", async () => {
        await store.compareAndSetFlag(flagWrite({ next: state({ stage: "live" }) }));
        const removal = {
          expectedVersion: 0,
          next: { killSwitch: false, legacyRemoved: true },
          actor: "ops",
          reason: "done",
        };
        const refused = await caught(store.compareAndSetGlobals(removal));
        expect(refused).toBeInstanceOf(FlagRefusedError);
        expect((refused as Error).message).toContain("wf1");
        expect((await store.getGlobals()).version).toBe(0);

        await store.compareAndSetFlag(flagWrite({ expectedVersion: 1, next: state({ stage: "inngest" }) }));
        expect(await store.compareAndSetGlobals(removal)).toMatchObject({ legacyRemoved: true, version: 1 });
        const back = await caught(
          store.compareAndSetFlag(flagWrite({ expectedVersion: 2, next: state({ stage: "shadow" }) })),
        );
        expect(back).toBeInstanceOf(FlagRefusedError);
        const viaOverride = await caught(
          store.compareAndSetFlag(
            flagWrite({
              expectedVersion: 2,
              next: state({ stage: "inngest", workspaceOverrides: { p: { stage: "convex" } } }),
            }),
          ),
        );
        expect(viaOverride).toBeInstanceOf(FlagRefusedError);
        expect(await store.getFlag("wf1")).toMatchObject({ version: 2, stage: "inngest" });
        expect(
          await caught(
            store.compareAndSetGlobals({
              expectedVersion: 1,
              next: { killSwitch: true, legacyRemoved: true },
              actor: "a",
              reason: "b",
            }),
          ),
        ).toBeInstanceOf(FlagRefusedError);
      });
    });

    describe("shadow pairs and their run records", () => {
      const pair = {
        pairId: "p1",
        workspaceId: "ws1",
        workflowId: "wf1",
        primaryRunId: "run-1",
        status: "pending",
        createdAt: iso(0),
      };

      it("keeps one pair when the same pairId is put twice", async () => {
        expect(await store.putPair(pair)).toEqual({ created: true });
        expect(await store.putPair({ ...pair, primaryRunId: "run-other", status: "dup" })).toEqual({
          created: false,
        });
        expect(await store.getPair("p1")).toEqual({ ...pair, shadowRunId: null });
        const both = await Promise.all([
          store.putPair({ ...pair, pairId: "p2" }),
          store.putPair({ ...pair, pairId: "p2" }),
        ]);
        expect(both.filter((b) => b.created)).toHaveLength(1);
      });

      it("scopes pair reads and updates by workspace", async () => {
        await store.putPair(pair);
        expect(await store.getPair("p1", "ws1")).not.toBeNull();
        expect(await store.getPair("p1", "ws2")).toBeNull();
        expect(await store.updatePair("p1", "ws2", { status: "stolen" })).toBeNull();
        expect(await store.updatePair("p1", "ws1", { shadowRunId: "run-1s" })).toMatchObject({
          status: "pending",
          shadowRunId: "run-1s",
        });
        expect(await store.updatePair("p1", "ws1", { status: "compared" })).toMatchObject({
          status: "compared",
          shadowRunId: "run-1s",
        });
        expect(await store.getPair("p1")).toMatchObject({ status: "compared", shadowRunId: "run-1s" });
        expect(await store.updatePair("missing", "ws1", { status: "x" })).toBeNull();
      });

      it("stores both sides' records as JSON, replaces a side, and scopes reads by workspace", async () => {
        await store.putPair(pair);
        const primary = runRecord({ status: "running", output: null, finishedAt: null, durationMs: null });
        await store.putRunRecord("p1", "primary", primary);
        expect(await store.getRunRecords("p1")).toEqual({ primary, shadow: null });
        const done = runRecord();
        const shadow = runRecord({
          runId: "run-1s",
          executor: "inngest",
          shadow: { pairId: "p1", of: "run-1" },
        });
        await store.putRunRecord("p1", "primary", done);
        await store.putRunRecord("p1", "shadow", shadow);
        expect(await store.getRunRecords("p1", "ws1")).toEqual({ primary: done, shadow });
        expect(await store.getRunRecords("p1", "ws2")).toEqual({ primary: null, shadow: null });
      });

      it("refuses records for an unknown pair, another workspace's pair, or an invalid record", async () => {
        await store.putPair(pair);
        expect(await caught(store.putRunRecord("nope", "primary", runRecord()))).toMatchObject({
          field: "pairId",
        });
        expect(
          await caught(store.putRunRecord("p1", "primary", runRecord({ workspaceId: "ws2" }))),
        ).toBeInstanceOf(StoreInputError);
        const bad = await caught(
          store.putRunRecord("p1", "primary", { ...runRecord(), status: "done" } as never),
        );
        expect(bad).toMatchObject({ field: "record.status" });
        expect(await caught(store.putPair({ ...pair, createdAt: "yesterday" }))).toMatchObject({
          field: "pair.createdAt",
        });
        expect(await store.getRunRecords("p1")).toEqual({ primary: null, shadow: null });
      });
    });

    describe("parity results", () => {
      it("stores a result with its flag version and policy, and replaces it on re-comparison", async () => {
        const r = result(5);
        await store.putResult(r);
        expect(await store.getResult(r.pairId)).toEqual(r);
        expect(await store.getResult(r.pairId, "ws2")).toEqual(r);
        expect(await store.getResult(r.pairId, "ws1")).toBeNull();
        await store.putResult({ ...r, verdict: "match", findings: [], comparedAt: iso(99) });
        expect(await store.getResult(r.pairId)).toMatchObject({
          verdict: "match",
          comparedAt: iso(99),
          flagVersion: 2,
        });
        expect((await store.listResults()).results).toHaveLength(1);
      });

      it("stores a batch all or none: one bad result writes nothing and is named by index", async () => {
        const bad = await caught(
          store.putResults([result(1), result(2), { ...result(3), verdict: "maybe" } as never]),
        );
        expect(bad).toBeInstanceOf(StoreInputError);
        expect(bad).toMatchObject({ field: "results[2].verdict" });
        expect((await store.listResults()).results).toEqual([]);
        await store.putResults([result(1), result(2), result(3)]);
        await store.putResults([{ ...result(2), verdict: "tolerated" }]);
        await store.putResults([]);
        expect((await store.listResults()).results.map((r) => [r.pairId, r.verdict])).toEqual([
          ["pair-0003", "match"],
          ["pair-0002", "tolerated"],
          ["pair-0001", "match"],
        ]);
      });

      it("refuses a malformed result naming the field", async () => {
        expect(await caught(store.putResult({ ...result(1), verdict: "maybe" } as never))).toMatchObject({
          field: "result.verdict",
        });
        expect(await caught(store.putResult({ ...result(1), flagVersion: -1 }))).toMatchObject({
          field: "result.flagVersion",
        });
        expect(await caught(store.listResults({ limit: 0 }))).toMatchObject({ field: "limit" });
        expect(await caught(store.listResults({ since: "soon" }))).toMatchObject({ field: "since" });
      });

      it("filters by workflow, workspace, since and verdict, newest first", async () => {
        for (let i = 0; i < 30; i++) await store.putResult(result(i));
        const all = (await store.listResults({ limit: 1000 })).results;
        expect(all.map((r) => r.comparedAt)).toEqual([...all.map((r) => r.comparedAt)].sort().reverse());
        expect(all).toHaveLength(30);

        const ids = async (q: Parameters<ControlStore["listResults"]>[0]) => {
          const out: string[] = [];
          for await (const r of store.iterateResults(q)) out.push(r.pairId);
          return out.sort();
        };
        const expected = (pred: (i: number) => boolean) =>
          Array.from({ length: 30 }, (_, i) => i)
            .filter(pred)
            .map((i) => result(i).pairId)
            .sort();
        expect(await ids({ workflowId: "wfA" })).toEqual(expected((i) => i % 2 === 0));
        expect(await ids({ workspaceId: "ws1" })).toEqual(expected((i) => i % 3 === 0));
        expect(await ids({ workspaceId: "ws1", workflowId: "wfB" })).toEqual(
          expected((i) => i % 3 === 0 && i % 2 === 1),
        );
        expect(await ids({ verdict: "mismatch" })).toEqual(expected((i) => i % 5 === 0));
        expect(await ids({ since: iso(20) })).toEqual(expected((i) => i >= 20));
        expect(await ids({ workflowId: "wfA", verdict: "mismatch", since: iso(10) })).toEqual(
          expected((i) => i % 2 === 0 && i % 5 === 0 && i >= 10),
        );
        expect(await ids({ workspaceId: "ws-none" })).toEqual([]);
      });

      it("pages with a cursor through every result exactly once", async () => {
        // Several results share a comparedAt, so the cursor must break ties.
        for (let i = 0; i < 57; i++) await store.putResult(result(i, { comparedAt: iso(Math.floor(i / 4)) }));
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page = await store.listResults({ limit: 10, cursor });
          expect(page.results.length).toBeLessThanOrEqual(10);
          seen.push(...page.results.map((r) => r.pairId));
          cursor = page.nextCursor;
          pages++;
        } while (cursor !== null && pages < 100);
        expect(seen).toHaveLength(57);
        expect(new Set(seen).size).toBe(57);
        expect(pages).toBeGreaterThanOrEqual(6);

        let n = 0;
        for await (const _ of store.iterateResults({ workflowId: "wfB" }, 7)) n++;
        expect(n).toBe(28);
      });
    });

    describe("shadow budget spend", () => {
      it("adds spend per workflow per UTC day, atomically under concurrent adds", async () => {
        expect(await store.getShadowSpend("wf1", "2026-11-26")).toBe(0);
        expect(await store.addShadowSpend("wf1", "2026-11-26", 0.25)).toBeCloseTo(0.25, 12);
        await Promise.all(Array.from({ length: 20 }, () => store.addShadowSpend("wf1", "2026-11-26", 0.5)));
        expect(await store.getShadowSpend("wf1", "2026-11-26")).toBeCloseTo(10.25, 9);
        expect(await store.getShadowSpend("wf1", "2026-11-27")).toBe(0);
        expect(await store.getShadowSpend("wf2", "2026-11-26")).toBe(0);
        expect(await caught(store.addShadowSpend("wf1", "26/11/2026", 1))).toMatchObject({ field: "day" });
        expect(await caught(store.addShadowSpend("wf1", "2026-11-26", -1))).toMatchObject({ field: "usd" });
      });
    });

    describe("shadow slots", () => {
      it("grants at most `limit` slots to concurrent acquirers, per key", async () => {
        const got = await Promise.all(
          Array.from({ length: 12 }, (_, i) => store.acquireShadowSlot("shadows", 3, 60_000, `h${i}`)),
        );
        expect(got.filter(Boolean)).toHaveLength(3);
        expect(await store.acquireShadowSlot("shadows", 3, 60_000, "late")).toBe(false);
        expect(await store.acquireShadowSlot("other", 1, 60_000, "late")).toBe(true);
        // A holder asking again keeps (renews) its slot rather than taking a second one.
        const holder = `h${got.indexOf(true)}`;
        expect(await store.acquireShadowSlot("shadows", 3, 60_000, holder)).toBe(true);
        expect(await store.acquireShadowSlot("shadows", 4, 60_000, "fourth")).toBe(true);
        expect(await store.acquireShadowSlot("shadows", 5, 60_000, "fifth")).toBe(true);
        expect(await store.acquireShadowSlot("shadows", 6, 60_000, "sixth")).toBe(true);
        expect(await store.acquireShadowSlot("shadows", 6, 60_000, "seventh")).toBe(false);
        expect(await store.acquireShadowSlot("shadows", 0, 60_000, "none")).toBe(false);
      });

      it("frees a slot on release, and releasing a slot not held changes nothing", async () => {
        expect(await store.acquireShadowSlot("shadows", 1, 60_000, "a")).toBe(true);
        expect(await store.acquireShadowSlot("shadows", 1, 60_000, "b")).toBe(false);
        await store.releaseShadowSlot("shadows", "b");
        expect(await store.acquireShadowSlot("shadows", 1, 60_000, "b")).toBe(false);
        await store.releaseShadowSlot("shadows", "a");
        expect(await store.acquireShadowSlot("shadows", 1, 60_000, "b")).toBe(true);
      });

      it("does not count an expired lease, so a holder that never releases frees its slot", async () => {
        expect(await store.acquireShadowSlot("shadows", 1, 5, "crashed")).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 30));
        expect(await store.acquireShadowSlot("shadows", 1, 60_000, "next")).toBe(true);
        expect(await store.acquireShadowSlot("shadows", 1, 60_000, "crashed")).toBe(false);
      });

      it("refuses a bad limit, lease or id, naming it", async () => {
        expect(await caught(store.acquireShadowSlot("shadows", -1, 1000, "h"))).toMatchObject({
          field: "limit",
        });
        expect(await caught(store.acquireShadowSlot("shadows", 1.5, 1000, "h"))).toMatchObject({
          field: "limit",
        });
        expect(await caught(store.acquireShadowSlot("shadows", 1, 0, "h"))).toMatchObject({
          field: "leaseMs",
        });
        expect(await caught(store.acquireShadowSlot("", 1, 1000, "h"))).toMatchObject({ field: "key" });
        expect(await caught(store.releaseShadowSlot("shadows", ""))).toMatchObject({ field: "holderId" });
      });
    });

    describe("imported workflows", () => {
      const doc = (name: string, extra: Record<string, unknown> = {}) =>
        JSON.stringify({ _id: "wfA", _creationTime: 1.5, userId: "user_1", name, nodes: [], ...extra });
      const row = (over: Partial<ImportedWorkflowInput> = {}): ImportedWorkflowInput => ({
        workspaceId: "ws1",
        workflowId: "wfA",
        name: "Digest",
        ownerUserId: "user_1",
        documentJson: doc("Digest"),
        workflowVersionId: "wfv_1",
        profile: "legacy",
        ...over,
      });

      it("has nothing when empty", async () => {
        expect(await store.getImportedWorkflow("ws1", "wfA")).toBeNull();
        expect(await store.findImportedWorkflow("wfA")).toEqual([]);
        expect(await store.listImportedWorkflows()).toEqual({ workflows: [], nextCursor: null });
        expect(await store.putImportedWorkflows([])).toEqual([]);
      });

      it("imports, then reports the same row unchanged and writes nothing, then updates a changed one", async () => {
        expect(await store.putImportedWorkflows([row()], { at: iso(1) })).toEqual(["imported"]);
        const first = { ...row(), importedAt: iso(1), updatedAt: iso(1) };
        expect(await store.getImportedWorkflow("ws1", "wfA")).toEqual(first);
        expect(await store.putImportedWorkflows([row()], { at: iso(2) })).toEqual(["unchanged"]);
        expect(await store.getImportedWorkflow("ws1", "wfA")).toEqual(first);
        const changed = row({
          documentJson: doc("Digest v2"),
          name: "Digest v2",
          workflowVersionId: "wfv_2",
        });
        expect(
          await store.putImportedWorkflows([changed, row({ workflowId: "wfB" })], { at: iso(3) }),
        ).toEqual(["updated", "imported"]);
        expect(await store.getImportedWorkflow("ws1", "wfA")).toEqual({
          ...changed,
          importedAt: iso(1),
          updatedAt: iso(3),
        });
        // A new compile of the same document (a newer compiler) is a change too: the stored version is stale.
        expect(await store.putImportedWorkflows([changed], { at: iso(4) })).toEqual(["unchanged"]);
        expect(
          await store.putImportedWorkflows([{ ...changed, workflowVersionId: "wfv_3" }], { at: iso(5) }),
        ).toEqual(["updated"]);
      });

      it("keys by (workspaceId, workflowId): one id in two workspaces is two rows, found in both", async () => {
        await store.putImportedWorkflows([
          row({ workspaceId: "ws2", ownerUserId: null }),
          row(),
          row({ workflowId: "wfB" }),
        ]);
        expect((await store.findImportedWorkflow("wfA")).map((w) => [w.workspaceId, w.ownerUserId])).toEqual([
          ["ws1", "user_1"],
          ["ws2", null],
        ]);
        expect(await store.getImportedWorkflow("ws2", "wfB")).toBeNull();
        expect((await store.getImportedWorkflow("ws2", "wfA"))?.documentJson).toBe(doc("Digest"));
        const page = await store.listImportedWorkflows();
        expect(page.workflows.map((w) => [w.workspaceId, w.workflowId])).toEqual([
          ["ws1", "wfA"],
          ["ws1", "wfB"],
          ["ws2", "wfA"],
        ]);
        expect(page.workflows[0]).not.toHaveProperty("documentJson");
        expect(page.workflows[0]).toMatchObject({
          name: "Digest",
          profile: "legacy",
          workflowVersionId: "wfv_1",
        });
        const ws2 = await store.listImportedWorkflows({ workspaceId: "ws2" });
        expect(ws2.workflows.map((w) => w.workflowId)).toEqual(["wfA"]);
      });

      it("pages a listing with cursors, each row once", async () => {
        const rows = Array.from({ length: 7 }, (_, i) => row({ workflowId: `wf${i}` }));
        await store.putImportedWorkflows(rows);
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await store.listImportedWorkflows({ limit: 3, cursor });
          expect(page.workflows.length).toBeLessThanOrEqual(3);
          seen.push(...page.workflows.map((w) => w.workflowId));
          cursor = page.nextCursor;
        } while (cursor !== null);
        expect(seen).toEqual(rows.map((r) => r.workflowId));
      });

      it("checks the whole batch before writing: a bad row, a duplicate key or an oversized document writes nothing", async () => {
        const bad = await caught(
          store.putImportedWorkflows([row({ workflowId: "ok" }), row({ workspaceId: "" })]),
        );
        expect(bad).toBeInstanceOf(StoreInputError);
        expect(bad).toMatchObject({ field: "workflows[1].workspaceId" });
        const twice = await caught(store.putImportedWorkflows([row(), row({ name: "other" })]));
        expect(twice).toMatchObject({ field: "workflows[1]" });
        const huge = await caught(
          store.putImportedWorkflows([
            row({ documentJson: JSON.stringify({ s: "x".repeat(MAX_DOCUMENT_BYTES) }) }),
          ]),
        );
        expect(huge).toMatchObject({ field: "workflows[0].documentJson" });
        expect(await caught(store.putImportedWorkflows([row({ profile: "other" as never })]))).toMatchObject({
          field: "workflows[0].profile",
        });
        expect(await store.listImportedWorkflows()).toEqual({ workflows: [], nextCursor: null });
        expect(await caught(store.getImportedWorkflow("", "wfA"))).toMatchObject({ field: "workspaceId" });
        expect(await caught(store.listImportedWorkflows({ limit: 0 }))).toMatchObject({ field: "limit" });
      });
    });

    describe("daily rollups", () => {
      it("keeps one row per (workspace, workflow, UTC day, flag version), in the transaction of each result", async () => {
        const results = Array.from({ length: 12 }, (_, i) =>
          result(i, {
            comparedAt: i < 6 ? "2026-11-26T10:00:00.000Z" : "2026-11-27T09:00:00.000Z",
            flagVersion: i % 4 === 0 ? 3 : 2,
            summary: {
              primary: { executor: "convex", status: "completed" },
              shadow: { executor: "inngest", status: i === 1 ? "failed" : "completed" },
              latency: { primaryMs: 100 + i, shadowMs: 120 + i },
              topPaths: i % 5 === 0 ? ["$.a"] : [],
            },
          }),
        );
        await store.putResults(results.slice(0, 5));
        for (const r of results.slice(5)) await store.putResult(r);
        const rows = await store.listRollups({ workflowId: "wfA" });
        const expectedKeys = new Set(
          results
            .filter((r) => r.workflowId === "wfA")
            .map((r) => `${r.workspaceId} ${r.comparedAt.slice(0, 10)} ${r.flagVersion}`),
        );
        expect(new Set(rows.map((r) => `${r.workspaceId} ${r.day} ${r.flagVersion}`))).toEqual(expectedKeys);
        expect(rows.map((r) => r.day)).toEqual([...rows.map((r) => r.day)].sort());
        const counted = rows.reduce((n, r) => n + r.verdicts.match + r.verdicts.mismatch, 0);
        expect(counted).toBe(results.filter((r) => r.workflowId === "wfA").length);
        const v2 = await store.listRollups({ flagVersion: 2, sinceDay: "2026-11-27" });
        expect(v2.every((r) => r.flagVersion === 2 && r.day === "2026-11-27")).toBe(true);
        expect(v2.reduce((n, r) => n + r.inngest.runs, 0)).toBe(
          results.filter((r) => r.flagVersion === 2 && r.comparedAt.startsWith("2026-11-27")).length,
        );
        // A re-comparison replaces the pair's count.
        await store.putResult({ ...results[0], verdict: "match" });
        const again = await store.listRollups({ workflowId: "wfA" });
        expect(again.reduce((n, r) => n + r.verdicts.match + r.verdicts.mismatch, 0)).toBe(counted);
        await store.countUncoveredPair(
          { workspaceId: "ws1", workflowId: "wfA", day: "2026-11-27", flagVersion: 2 },
          "dropped",
        );
        const [dropped] = await store.listRollups({
          workspaceId: "ws1",
          workflowId: "wfA",
          flagVersion: 2,
          sinceDay: "2026-11-27",
        });
        expect(dropped.dropped).toBe(1);
      });
    });
  });
}
