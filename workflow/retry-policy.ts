// How often, and how soon, is a failed step tried again? The one retry policy both executors follow.

/** Exponential backoff: base·2^(attempt-1) capped at maxMs, scaled by a jitter in [0.5, 1); a Retry-After wins. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export interface RetryPolicy {
  /** Attempts per step for a retryable error, the first included (1 = no retry). */
  attempts: number;
  backoff: Backoff;
}

/**
 * The retry policy of every dag run, on Convex and on Inngest alike (issue 10): three attempts per step,
 * 500 ms doubling to 30 s between them, or what the provider's Retry-After asks. Only retryable errors
 * (rate limits, 5xx, timeouts, broken connections, unreadable bodies) are tried again; the legacy profile's
 * errors are never retryable, so a legacy step gets one attempt as it does today.
 */
export const RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  attempts: 3,
  backoff: Object.freeze({ baseMs: 500, maxMs: 30_000 }),
});

/**
 * Returns the wait before attempt `attempt + 1`: the provider's Retry-After when it gave one, otherwise
 * base·2^(attempt-1) capped at max, scaled by a jitter in [0.5, 1) so that steps failing together do not
 * retry together.
 */
export function retryDelayMs(
  attempt: number,
  backoff: Backoff = RETRY_POLICY.backoff,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    return Math.round(retryAfterMs);
  }
  const exponential = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempt - 1));
  return Math.round(exponential * (0.5 + random() / 2));
}
