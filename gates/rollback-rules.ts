// Should a live workflow go back to Convex on its own? The automatic rollback's conditions over the newest pairs.
import { type Evidence, errorRatePct } from "./evidence.ts";

export interface RollbackRules {
  /** How many of the newest pairs are judged; fewer than this is too little evidence. */
  windowPairs: number;
  /** Parity below this (percent) over the window rolls back. */
  parityFloorPct: number;
  /** Inngest's error rate above Convex's by more than this (points) rolls back. */
  maxErrorRateDeltaPct: number;
}

export const DEFAULT_ROLLBACK_RULES: Readonly<RollbackRules> = Object.freeze({
  windowPairs: 20,
  parityFloorPct: 95,
  maxErrorRateDeltaPct: 5,
});

/** `rollback`: a condition holds; `hold`: none does; `needs-human`: too little evidence to decide either way. */
export type WatchDecision = "rollback" | "hold" | "needs-human";

/**
 * Returns the decision and the evidence behind it, one line per condition that holds (or why nothing
 * can be said). An exhausted live budget rolls back however few pairs there are.
 */
export function rollbackDecision(
  evidence: Evidence,
  rules: RollbackRules,
  budget: { live: boolean; spentUsd: number; dailyBudgetUsd: number },
): { decision: WatchDecision; reasons: string[] } {
  const reasons: string[] = [];
  if (budget.live && budget.spentUsd >= budget.dailyBudgetUsd)
    reasons.push(`live shadow budget exhausted: $${budget.spentUsd} of $${budget.dailyBudgetUsd} today`);
  if (evidence.pairs < rules.windowPairs) {
    if (reasons.length > 0) return { decision: "rollback", reasons };
    return {
      decision: "needs-human",
      reasons: [`only ${evidence.pairs} pair(s) under this stage, ${rules.windowPairs} needed to judge`],
    };
  }
  const parity = (evidence.agreeing / evidence.pairs) * 100;
  if (parity < rules.parityFloorPct)
    reasons.push(
      `parity ${parity.toFixed(1)} % over the last ${evidence.pairs} pairs is below the floor of ${rules.parityFloorPct} %`,
    );
  const inngest = errorRatePct(evidence.inngest);
  const convex = errorRatePct(evidence.convex);
  if (inngest !== null && convex !== null && inngest - convex > rules.maxErrorRateDeltaPct)
    reasons.push(
      `Inngest's error rate ${inngest.toFixed(1)} % is above Convex's ${convex.toFixed(1)} % by more than ${rules.maxErrorRateDeltaPct} points`,
    );
  return { decision: reasons.length > 0 ? "rollback" : "hold", reasons };
}
