// May this workflow move on? Each gate against its threshold, and the decision they add up to.
import type { GateConfig } from "./config.ts";
import { type Evidence, errorRatePct, p95 } from "./evidence.ts";

/** One gate as printed and stored: what was measured against what was required. */
export interface GateResult {
  name: string;
  ok: boolean;
  actual: number | string | null;
  required: string;
}

/** `pass`: every gate holds; `blocked`: the evidence says no; `inconclusive`: not enough evidence yet. */
export type GateDecision = "pass" | "blocked" | "inconclusive";

export interface GateContext {
  /** When the workflow entered its current stage (from the audit log), or null when unknown. */
  stageSince: Date | null;
  now: Date;
  /** The live shadow's budget: spent today against the daily allowance (live provider only). */
  budget: { live: boolean; spentUsd: number; dailyBudgetUsd: number };
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Returns every gate and the decision: `blocked` when a gate fails on enough evidence (or a critical
 * finding or an exhausted budget, which block however little evidence there is), `inconclusive` when
 * there are too few pairs or too short a bake for the rest to mean anything, else `pass`.
 */
export function evaluateGates(
  evidence: Evidence,
  config: GateConfig,
  context: GateContext,
): { decision: GateDecision; gates: GateResult[] } {
  const parityPct = evidence.pairs === 0 ? null : round((evidence.agreeing / evidence.pairs) * 100, 2);
  const convexErrors = errorRatePct(evidence.convex);
  const inngestErrors = errorRatePct(evidence.inngest);
  const errorDelta =
    convexErrors === null || inngestErrors === null ? null : round(inngestErrors - convexErrors, 2);
  const convexP95 = p95(evidence.convex);
  const inngestP95 = p95(evidence.inngest);
  const ratio =
    convexP95 === null || inngestP95 === null || convexP95 === 0 ? null : round(inngestP95 / convexP95);
  const bakedMinutes =
    context.stageSince === null
      ? null
      : Math.floor((context.now.getTime() - context.stageSince.getTime()) / 60_000);
  const { budget } = context;
  const exhausted = budget.live && budget.spentUsd >= budget.dailyBudgetUsd;

  const enough: GateResult[] = [
    {
      name: "minPairs",
      ok: evidence.pairs >= config.minPairs,
      actual: evidence.pairs,
      required: `≥ ${config.minPairs}`,
    },
    {
      name: "minBakeMinutes",
      ok: bakedMinutes !== null && bakedMinutes >= config.minBakeMinutes,
      actual: bakedMinutes,
      required: `≥ ${config.minBakeMinutes} min in this stage`,
    },
  ];
  const judged: GateResult[] = [
    {
      name: "minParityPct",
      ok: parityPct !== null && parityPct >= config.minParityPct,
      actual: parityPct,
      required: `≥ ${config.minParityPct} %`,
    },
    {
      name: "maxErrorRateDeltaPct",
      ok: errorDelta !== null && errorDelta <= config.maxErrorRateDeltaPct,
      actual: errorDelta,
      required: `Inngest's error rate ≤ Convex's + ${config.maxErrorRateDeltaPct} points`,
    },
    {
      name: "maxP95Ratio",
      ok: ratio !== null && ratio <= config.maxP95Ratio,
      actual: ratio,
      required: `Inngest p95 ≤ ${config.maxP95Ratio}× Convex p95`,
    },
  ];
  const blocking: GateResult[] = [
    {
      name: "noCriticalFindings",
      ok: evidence.critical === 0,
      actual: evidence.critical,
      required: "0 pairs with a critical finding",
    },
    {
      name: "budget",
      ok: !exhausted,
      actual: budget.live
        ? `$${round(budget.spentUsd, 4)} of $${budget.dailyBudgetUsd} today`
        : "replay (free)",
      required: "live shadow budget not exhausted",
    },
  ];
  const gates = [...enough, ...judged, ...blocking];
  let decision: GateDecision;
  if (blocking.some((g) => !g.ok)) decision = "blocked";
  else if (enough.some((g) => !g.ok)) decision = "inconclusive";
  else decision = judged.every((g) => g.ok) ? "pass" : "blocked";
  return { decision, gates };
}
