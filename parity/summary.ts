// What does an operator need to see at a glance? Counts, latency, usage deltas and the paths that differ most.
import { type RunRecord, roundUsd, type Tokens } from "../executors/records.ts";
import type { AppliedRule } from "./default-rules.ts";
import type { Category, Finding, Severity } from "./finding.ts";
import { type LatencyFigures, runLatency } from "./latency.ts";
import type { Pairing } from "./pairing.ts";
import type { ParityPolicy } from "./policy.ts";
import { NOISE_PREFIX } from "./value-findings.ts";

export interface RunBrief {
  runId: string;
  executor: string;
  status: string;
  durationMs: number | null;
}

export interface ParitySummary {
  mode: ParityPolicy["mode"];
  primary: RunBrief;
  shadow: RunBrief;
  findings: { total: number; bySeverity: Record<Severity, number>; byCategory: Record<Category, number> };
  steps: { compared: number; missingInShadow: number; extraInShadow: number; differing: string[] };
  latency: LatencyFigures;
  /** delta = shadow − primary. */
  tokens: { primary: Tokens; shadow: Tokens; delta: Tokens };
  costUsd: { primary: number | null; shadow: number | null; delta: number | null };
  /** Paths of the findings that count (minor and worse), most severe first, at most TOP_PATHS. */
  topPaths: string[];
  /** Differences found under noise rules (info only). */
  noise: number;
  /** The comparator's built-in rules that applied to this pair, each with the places it set aside (never silent). */
  defaultRules: AppliedRule[];
}

export const TOP_PATHS = 10;
const RANK: Record<Severity, number> = { critical: 0, major: 1, minor: 2, info: 3 };

/** Returns the summary of a comparison. */
export function summarize(
  primary: RunRecord,
  shadow: RunRecord,
  pairing: Pairing,
  findings: readonly Finding[],
  policy: ParityPolicy,
  defaultRules: AppliedRule[] = [],
): ParitySummary {
  const bySeverity: Record<Severity, number> = { info: 0, minor: 0, major: 0, critical: 0 };
  const byCategory: Record<Category, number> = {
    status: 0,
    output: 0,
    step: 0,
    timeline: 0,
    tokens: 0,
    cost: 0,
    latency: 0,
    error: 0,
  };
  const differing = new Set<string>();
  let noise = 0;
  for (const f of findings) {
    bySeverity[f.severity]++;
    byCategory[f.category]++;
    if (f.severity !== "info" && f.nodeId) differing.add(f.nodeId);
    if (f.severity === "info" && f.message.startsWith(NOISE_PREFIX)) noise++;
  }
  const counted = findings.filter((f) => f.severity !== "info" && f.path);
  const topPaths =
    counted.length === 0
      ? []
      : [
          ...new Set(
            counted.sort((a, b) => RANK[a.severity] - RANK[b.severity]).map((f) => f.path as string),
          ),
        ].slice(0, TOP_PATHS);
  return {
    mode: policy.mode,
    primary: runBrief(primary),
    shadow: runBrief(shadow),
    findings: { total: findings.length, bySeverity, byCategory },
    steps: {
      compared: pairing.pairs.length,
      missingInShadow: pairing.missing.length,
      extraInShadow: pairing.extra.length,
      differing: [...differing].sort(),
    },
    latency: runLatency(primary, shadow),
    tokens: {
      primary: primary.tokens,
      shadow: shadow.tokens,
      delta: {
        input: shadow.tokens.input - primary.tokens.input,
        output: shadow.tokens.output - primary.tokens.output,
        total: shadow.tokens.total - primary.tokens.total,
      },
    },
    costUsd: {
      primary: primary.costUsd,
      shadow: shadow.costUsd,
      delta:
        shadow.costUsd === null || primary.costUsd === null
          ? null
          : roundUsd(shadow.costUsd - primary.costUsd),
    },
    topPaths,
    noise,
    defaultRules,
  };
}

function runBrief(run: RunRecord): RunBrief {
  return { runId: run.runId, executor: run.executor, status: run.status, durationMs: run.durationMs };
}
