// How much slower or faster was the shadow? Duration ratios per run and per step, as information.
import type { RunRecord } from "../executors/records.ts";
import { type Finding, finding } from "./finding.ts";
import type { Pairing } from "./pairing.ts";

export interface LatencyFigures {
  primaryMs: number | null;
  shadowMs: number | null;
  /** shadowMs / primaryMs, rounded to 3 decimals; null when either is unknown or the primary took 0 ms. */
  ratio: number | null;
}

/** Returns the run's latency figures. */
export function runLatency(primary: RunRecord, shadow: RunRecord): LatencyFigures {
  return figures(primary.durationMs, shadow.durationMs);
}

/** Returns info findings with the duration of each side, per run and per matched step. */
export function latencyFindings(primary: RunRecord, shadow: RunRecord, pairing: Pairing): Finding[] {
  const out: Finding[] = [];
  const run = runLatency(primary, shadow);
  if (run.primaryMs !== null && run.shadowMs !== null) {
    out.push(
      finding({
        category: "latency",
        severity: "info",
        path: "$.durationMs",
        message: `run took ${text(run)}`,
        primary: run.primaryMs,
        shadow: run.shadowMs,
      }),
    );
  }
  for (const { primary: p, shadow: s, where } of pairing.pairs) {
    const f = figures(p.durationMs, s.durationMs);
    if (f.primaryMs === null || f.shadowMs === null) continue;
    out.push(
      finding({
        category: "latency",
        severity: "info",
        nodeId: p.nodeId,
        path: `${where}.durationMs`,
        message: `step ${p.name} took ${text(f)}`,
        primary: f.primaryMs,
        shadow: f.shadowMs,
      }),
    );
  }
  return out;
}

function figures(primaryMs: number | null, shadowMs: number | null): LatencyFigures {
  const ratio =
    primaryMs !== null && shadowMs !== null && primaryMs > 0
      ? Math.round((shadowMs / primaryMs) * 1000) / 1000
      : null;
  return { primaryMs, shadowMs, ratio };
}

function text(f: LatencyFigures): string {
  const ratio = f.ratio === null ? "" : ` (shadow ${f.ratio}× the primary)`;
  return `${f.primaryMs} ms on the primary and ${f.shadowMs} ms on the shadow${ratio}`;
}
