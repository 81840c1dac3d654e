// Where may a workflow go next, and where did it come from? Stage moves, skips, and the stage history in the audit log.
import type { AuditEntry, FlagDoc, FlagState } from "./flag.ts";
import { STAGES, type Stage } from "./stage.ts";

/** Returns the stage after `stage`, or null at the end (inngest). */
export function nextStage(stage: Stage): Stage | null {
  const i = STAGES.indexOf(stage);
  return i + 1 < STAGES.length ? STAGES[i + 1] : null;
}

/** Returns how many stages a move crosses forward (1 = the next stage; ≤ 0 = not forward). */
export function stepsForward(from: Stage, to: Stage): number {
  return STAGES.indexOf(to) - STAGES.indexOf(from);
}

/** True for a move that needs measured parity: into `live` or `inngest` (convex → shadow needs none). */
export function isGated(to: Stage): boolean {
  return to === "live" || to === "inngest";
}

function stageOf(state: AuditEntry["from"] | AuditEntry["to"]): Stage | null {
  return state && "stage" in state ? (state as FlagState).stage : null;
}

/**
 * Returns when the workflow entered its current stage: the time of the newest audit entry that moved it
 * there from another stage (or created the flag in it); null when the log does not say.
 */
export function stageSince(flag: FlagDoc, audit: readonly AuditEntry[]): Date | null {
  for (let i = audit.length - 1; i >= 0; i--) {
    const entry = audit[i];
    if (entry.workflowId !== flag.workflowId) continue;
    const to = stageOf(entry.to);
    if (to !== flag.stage) return null;
    if (stageOf(entry.from) !== flag.stage) return new Date(entry.at);
  }
  return null;
}

/**
 * Returns the stage a rollback goes to: the stage the workflow was in before it entered its current one
 * (from the audit history), else the stage before it in the order; null from `convex`.
 */
export function previousStage(flag: FlagDoc, audit: readonly AuditEntry[]): Stage | null {
  for (let i = audit.length - 1; i >= 0; i--) {
    const entry = audit[i];
    if (entry.workflowId !== flag.workflowId) continue;
    const from = stageOf(entry.from);
    const to = stageOf(entry.to);
    if (to !== flag.stage) break;
    if (from !== null && from !== flag.stage) return from;
  }
  const i = STAGES.indexOf(flag.stage);
  return i > 0 ? STAGES[i - 1] : null;
}

/** Returns the part of a flag state that decides how runs are routed and shadowed. */
function routing(state: FlagState): string {
  return JSON.stringify([state.stage, state.samplePct, state.shadowProvider, state.workspaceOverrides]);
}

/**
 * Returns the first flag version of the current experiment: the oldest version, going back from the
 * current one without a gap, whose state routed runs as the current one does (stage, sample, shadow
 * provider, overrides). Changes of gates or budget alone do not start a new experiment.
 */
export function experimentSince(flag: FlagDoc, audit: readonly AuditEntry[]): number {
  const current = routing(flag);
  let since = flag.version;
  for (let i = audit.length - 1; i >= 0; i--) {
    const entry = audit[i];
    if (entry.workflowId !== flag.workflowId || entry.version > since) continue;
    if (entry.version !== since) break;
    if (routing(entry.to as FlagState) !== current) break;
    const from = entry.from as FlagState | null;
    if (!from || routing(from) !== current) break;
    since = entry.version - 1;
  }
  return Math.max(since, 1);
}
