// What happens to a pair whose follow-up died? The reaper moves pairs left waiting for their primary past the pair deadline to abandoned, and counts each in the results.
import { log } from "../lib/log.ts";
import { finding } from "../parity/finding.ts";
import type { ControlStore, ShadowPair, StoredParityResult } from "../store/port.ts";

/** How long after its creation a pair may still wait for its primary; CUTOVER_PAIR_DEADLINE_MS overrides. */
export const PAIR_DEADLINE_ENV = "CUTOVER_PAIR_DEADLINE_MS";

/**
 * 20 minutes: longer than any follow-up can legitimately take (the router gives up waiting for a primary
 * after 15 minutes, a shadow has its own deadline of at most a few, and a Convex action stops at 10).
 */
export const DEFAULT_PAIR_DEADLINE_MS = 20 * 60_000;

/** Returns the pair deadline from the environment, or the default when unset or not a positive number. */
export function pairDeadlineMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env[PAIR_DEADLINE_ENV]);
  return Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_PAIR_DEADLINE_MS;
}

/**
 * Returns the result a reaped pair is counted under: verdict shadow-timeout (its shadow never finished in
 * time: the reports count it beside the timeouts) with one major status finding that says it was
 * abandoned, and summary.shadowOutcome "abandoned".
 */
export function abandonedResult(
  pair: ShadowPair,
  deadlineMs: number,
  at: Date,
  why = `its follow-up never finished (the process stopped, or the follow-up failed) within the pair deadline of ${deadlineMs} ms after ${pair.createdAt}`,
): StoredParityResult {
  return {
    pairId: pair.pairId,
    workflowId: pair.workflowId,
    workspaceId: pair.workspaceId,
    verdict: "shadow-timeout",
    findings: [
      finding({
        category: "status",
        severity: "major",
        message: `the pair was abandoned: ${why}`,
      }),
    ],
    summary: { shadowOutcome: "abandoned", pairCreatedAt: pair.createdAt, deadlineMs },
    // The flag version the dispatch decided under died with the follow-up.
    flagVersion: 0,
    policy: { name: "abandoned" },
    comparedAt: at.toISOString(),
  };
}

/**
 * Moves every pair still `waiting-for-primary` longer than the pair deadline to `abandoned` and stores its
 * abandoned result, so reports count it; returns how many were reaped. Safe to run from any number of
 * processes at once: each pair is claimed by exactly one (ControlStore.claimStalePairs).
 */
export async function reapAbandonedPairs(
  store: ControlStore,
  options: { now?: Date; deadlineMs?: number } = {},
): Promise<number> {
  const now = options.now ?? new Date();
  const deadlineMs = options.deadlineMs ?? pairDeadlineMs();
  const cutoff = new Date(now.getTime() - deadlineMs).toISOString();
  let reaped = 0;
  for (;;) {
    const pairs = await store.claimStalePairs(cutoff, 100);
    for (const pair of pairs) await store.putResult(abandonedResult(pair, deadlineMs, now));
    reaped += pairs.length;
    if (pairs.length < 100) break;
  }
  if (reaped > 0) log("reaper").warn({ reaped, deadlineMs }, "abandoned shadow pairs reaped");
  return reaped;
}
