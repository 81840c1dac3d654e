// Why did a node fail, and is it worth trying again? The one error type node tasks and providers throw.

/**
 * Error codes shared by both executors. Parity compares codes, so a code names a cause, never a
 * message; add new codes here rather than inventing them at the throw site.
 */
export const ErrorCode = {
  // run input and templates
  INPUT_INVALID: "INPUT_INVALID",
  TEMPLATE_ERROR: "TEMPLATE_ERROR",
  // sandboxed scripts (transform, branch, map items)
  SCRIPT_ERROR: "SCRIPT_ERROR",
  SCRIPT_SYNTAX: "SCRIPT_SYNTAX",
  SCRIPT_TIMEOUT: "SCRIPT_TIMEOUT",
  SCRIPT_MEMORY: "SCRIPT_MEMORY",
  SCRIPT_RESULT: "SCRIPT_RESULT",
  MAP_ITEMS_NOT_ARRAY: "MAP_ITEMS_NOT_ARRAY",
  // http nodes
  HTTP_NOT_ALLOWED: "HTTP_NOT_ALLOWED",
  HTTP_TIMEOUT: "HTTP_TIMEOUT",
  HTTP_TOO_LARGE: "HTTP_TOO_LARGE",
  HTTP_STATUS: "HTTP_STATUS",
  HTTP_NETWORK: "HTTP_NETWORK",
  // llm providers
  PROVIDER_RATE_LIMIT: "PROVIDER_RATE_LIMIT",
  PROVIDER_SERVER_ERROR: "PROVIDER_SERVER_ERROR",
  PROVIDER_TIMEOUT: "PROVIDER_TIMEOUT",
  PROVIDER_CONNECTION: "PROVIDER_CONNECTION",
  PROVIDER_BAD_REQUEST: "PROVIDER_BAD_REQUEST",
  PROVIDER_AUTH: "PROVIDER_AUTH",
  PROVIDER_MALFORMED_OUTPUT: "PROVIDER_MALFORMED_OUTPUT",
  PROVIDER_SCHEMA_VIOLATION: "PROVIDER_SCHEMA_VIOLATION",
  PROVIDER_CONFIG: "PROVIDER_CONFIG",
  MODEL_UNKNOWN: "MODEL_UNKNOWN",
  REPLAY_MISS: "REPLAY_MISS",
  SECRET_MISSING: "SECRET_MISSING",
  /** A shadow reached a side-effecting node the primary has no recorded output for: it is never executed. */
  SIDE_EFFECT_SUPPRESSED: "SIDE_EFFECT_SUPPRESSED",
  // Inngest's platform limits (executors/inngest/limits.ts) and run states
  /** The execute event is over Inngest's event payload limit (256 KiB on the free plan). */
  INNGEST_EVENT_TOO_LARGE: "INNGEST_EVENT_TOO_LARGE",
  /** A step returned more than Inngest keeps for one step (4 MB). */
  INNGEST_STEP_OUTPUT_TOO_LARGE: "INNGEST_STEP_OUTPUT_TOO_LARGE",
  /** The run's memoized state (event plus every step output) passed Inngest's 32 MB. */
  INNGEST_STATE_TOO_LARGE: "INNGEST_STATE_TOO_LARGE",
  /** The run would take more than Inngest's 1,000 steps (the server's Overflowed status). */
  INNGEST_TOO_MANY_STEPS: "INNGEST_TOO_MANY_STEPS",
  /** Inngest skipped the run (status Skipped): it never executed. */
  INNGEST_RUN_SKIPPED: "INNGEST_RUN_SKIPPED",
  /** Inngest kept answering status Unknown for the run; waitFor stopped asking. */
  INNGEST_STATUS_UNKNOWN: "INNGEST_STATUS_UNKNOWN",
  // run level
  RUN_TIMEOUT: "RUN_TIMEOUT",
  CANCELED: "CANCELED",
  INTERNAL: "INTERNAL",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface NodeErrorOptions {
  /** Worth another attempt (429, 5xx, timeouts, connection resets). */
  retryable?: boolean;
  /** The provider asked us to wait this long before the next attempt (Retry-After). */
  retryAfterMs?: number;
  /** Extra facts for findings and logs (already redacted by the thrower). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class NodeError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: NodeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "NodeError";
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
  }
}

/** Returns the `{ code, message }` a record keeps for any thrown value. */
export function toRecordError(err: unknown): { code: string; message: string } {
  if (err instanceof NodeError) return { code: err.code, message: err.message };
  if (err && typeof err === "object" && "code" in err && typeof (err as any).code === "string") {
    return { code: (err as any).code, message: String((err as any).message ?? err) };
  }
  return { code: ErrorCode.INTERNAL, message: err instanceof Error ? err.message : String(err) };
}
