// How long does a step wait before its next attempt? Exponential backoff with jitter, Retry-After first.
import { ErrorCode, NodeError } from "../../workflow/errors.ts";
import { retryDelayMs } from "../../workflow/retry-policy.ts";

export interface BackoffPolicy {
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/**
 * Returns the delay before attempt `attempt + 1`: the provider's Retry-After when it gave one,
 * otherwise base·2^(attempt-1) capped at max, scaled by a jitter in [0.5, 1) so that steps failing
 * together do not retry together.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  // The one backoff of workflow/retry-policy.ts, with this run's base and cap.
  return retryDelayMs(
    attempt,
    { baseMs: policy.backoffBaseMs, maxMs: policy.backoffMaxMs },
    retryAfterMs,
    random,
  );
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Returns the promise's outcome, or rejects with the signal's reason if it aborts first. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** The error a run is stopped with when someone cancels it. */
export function canceledError(): NodeError {
  return new NodeError(ErrorCode.CANCELED, "run canceled");
}

/** True for the error a canceled run was stopped with. */
export function isCancel(err: unknown): boolean {
  return err instanceof NodeError && err.code === ErrorCode.CANCELED;
}
