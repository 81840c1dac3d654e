// Which executor answers this workspace's run of this workflow, and which one shadows it? A pure decision.
import type { FlagDoc, Globals, ShadowProvider } from "./flag.ts";
import { type ExecutorSide, type Stage, stageExecutors } from "./stage.ts";

/** Why the route is what it is; "experiment" marks a route given explicitly (cutover shadow), not read from a flag. */
export type RouteReason =
  | "legacy-removed"
  | "kill-switch"
  | "no-flag"
  | "workspace-override"
  | "flag"
  | "experiment"
  | "store-unavailable";

export interface Route {
  primary: ExecutorSide;
  shadow: ExecutorSide | null;
  /** The stage the decision followed (after overrides, the kill switch and legacy removal). */
  stage: Stage;
  /** Share of runs that get a shadow; 0 whenever shadow is null. */
  samplePct: number;
  shadowProvider: ShadowProvider;
  dailyBudgetUsd: number;
  /** The flag version decided on (0 without a flag), stored with every parity result. */
  flagVersion: number;
  reason: RouteReason;
}

/** The workspace a flag's own stage is for, and the one CLI commands use unless told otherwise. */
export const DEFAULT_WORKSPACE = "default";

/**
 * Returns the route for one run. Legacy removal outranks everything (nothing ever routes to Convex after it),
 * then the kill switch (everything to Convex only), then the stage the flag sets for the run's workspace.
 *
 * Workflow ids are chosen per workspace, so one id names a different workflow in each tenant: a flag's
 * stage is keyed by (workspaceId, workflowId). The document's own stage and sample are workspace
 * `default`'s; every other workspace's are its entry in `workspaceOverrides` (`flags set <wf> <stage>
 * --workspace W`). A workspace with neither has no flag for the workflow: Convex only, whatever another
 * tenant's same-named workflow is set to.
 */
export function resolveRoute(
  flag: FlagDoc | null,
  globals: Pick<Globals, "killSwitch" | "legacyRemoved">,
  workspaceId: string,
): Route {
  const override = flag
    ? Object.hasOwn(flag.workspaceOverrides, workspaceId)
      ? flag.workspaceOverrides[workspaceId]
      : undefined
    : undefined;
  const own = flag && (override || workspaceId === DEFAULT_WORKSPACE) ? flag : null;
  const base = {
    shadowProvider: own?.shadowProvider ?? ("replay" as const),
    dailyBudgetUsd: own?.dailyBudgetUsd ?? 0,
    flagVersion: flag?.version ?? 0,
  };
  const stage: Stage = override?.stage ?? own?.stage ?? "convex";
  const samplePct = override?.samplePct ?? own?.samplePct ?? 0;
  const reason: RouteReason = !own ? "no-flag" : override ? "workspace-override" : "flag";

  if (globals.legacyRemoved && stage !== "inngest") {
    return {
      ...base,
      primary: "inngest",
      shadow: null,
      stage: "inngest",
      samplePct: 0,
      reason: "legacy-removed",
    };
  }
  if (globals.killSwitch && !globals.legacyRemoved) {
    return { ...base, primary: "convex", shadow: null, stage: "convex", samplePct: 0, reason: "kill-switch" };
  }
  const { primary, shadow } = stageExecutors(stage);
  return { ...base, primary, shadow, stage, samplePct: shadow ? samplePct : 0, reason };
}

/**
 * Returns the route a run takes when its flag cannot be read (the store failed): the Convex primary alone,
 * no shadow. The run still starts; the router counts how often this happens.
 */
export function storeUnavailableRoute(): Route {
  return {
    primary: "convex",
    shadow: null,
    stage: "convex",
    samplePct: 0,
    shadowProvider: "replay",
    dailyBudgetUsd: 0,
    flagVersion: 0,
    reason: "store-unavailable",
  };
}
