// What does a flag look like after an operator's change? Applies a partial change to the current state.
import { defaultFlagState, type FlagState, type ShadowProvider } from "./flag.ts";
import type { Stage } from "./stage.ts";

export interface FlagChange {
  stage: Stage;
  samplePct?: number;
  shadowProvider?: ShadowProvider;
  dailyBudgetUsd?: number;
  /** When set, the stage (and sample, if given) become this workspace's override; the flag's own stage stays. */
  workspaceId?: string;
}

/** Returns the next state: the change over the current state (or the no-flag default), everything else kept. */
export function applyFlagChange(current: FlagState | null, change: FlagChange): FlagState {
  const base = current ?? defaultFlagState();
  const next: FlagState = {
    ...base,
    shadowProvider: change.shadowProvider ?? base.shadowProvider,
    dailyBudgetUsd: change.dailyBudgetUsd ?? base.dailyBudgetUsd,
    workspaceOverrides: { ...base.workspaceOverrides },
  };
  if (change.workspaceId === undefined) {
    next.stage = change.stage;
    next.samplePct = change.samplePct ?? base.samplePct;
  } else {
    next.workspaceOverrides[change.workspaceId] =
      change.samplePct === undefined
        ? { stage: change.stage }
        : { stage: change.stage, samplePct: change.samplePct };
  }
  return next;
}

/** Returns the state without the workspace's override, or null when it had none (nothing to change). */
export function clearWorkspaceOverride(current: FlagState, workspaceId: string): FlagState | null {
  if (!Object.hasOwn(current.workspaceOverrides, workspaceId)) return null;
  const { [workspaceId]: _removed, ...rest } = current.workspaceOverrides;
  return { ...current, workspaceOverrides: rest };
}
