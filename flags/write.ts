// Is this flag write accepted, and what does it produce? The compare-and-set rules both store adapters apply
// inside their transaction, so SQLite and Convex accept and refuse exactly the same writes.
import { redactString } from "../lib/redact.ts";
import { FlagConflictError, FlagRefusedError, FlagValidationError } from "./errors.ts";
import {
  type AuditEntry,
  checkWorkflowId,
  type FlagDoc,
  FlagState,
  flagState,
  GLOBALS_ID,
  type Globals,
  GlobalsState,
  parseOrThrow,
} from "./flag.ts";
import { routesToConvex } from "./stage.ts";

/** A compare-and-set write of one workflow's flag: `expectedVersion` is 0 for a flag that does not exist yet. */
export interface FlagWrite {
  workflowId: string;
  expectedVersion: number;
  next: FlagState;
  actor: string;
  reason: string;
  /** When the change happens (ISO-8601); now when absent. */
  at?: string;
}

/** A compare-and-set write of the global document (version 0 while it has never been written). */
export interface GlobalsWrite {
  expectedVersion: number;
  next: GlobalsState;
  actor: string;
  reason: string;
  at?: string;
}

function checkCommon(write: { expectedVersion: unknown; actor: unknown; reason: unknown; at?: unknown }): {
  actor: string;
  reason: string;
  at: string;
} {
  if (typeof write.reason !== "string" || write.reason.trim() === "") {
    throw new FlagValidationError("reason", "every flag change needs a reason");
  }
  if (typeof write.actor !== "string" || write.actor.trim() === "") {
    throw new FlagValidationError("actor", "every flag change needs an actor");
  }
  if (!Number.isInteger(write.expectedVersion) || (write.expectedVersion as number) < 0) {
    throw new FlagValidationError(
      "expectedVersion",
      `must be an integer ≥ 0 (0 for a new flag), got ${String(write.expectedVersion)}`,
    );
  }
  let at = new Date().toISOString();
  if (write.at !== undefined) {
    const ms = typeof write.at === "string" ? Date.parse(write.at) : Number.NaN;
    if (Number.isNaN(ms)) throw new FlagValidationError("at", `not an ISO-8601 time: ${String(write.at)}`);
    at = new Date(ms).toISOString();
  }
  // The audit log keeps reasons for good and shows them to every operator: a key pasted into one is redacted.
  return { actor: write.actor.trim(), reason: redactString(write.reason.trim()), at };
}

/** Returns the workspaces (and "(flag)" for the flag's own stage) whose stage would run anything on Convex. */
export function convexRoutes(state: FlagState): string[] {
  const out = routesToConvex(state.stage) ? ["(flag)"] : [];
  for (const [workspaceId, o] of Object.entries(state.workspaceOverrides)) {
    if (routesToConvex(o.stage)) out.push(workspaceId);
  }
  return out;
}

/**
 * Returns the new flag document and its audit entry when the write is accepted against the current state;
 * throws FlagValidationError, FlagConflictError (expected vs actual version) or FlagRefusedError otherwise.
 */
export function decideFlagWrite(
  write: FlagWrite,
  current: FlagDoc | null,
  globals: Globals,
): { doc: FlagDoc; audit: AuditEntry } {
  const workflowId = checkWorkflowId(write.workflowId);
  const { actor, reason, at } = checkCommon(write);
  const next = parseOrThrow(FlagState, write.next, "");
  const actual = current?.version ?? 0;
  if (write.expectedVersion !== actual)
    throw new FlagConflictError(workflowId, write.expectedVersion, actual);
  if (globals.legacyRemoved) {
    const offending = convexRoutes(next);
    if (offending.length > 0) {
      throw new FlagRefusedError(
        `flag ${workflowId}: Convex execution has been removed, so no stage may route to convex (${offending.join(", ")} would)`,
      );
    }
  }
  const version = actual + 1;
  const doc: FlagDoc = { ...next, workflowId, version, updatedAt: at, updatedBy: actor };
  const audit: AuditEntry = {
    workflowId,
    actor,
    at,
    from: current ? flagState(current) : null,
    to: next,
    reason,
    version,
  };
  return { doc, audit };
}

/**
 * Returns the new global document and its audit entry when the write is accepted; `flags` are all stored flags,
 * read in the same transaction, because removing the legacy executor needs every one of them off Convex.
 */
export function decideGlobalsWrite(
  write: GlobalsWrite,
  current: Globals,
  flags: readonly FlagDoc[],
): { doc: Globals; audit: AuditEntry } {
  const { actor, reason, at } = checkCommon(write);
  const next = parseOrThrow(GlobalsState, write.next, "");
  if (write.expectedVersion !== current.version) {
    throw new FlagConflictError(GLOBALS_ID, write.expectedVersion, current.version);
  }
  if (next.killSwitch && next.legacyRemoved) {
    throw new FlagRefusedError(
      "the kill switch sends everything to convex, which cannot be on once Convex execution has been removed",
    );
  }
  if (next.legacyRemoved && !current.legacyRemoved) {
    const still = flags.filter((f) => convexRoutes(flagState(f)).length > 0).map((f) => f.workflowId);
    if (still.length > 0) {
      throw new FlagRefusedError(
        `cannot remove Convex execution while ${still.length} workflow(s) still route to convex: ${still.slice(0, 20).join(", ")}${still.length > 20 ? ", ..." : ""}`,
      );
    }
  }
  const version = current.version + 1;
  const from =
    current.version === 0 ? null : { killSwitch: current.killSwitch, legacyRemoved: current.legacyRemoved };
  const doc: Globals = { ...next, version, updatedAt: at, updatedBy: actor };
  return { doc, audit: { workflowId: GLOBALS_ID, actor, at, from, to: next, reason, version } };
}
