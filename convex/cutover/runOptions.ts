// How is one run executed? Attempts, backoff, deadline, parallelism, payload threshold and redaction.
import { v } from "convex/values";
import { RETRY_POLICY } from "../../workflow/retry-policy.ts";

export interface RunOptions {
  /** Attempts per step for retryable errors (1 = no retry). */
  maxAttempts: number;
  /** First retry delay; doubles each attempt, with jitter, up to backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** The run's deadline from start; past it the run fails with RUN_TIMEOUT. */
  timeoutMs: number;
  /** Independent nodes in flight at once. */
  parallelism: number;
  /** Payloads whose JSON is larger than this go to file storage and are kept as references. */
  payloadThresholdBytes: number;
  /** Dot paths (with `*`) redacted in recorded inputs and outputs, besides the always-secret keys. */
  redactPaths: string[];
  /** How often an executing run looks for a cancel request while steps are in flight. */
  cancelPollMs: number;
  /** CPU budget of one script call (transform, branch, map items); the sandbox default when absent. */
  scriptTimeoutMs?: number;
  /** Heap of the script engine; the sandbox default when absent. */
  scriptMemoryBytes?: number;
  /** The clock scripts read (RunRequest.clockMs, the pair's dispatch time); the run's start when absent. */
  scriptClockMs?: number;
}

/**
 * Convex actions stop at 10 minutes; the default deadline leaves room to record the ending. Attempts and
 * backoff are the one RETRY_POLICY the Inngest executor follows too.
 */
export const DEFAULT_RUN_OPTIONS: RunOptions = {
  maxAttempts: RETRY_POLICY.attempts,
  backoffBaseMs: RETRY_POLICY.backoff.baseMs,
  backoffMaxMs: RETRY_POLICY.backoff.maxMs,
  timeoutMs: 540_000,
  parallelism: 8,
  payloadThresholdBytes: 256 * 1024,
  redactPaths: [],
  cancelPollMs: 500,
};

export const runOptionsValidator = v.object({
  maxAttempts: v.optional(v.number()),
  backoffBaseMs: v.optional(v.number()),
  backoffMaxMs: v.optional(v.number()),
  timeoutMs: v.optional(v.number()),
  parallelism: v.optional(v.number()),
  payloadThresholdBytes: v.optional(v.number()),
  redactPaths: v.optional(v.array(v.string())),
  cancelPollMs: v.optional(v.number()),
  scriptTimeoutMs: v.optional(v.number()),
  scriptMemoryBytes: v.optional(v.number()),
  scriptClockMs: v.optional(v.number()),
});

/**
 * The options a tenant's key may set (`runStart.start`): how hard to retry, how long to run, what to
 * redact. Script limits stay the deployment's, and the http allow-list is never a run option: it is
 * CUTOVER_HTTP_ALLOW_HOSTS where the run executes.
 */
export const publicRunOptionsValidator = v.object({
  maxAttempts: v.optional(v.number()),
  backoffBaseMs: v.optional(v.number()),
  backoffMaxMs: v.optional(v.number()),
  timeoutMs: v.optional(v.number()),
  parallelism: v.optional(v.number()),
  payloadThresholdBytes: v.optional(v.number()),
  redactPaths: v.optional(v.array(v.string())),
  cancelPollMs: v.optional(v.number()),
});

/** Returns complete options: the caller's values over the defaults, each checked for sense. */
export function resolveRunOptions(partial: Partial<RunOptions> = {}): RunOptions {
  const o = { ...DEFAULT_RUN_OPTIONS, ...stripUndefined(partial) };
  const positive = [
    "maxAttempts",
    "timeoutMs",
    "parallelism",
    "payloadThresholdBytes",
    "cancelPollMs",
  ] as const;
  for (const k of positive) {
    if (!Number.isFinite(o[k]) || o[k] <= 0) throw new Error(`run option ${k} must be a positive number`);
  }
  if (o.backoffBaseMs < 0 || o.backoffMaxMs < 0) throw new Error("run option backoff must not be negative");
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;
}
