// Did both runs use the same tokens and cost? Exactly under replay; within the policy's percentage when live.
import type { RunRecord, Tokens } from "../executors/records.ts";
import type { Context } from "./context.ts";
import { type Finding, finding, type Severity } from "./finding.ts";
import type { Pairing } from "./pairing.ts";

// Dollar figures are rounded to 1e-9 by the executors: anything closer is float dust.
const COST_TOLERANCE = 1e-9;

/** Returns the usage findings: run totals, and each matched step's usage (info only in live mode). */
export function usageFindings(
  primary: RunRecord,
  shadow: RunRecord,
  pairing: Pairing,
  ctx: Context,
): Finding[] {
  const { policy } = ctx;
  const out: Finding[] = [];
  const live = policy.mode === "live";

  if (!sameTokens(primary.tokens, shadow.tokens)) {
    const pct = percentOff(primary.tokens.total, shadow.tokens.total);
    const severity = live ? judged(pct, policy.tokenTolerancePct) : "major";
    out.push(
      finding({
        category: "tokens",
        severity,
        path: "$.tokens",
        message: `${tokenText(primary.tokens, shadow.tokens, pct)}${verdictText(severity, live, policy.tokenTolerancePct)}`,
        primary: primary.tokens,
        shadow: shadow.tokens,
      }),
    );
  }
  if (!sameCost(primary.costUsd, shadow.costUsd)) {
    const pct = percentOff(primary.costUsd, shadow.costUsd);
    const severity = live ? judged(pct, policy.costTolerancePct) : "major";
    out.push(
      finding({
        category: "cost",
        severity,
        path: "$.costUsd",
        message: `cost differs: primary $${primary.costUsd}, shadow $${shadow.costUsd} (${pctText(pct)})${verdictText(severity, live, policy.costTolerancePct)}`,
        primary: primary.costUsd,
        shadow: shadow.costUsd,
      }),
    );
  }

  // Per step the figures locate a difference; in live mode only the run totals are judged.
  const stepSeverity: Severity = live ? "info" : "major";
  for (const { primary: p, shadow: s, where } of pairing.pairs) {
    if (!sameTokens(p.tokens, s.tokens)) {
      const pct = percentOff(p.tokens?.total ?? 0, s.tokens?.total ?? 0);
      out.push(
        finding({
          category: "tokens",
          severity: stepSeverity,
          nodeId: p.nodeId,
          path: `${where}.tokens`,
          message: `step ${p.name}: ${p.tokens && s.tokens ? tokenText(p.tokens, s.tokens, pct) : "token usage reported on one side only"}`,
          primary: p.tokens,
          shadow: s.tokens,
        }),
      );
    }
    if (!sameCost(p.costUsd, s.costUsd)) {
      out.push(
        finding({
          category: "cost",
          severity: stepSeverity,
          nodeId: p.nodeId,
          path: `${where}.costUsd`,
          message: `step ${p.name}: cost differs: primary $${p.costUsd}, shadow $${s.costUsd} (${pctText(percentOff(p.costUsd, s.costUsd))})`,
          primary: p.costUsd,
          shadow: s.costUsd,
        }),
      );
    }
  }
  return out;
}

function sameTokens(a: Tokens | null, b: Tokens | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return a.input === b.input && a.output === b.output && a.total === b.total;
}

const sameCost = (a: number | null, b: number | null): boolean =>
  a === null || b === null ? a === b : Math.abs(a - b) <= COST_TOLERANCE;

/** Returns how far the shadow's figure is from the primary's, in percent of the primary's (Infinity from zero). */
export function percentOff(primary: number | null, shadow: number | null): number {
  if (primary === shadow) return 0;
  // A price known on one side only cannot be compared as a percentage.
  if (primary === null || shadow === null) return Number.POSITIVE_INFINITY;
  if (primary === 0) return Number.POSITIVE_INFINITY;
  return (Math.abs(shadow - primary) / Math.abs(primary)) * 100;
}

const judged = (pct: number, tolerancePct: number): Severity => (pct <= tolerancePct ? "minor" : "major");

const pctText = (pct: number): string =>
  Number.isFinite(pct) ? `${Math.round(pct * 100) / 100}% off` : "primary had none";

function tokenText(p: Tokens, s: Tokens, pct: number): string {
  return `tokens differ: primary ${p.input}+${p.output}=${p.total}, shadow ${s.input}+${s.output}=${s.total} (${pctText(pct)})`;
}

function verdictText(severity: Severity, live: boolean, tolerancePct: number): string {
  if (!live) return "; under the replay provider the same responses must mean the same usage";
  return severity === "minor"
    ? `; within the live tolerance of ${tolerancePct}%`
    : `; beyond the live tolerance of ${tolerancePct}%`;
}
