import { describe, expect, it } from "vitest";
import {
  FlagConflictError,
  FlagRefusedError,
  FlagValidationError,
  fromFlagWriteFailure,
  toFlagWriteFailure,
} from "./errors.ts";
import { DEFAULT_GLOBALS, defaultFlagState, type FlagDoc, flagState, type Globals } from "./flag.ts";
import { decideFlagWrite, decideGlobalsWrite } from "./write.ts";

const at = "2026-11-26T10:00:00.000Z";
const write = (over: Record<string, unknown> = {}) => ({
  workflowId: "wf1",
  expectedVersion: 0,
  next: { ...defaultFlagState(), stage: "shadow" as const },
  actor: "ops",
  reason: "pilot",
  at,
  ...over,
});
const removed: Globals = { ...DEFAULT_GLOBALS, legacyRemoved: true, version: 2 };

describe("decideFlagWrite", () => {
  it("creates version 1 from expected version 0 with an audit entry from null", () => {
    const { doc, audit } = decideFlagWrite(write(), null, DEFAULT_GLOBALS);
    expect(doc).toMatchObject({
      workflowId: "wf1",
      stage: "shadow",
      version: 1,
      updatedAt: at,
      updatedBy: "ops",
    });
    expect(audit).toEqual({
      workflowId: "wf1",
      actor: "ops",
      at,
      from: null,
      to: write().next,
      reason: "pilot",
      version: 1,
    });
  });

  it("increments the version and records from → to", () => {
    const first = decideFlagWrite(write(), null, DEFAULT_GLOBALS).doc;
    const { doc, audit } = decideFlagWrite(
      write({ expectedVersion: 1, next: { ...flagState(first), stage: "live" } }),
      first,
      DEFAULT_GLOBALS,
    );
    expect(doc.version).toBe(2);
    expect(audit.from).toMatchObject({ stage: "shadow" });
    expect(audit.to).toMatchObject({ stage: "live" });
  });

  it("fails with expected vs actual version on a stale write", () => {
    const first = decideFlagWrite(write(), null, DEFAULT_GLOBALS).doc;
    const err = (() => {
      try {
        decideFlagWrite(write({ expectedVersion: 0 }), first, DEFAULT_GLOBALS);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(FlagConflictError);
    expect(err).toMatchObject({ expectedVersion: 0, actualVersion: 1 });
    expect((err as Error).message).toContain("expected version 0 but the current version is 1");
    expect(() => decideFlagWrite(write({ expectedVersion: 1 }), null, DEFAULT_GLOBALS)).toThrow(
      FlagConflictError,
    );
  });

  it.each([
    [{ reason: "" }, "reason"],
    [{ reason: "   " }, "reason"],
    [{ reason: undefined }, "reason"],
    [{ actor: "" }, "actor"],
    [{ expectedVersion: -1 }, "expectedVersion"],
    [{ expectedVersion: 1.5 }, "expectedVersion"],
    [{ workflowId: "" }, "workflowId"],
    [{ workflowId: "a b" }, "workflowId"],
    [{ at: "yesterday" }, "at"],
    [{ next: { ...defaultFlagState(), samplePct: 101 } }, "samplePct"],
    [{ next: { ...defaultFlagState(), samplePct: -1 } }, "samplePct"],
    [{ next: { ...defaultFlagState(), stage: "halfway" } }, "stage"],
    [{ next: { ...defaultFlagState(), shadowProvider: "openai" } }, "shadowProvider"],
    [{ next: { ...defaultFlagState(), dailyBudgetUsd: -5 } }, "dailyBudgetUsd"],
    [
      { next: { ...defaultFlagState(), workspaceOverrides: { w: { stage: "x" } } } },
      "workspaceOverrides.w.stage",
    ],
  ])("refuses %o naming %s", (over, field) => {
    try {
      decideFlagWrite(write(over), null, DEFAULT_GLOBALS);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FlagValidationError);
      expect((e as FlagValidationError).field).toBe(field);
    }
  });

  it("refuses any stage or override routing to convex after legacy removal", () => {
    expect(() =>
      decideFlagWrite(write({ next: { ...defaultFlagState(), stage: "live" } }), null, removed),
    ).toThrow(FlagRefusedError);
    expect(() =>
      decideFlagWrite(
        write({
          next: {
            ...defaultFlagState(),
            stage: "inngest",
            workspaceOverrides: { pilot: { stage: "shadow" } },
          },
        }),
        null,
        removed,
      ),
    ).toThrow(/pilot/);
    expect(
      decideFlagWrite(write({ next: { ...defaultFlagState(), stage: "inngest" } }), null, removed).doc
        .version,
    ).toBe(1);
  });
});

describe("decideGlobalsWrite", () => {
  const gw = (over: Record<string, unknown> = {}) => ({
    expectedVersion: 0,
    next: { killSwitch: true, legacyRemoved: false },
    actor: "ops",
    reason: "incident 42",
    at,
    ...over,
  });
  const inngestFlag = decideFlagWrite(
    write({ next: { ...defaultFlagState(), stage: "inngest" } }),
    null,
    DEFAULT_GLOBALS,
  ).doc;
  const shadowFlag: FlagDoc = { ...inngestFlag, workflowId: "wf2", stage: "shadow" };

  it("turns the kill switch on with an audit entry keyed '*'", () => {
    const { doc, audit } = decideGlobalsWrite(gw(), DEFAULT_GLOBALS, []);
    expect(doc).toMatchObject({ killSwitch: true, version: 1, updatedBy: "ops" });
    expect(audit).toMatchObject({ workflowId: "*", from: null, to: { killSwitch: true }, version: 1 });
  });

  it("fails on a stale version and without a reason", () => {
    expect(() => decideGlobalsWrite(gw({ expectedVersion: 3 }), DEFAULT_GLOBALS, [])).toThrow(
      FlagConflictError,
    );
    expect(() => decideGlobalsWrite(gw({ reason: "" }), DEFAULT_GLOBALS, [])).toThrow(FlagValidationError);
  });

  it("removes the legacy executor only when no flag routes to convex, and never with the kill switch", () => {
    const next = { killSwitch: false, legacyRemoved: true };
    expect(() => decideGlobalsWrite(gw({ next }), DEFAULT_GLOBALS, [inngestFlag, shadowFlag])).toThrow(/wf2/);
    expect(decideGlobalsWrite(gw({ next }), DEFAULT_GLOBALS, [inngestFlag]).doc.legacyRemoved).toBe(true);
    expect(() =>
      decideGlobalsWrite(
        gw({ expectedVersion: 2, next: { killSwitch: true, legacyRemoved: true } }),
        removed,
        [],
      ),
    ).toThrow(FlagRefusedError);
  });
});

describe("flag-write failures as data", () => {
  it("round-trips each error class", () => {
    for (const e of [
      new FlagConflictError("wf1", 2, 3),
      new FlagValidationError("samplePct", "too big"),
      new FlagRefusedError("no"),
    ]) {
      const back = fromFlagWriteFailure(toFlagWriteFailure(e)!);
      expect(back.constructor).toBe(e.constructor);
      expect(back.message).toBe(e.message);
    }
    expect(toFlagWriteFailure(new Error("x"))).toBeNull();
  });
});

describe("strict documents", () => {
  it("refuses unknown keys in the next state", () => {
    expect(() =>
      decideFlagWrite(write({ next: { ...defaultFlagState(), sample: 5 } }), null, DEFAULT_GLOBALS),
    ).toThrow(/Unrecognized key/);
  });
});
