import { describe, expect, it } from "vitest";
import { DEFAULT_GLOBALS, defaultFlagState, type FlagDoc } from "./flag.ts";
import { resolveRoute } from "./route.ts";
import { STAGES } from "./stage.ts";

function flag(over: Partial<FlagDoc> = {}): FlagDoc {
  return {
    ...defaultFlagState(),
    workflowId: "wf1",
    version: 3,
    updatedAt: "2026-11-26T10:00:00.000Z",
    updatedBy: "ops",
    samplePct: 25,
    shadowProvider: "live",
    dailyBudgetUsd: 5,
    ...over,
  };
}
const on = { killSwitch: false, legacyRemoved: false };

describe("resolveRoute", () => {
  it("sends a workflow without a flag to convex only", () => {
    expect(resolveRoute(null, DEFAULT_GLOBALS, "ws1")).toEqual({
      primary: "convex",
      shadow: null,
      stage: "convex",
      samplePct: 0,
      shadowProvider: "replay",
      dailyBudgetUsd: 0,
      flagVersion: 0,
      reason: "no-flag",
    });
  });

  it.each([
    ["convex", "convex", null],
    ["shadow", "convex", "inngest"],
    ["live", "inngest", "convex"],
    ["inngest", "inngest", null],
  ] as const)("stage %s → primary %s, shadow %s", (stage, primary, shadow) => {
    const r = resolveRoute(flag({ stage }), on, "default");
    expect(r).toMatchObject({ primary, shadow, stage, reason: "flag", flagVersion: 3 });
    expect(r.samplePct).toBe(shadow ? 25 : 0);
    expect(r).toMatchObject({ shadowProvider: "live", dailyBudgetUsd: 5 });
  });

  it("applies a workspace override only to that workspace, with its own sample when given", () => {
    const f = flag({
      stage: "convex",
      workspaceOverrides: { pilot: { stage: "live", samplePct: 50 }, other: { stage: "shadow" } },
    });
    expect(resolveRoute(f, on, "pilot")).toMatchObject({
      primary: "inngest",
      shadow: "convex",
      samplePct: 50,
      reason: "workspace-override",
    });
    expect(resolveRoute(f, on, "other")).toMatchObject({
      primary: "convex",
      shadow: "inngest",
      samplePct: 25,
    });
    expect(resolveRoute(f, on, "default")).toMatchObject({ primary: "convex", shadow: null, reason: "flag" });
    // Another tenant's workflow of the same id has no flag: the default workspace's stage is not its own.
    expect(resolveRoute(f, on, "ws-else")).toMatchObject({
      primary: "convex",
      shadow: null,
      reason: "no-flag",
    });
  });

  it("does not treat inherited object keys as workspace overrides", () => {
    expect(resolveRoute(flag({ stage: "inngest" }), on, "constructor")).toMatchObject({
      stage: "convex",
      reason: "no-flag",
    });
  });

  it("keys a flag's stage by workspace: another tenant's same-named workflow is never routed by it", () => {
    const f = flag({ stage: "live", shadowProvider: "live", dailyBudgetUsd: 9 });
    expect(resolveRoute(f, on, "default")).toMatchObject({ primary: "inngest", shadow: "convex" });
    expect(resolveRoute(f, on, "tenant_b")).toMatchObject({
      primary: "convex",
      shadow: null,
      samplePct: 0,
      dailyBudgetUsd: 0,
      reason: "no-flag",
    });
  });

  it("sends everything to convex only under the kill switch, overrides included", () => {
    const f = flag({ stage: "inngest", workspaceOverrides: { pilot: { stage: "live" } } });
    for (const ws of ["pilot", "default"]) {
      expect(resolveRoute(f, { killSwitch: true, legacyRemoved: false }, ws)).toMatchObject({
        primary: "convex",
        shadow: null,
        samplePct: 0,
        reason: "kill-switch",
        flagVersion: 3,
      });
    }
    expect(resolveRoute(null, { killSwitch: true, legacyRemoved: false }, "default").reason).toBe(
      "kill-switch",
    );
  });

  it("never routes to convex once the legacy executor is removed, whatever the flag, override or kill switch", () => {
    const globalsList = [
      { killSwitch: false, legacyRemoved: true },
      { killSwitch: true, legacyRemoved: true },
    ];
    const flags = [
      null,
      ...STAGES.map((stage) => flag({ stage, workspaceOverrides: { pilot: { stage: "shadow" } } })),
    ];
    for (const g of globalsList) {
      for (const f of flags) {
        for (const ws of ["pilot", "default"]) {
          const r = resolveRoute(f, g, ws);
          expect(r.primary).toBe("inngest");
          expect(r.shadow).toBeNull();
          expect(r.samplePct).toBe(0);
        }
      }
    }
    expect(resolveRoute(flag({ stage: "inngest" }), globalsList[0], "default").reason).toBe("flag");
    expect(resolveRoute(flag({ stage: "live" }), globalsList[0], "default").reason).toBe("legacy-removed");
  });
});
