import { describe, expect, it } from "vitest";
import { applyFlagChange, clearWorkspaceOverride } from "./edit.ts";
import { defaultFlagState } from "./flag.ts";

describe("applyFlagChange", () => {
  it("starts from the no-flag default and sets the stage", () => {
    expect(applyFlagChange(null, { stage: "shadow" })).toEqual({ ...defaultFlagState(), stage: "shadow" });
  });

  it("keeps what the change does not name", () => {
    const cur = {
      ...defaultFlagState(),
      stage: "shadow" as const,
      samplePct: 10,
      shadowProvider: "live" as const,
      dailyBudgetUsd: 3,
    };
    expect(applyFlagChange(cur, { stage: "live" })).toEqual({ ...cur, stage: "live" });
    expect(applyFlagChange(cur, { stage: "live", samplePct: 50, dailyBudgetUsd: 9 })).toMatchObject({
      stage: "live",
      samplePct: 50,
      dailyBudgetUsd: 9,
      shadowProvider: "live",
    });
  });

  it("sets a workspace override without touching the flag's own stage or sample, and without mutating the input", () => {
    const cur = { ...defaultFlagState(), stage: "shadow" as const, samplePct: 10 };
    const next = applyFlagChange(cur, { stage: "live", samplePct: 100, workspaceId: "pilot" });
    expect(next).toMatchObject({
      stage: "shadow",
      samplePct: 10,
      workspaceOverrides: { pilot: { stage: "live", samplePct: 100 } },
    });
    expect(cur.workspaceOverrides).toEqual({});
    expect(
      applyFlagChange(next, { stage: "inngest", workspaceId: "pilot" }).workspaceOverrides.pilot,
    ).toEqual({ stage: "inngest" });
  });

  it("clears an override, or says there was none", () => {
    const cur = applyFlagChange(null, { stage: "live", workspaceId: "pilot" });
    expect(clearWorkspaceOverride(cur, "pilot")?.workspaceOverrides).toEqual({});
    expect(clearWorkspaceOverride(cur, "other")).toBeNull();
  });
});
