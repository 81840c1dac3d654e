// What do the stored results say about Inngest against Convex? Counts and latency sketches, mergeable.
import { DDSketch } from "@datadog/sketches-js";
import type { StoredParityResult } from "../store/port.ts";

/** One side's record of the pairs: runs, failed runs and their latencies. */
export interface SideEvidence {
  runs: number;
  failed: number;
  latency: DDSketch;
}

export interface Evidence {
  /** Pairs with a stored result (shadow timeouts included). */
  pairs: number;
  /** Pairs whose verdict was match or tolerated. */
  agreeing: number;
  /** Pairs with at least one critical finding. */
  critical: number;
  /** Pairs whose shadow missed its deadline. */
  timeouts: number;
  convex: SideEvidence;
  inngest: SideEvidence;
  /** The newest result's time (ISO), or null. */
  lastAt: string | null;
}

/** Relative accuracy of latency quantiles: 1 % is well inside what a p95 gate needs. */
const ACCURACY = 0.01;

function side(): SideEvidence {
  return { runs: 0, failed: 0, latency: new DDSketch({ relativeAccuracy: ACCURACY }) };
}

/** Returns evidence of no pairs. */
export function emptyEvidence(): Evidence {
  return { pairs: 0, agreeing: 0, critical: 0, timeouts: 0, convex: side(), inngest: side(), lastAt: null };
}

interface Brief {
  executor?: unknown;
  status?: unknown;
}

/** One run of a pair as the evidence counts it: which executor ran it, whether it failed, how long it took. */
export interface SideReading {
  executor: "convex" | "inngest";
  failed: boolean;
  ms: number | null;
}

/** Returns the pair's two runs (a side whose executor the summary does not name is left out). */
export function readSides(result: StoredParityResult): SideReading[] {
  const summary = result.summary as {
    primary?: Brief;
    shadow?: Brief;
    latency?: { primaryMs?: unknown; shadowMs?: unknown };
  };
  const out: SideReading[] = [];
  const roles = [
    ["primary", summary.primary, summary.latency?.primaryMs],
    ["shadow", summary.shadow, summary.latency?.shadowMs],
  ] as const;
  for (const [role, brief, ms] of roles) {
    const executor = brief?.executor;
    if (executor !== "convex" && executor !== "inngest") continue;
    out.push({
      executor,
      // A shadow that timed out has no record: it counts as a failed run of the shadow's executor.
      failed: brief?.status === "failed" || (role === "shadow" && result.verdict === "shadow-timeout"),
      ms: typeof ms === "number" && Number.isFinite(ms) && ms >= 0 ? ms : null,
    });
  }
  return out;
}

/** True when the pair had a critical finding. */
export function hasCritical(result: StoredParityResult): boolean {
  return result.findings.some((f) => (f as { severity?: unknown })?.severity === "critical");
}

/** Adds one stored result to `evidence` (mutating it) and returns it. */
export function addResult(evidence: Evidence, result: StoredParityResult): Evidence {
  evidence.pairs++;
  if (result.verdict === "match" || result.verdict === "tolerated") evidence.agreeing++;
  if (result.verdict === "shadow-timeout") evidence.timeouts++;
  if (hasCritical(result)) evidence.critical++;
  if (evidence.lastAt === null || result.comparedAt > evidence.lastAt) evidence.lastAt = result.comparedAt;
  for (const side of readSides(result)) {
    const s = evidence[side.executor];
    s.runs++;
    if (side.failed) s.failed++;
    if (side.ms !== null) s.latency.accept(side.ms);
  }
  return evidence;
}

/** Returns `a` with `b` added in (mutating `a`): evidence of two windows or two days is their sum. */
export function mergeEvidence(a: Evidence, b: Evidence): Evidence {
  a.pairs += b.pairs;
  a.agreeing += b.agreeing;
  a.critical += b.critical;
  a.timeouts += b.timeouts;
  for (const who of ["convex", "inngest"] as const) {
    a[who].runs += b[who].runs;
    a[who].failed += b[who].failed;
    if (b[who].latency.count > 0) a[who].latency.merge(b[who].latency);
  }
  if (b.lastAt !== null && (a.lastAt === null || b.lastAt > a.lastAt)) a.lastAt = b.lastAt;
  return a;
}

/** Returns the p95 latency of a side in ms, or null when it has none. */
export function p95(s: SideEvidence): number | null {
  return s.latency.count === 0 ? null : s.latency.getValueAtQuantile(0.95);
}

/** Returns a side's error rate in percent, or null when it has no runs. */
export function errorRatePct(s: SideEvidence): number | null {
  return s.runs === 0 ? null : (s.failed / s.runs) * 100;
}
