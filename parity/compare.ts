// Do a primary run and its shadow agree? The comparator: every check, one verdict, a summary for operators.
import type { RunRecord } from "../executors/records.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { type Context, makeContext } from "./context.ts";
import { applyDefaultRules } from "./default-rules.ts";
import type { Finding } from "./finding.ts";
import { latencyFindings } from "./latency.ts";
import { orderFindings } from "./order.ts";
import { pairSteps } from "./pairing.ts";
import { parseRenderedPath } from "./paths.ts";
import { DEFAULT_POLICY, type ParityPolicy } from "./policy.ts";
import { statusFindings } from "./status.ts";
import { stepFindings } from "./steps.ts";
import { type ParitySummary, summarize } from "./summary.ts";
import { usageFindings } from "./usage.ts";
import { valueFindings } from "./value-findings.ts";
import { type Verdict, verdictOf } from "./verdict.ts";

/** The parity contract: what `cutover compare --json` prints and what the store keeps per pair. */
export interface ParityResult {
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  readonly summary: ParitySummary;
}

/**
 * Returns the parity of two runs of the same input: run status and errors, run output, steps (missing,
 * extra, status, error, input, output, attempts), dependency order when the compiled graph is given,
 * tokens and cost per the policy's mode, and latency figures. Throws only when the policy has a path
 * rule that cannot be read (parsePolicy rejects those up front).
 */
export function compare(
  asRecordedPrimary: RunRecord,
  asRecordedShadow: RunRecord,
  policy: ParityPolicy = DEFAULT_POLICY,
  graph?: CompiledWorkflow,
): ParityResult {
  const { primary, shadow, applied } = applyDefaultRules(asRecordedPrimary, asRecordedShadow);
  const ctx = makeContext(policy, graph);
  const pairing = pairSteps(primary.steps, shadow.steps);
  const findings: Finding[] = [...statusFindings(primary, shadow, ctx)];
  if (primary.status === "completed" && shadow.status === "completed") {
    findings.push(
      ...valueFindings(primary.output, shadow.output, ["output"], ctx, {
        category: "output",
        what: "output",
      }),
    );
  }
  findings.push(
    ...stepFindings(pairing, ctx),
    ...orderFindings(primary, shadow, pairing, graph),
    ...usageFindings(primary, shadow, pairing, ctx),
    ...latencyFindings(primary, shadow, pairing),
  );
  const kept = Object.freeze(withoutIgnored(findings, ctx));
  return Object.freeze({
    verdict: verdictOf(kept),
    findings: kept,
    summary: summarize(primary, shadow, pairing, kept, policy, applied),
  });
}

// Value diffs skip ignored places as they walk; this also lets a rule silence any other finding by
// its path (`$.costUsd`, `steps.*.tokens`, `steps.draft.model`).
function withoutIgnored(findings: Finding[], ctx: Context): Finding[] {
  const { ignore } = ctx;
  if (!ignore) return findings;
  return findings.filter((f) => {
    const path = f.path === undefined ? null : parseRenderedPath(f.path, f.nodeId);
    return !path || !ignore.along(path)?.covered;
  });
}
