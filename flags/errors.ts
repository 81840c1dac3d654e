// Why was a flag write not accepted? Three distinct answers: a lost race, bad input, or a refused change.

/** The write named a version that is no longer current: someone else changed the document first. */
export class FlagConflictError extends Error {
  readonly code = "FLAG_CONFLICT";
  constructor(
    readonly workflowId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(
      `${workflowId === "*" ? "global flags" : `flag ${workflowId}`}: version conflict, expected version ${expectedVersion} but the current version is ${actualVersion}`,
    );
    this.name = "FlagConflictError";
  }
}

/** The write itself is malformed (no reason, sample out of range, unknown stage...); `field` names the culprit. */
export class FlagValidationError extends Error {
  readonly code = "FLAG_INVALID";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "FlagValidationError";
  }
}

/** The write is well formed but the control plane's state forbids it (for example Convex routing after legacy removal). */
export class FlagRefusedError extends Error {
  readonly code = "FLAG_REFUSED";
  constructor(message: string) {
    super(message);
    this.name = "FlagRefusedError";
  }
}

/** The errors a flag write can end with, as plain data: how they cross the Convex function boundary. */
export type FlagWriteFailure =
  | { kind: "conflict"; workflowId: string; expectedVersion: number; actualVersion: number }
  | { kind: "invalid"; field: string; message: string }
  | { kind: "refused"; message: string };

/** Returns the failure as data, or null when the error is not a flag-write error. */
export function toFlagWriteFailure(err: unknown): FlagWriteFailure | null {
  if (err instanceof FlagConflictError) {
    return {
      kind: "conflict",
      workflowId: err.workflowId,
      expectedVersion: err.expectedVersion,
      actualVersion: err.actualVersion,
    };
  }
  if (err instanceof FlagValidationError) {
    return { kind: "invalid", field: err.field, message: err.message.slice(err.field.length + 2) };
  }
  if (err instanceof FlagRefusedError) return { kind: "refused", message: err.message };
  return null;
}

/** Returns the error a failure stands for, so every adapter throws the same classes. */
export function fromFlagWriteFailure(failure: FlagWriteFailure): Error {
  switch (failure.kind) {
    case "conflict":
      return new FlagConflictError(failure.workflowId, failure.expectedVersion, failure.actualVersion);
    case "invalid":
      return new FlagValidationError(failure.field, failure.message);
    case "refused":
      return new FlagRefusedError(failure.message);
  }
}
