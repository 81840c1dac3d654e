// What do we conclude about one pair? Compares the two finished runs (or notes why there is no shadow record) and stores the result.
import type { RunRecord, StepRecord } from "../executors/records.ts";
import type { Route } from "../flags/route.ts";
import { compare } from "../parity/compare.ts";
import { type Finding, finding } from "../parity/finding.ts";
import type { ParityPolicy } from "../parity/policy.ts";
import type { ControlStore, StoredParityResult, Verdict } from "../store/port.ts";
import type { CompiledWorkflow, LlmConfig } from "../workflow/compiled.ts";
import { ErrorCode } from "../workflow/errors.ts";
import { prepareInput } from "../workflow/input.ts";
import { llmRequest } from "../workflow/nodes/llm.ts";
import { recordedRequest } from "./primary-cassette.ts";

export interface PairContext {
  pairId: string;
  workspaceId: string;
  workflow: CompiledWorkflow;
  route: Route;
  policy: ParityPolicy;
}

/** How the shadow side ended, as the router saw it. */
export type ShadowEnd =
  | { kind: "record"; record: RunRecord }
  | { kind: "timeout"; deadlineMs: number; shadowRunId: string }
  | { kind: "broken"; error: string; shadowRunId: string };

/** Returns the stored result for a pair whose primary finished and whose shadow ended as `end`. */
export async function reconcile(
  store: ControlStore,
  pair: PairContext,
  primary: RunRecord,
  end: ShadowEnd,
): Promise<StoredParityResult> {
  await store.putRunRecord(pair.pairId, "primary", primary);
  let verdict: Verdict;
  let findings: readonly Finding[];
  let summary: Record<string, unknown>;
  if (end.kind === "record") {
    await store.putRunRecord(pair.pairId, "shadow", end.record);
    const miss = replayMissFinding(primary, end.record, pair.workflow);
    const result = compare(primary, end.record, pair.policy, pair.workflow);
    if (miss) {
      // The shadow asked a question the primary never asked: that is a parity finding on the node, and the
      // failure it caused downstream is its consequence, not a second executor error.
      verdict = "mismatch";
      findings = [miss, ...result.findings.filter((f) => f.category !== "status" && f.category !== "error")];
    } else {
      verdict = result.verdict;
      findings = result.findings;
    }
    summary = { ...result.summary };
  } else if (end.kind === "timeout") {
    verdict = "shadow-timeout";
    findings = [
      finding({
        category: "status",
        severity: "major",
        message: `the shadow run ${end.shadowRunId} did not finish within its ${end.deadlineMs} ms deadline and was canceled`,
      }),
    ];
    summary = { shadowOutcome: "timeout", deadlineMs: end.deadlineMs };
  } else {
    verdict = "mismatch";
    findings = [
      finding({
        category: "status",
        severity: "critical",
        message: `the shadow run ${end.shadowRunId} produced no usable record: ${end.error}`,
      }),
    ];
    summary = { shadowOutcome: "broken" };
  }
  const stored = {
    pairId: pair.pairId,
    workflowId: pair.workflow.workflowId,
    workspaceId: pair.workspaceId,
    verdict,
    findings: [...findings],
    summary,
    flagVersion: pair.route.flagVersion,
    policy: pair.policy,
    comparedAt: new Date().toISOString(),
  };
  await store.putResult(stored);
  await store.updatePair(pair.pairId, pair.workspaceId, {
    status: verdict === "shadow-timeout" ? "shadow-timeout" : "compared",
  });
  return stored as StoredParityResult;
}

/**
 * Returns the finding for a shadow that failed on a replay miss (it asked its provider something the
 * primary never asked), carrying both prompts; null when the shadow did not fail that way.
 */
export function replayMissFinding(
  primary: RunRecord,
  shadow: RunRecord,
  workflow: CompiledWorkflow,
): Finding | null {
  if (shadow.error?.code !== ErrorCode.REPLAY_MISS) return null;
  const failed = shadow.steps.find((s) => s.status === "failed" && s.error?.code === ErrorCode.REPLAY_MISS);
  const nodeId = failed?.nodeId;
  const primaryStep = primary.steps.find((s) => s.name === failed?.name && s.status === "completed");
  const primaryRequest = primaryStep ? recordedRequest(primaryStep) : null;
  return finding({
    category: "step",
    severity: "major",
    ...(nodeId === undefined ? {} : { nodeId, path: `$.steps[?(@.name=='${failed?.name}')].input.prompt` }),
    message: `the shadow asked a different question at node ${nodeId ?? "?"}: no recorded primary response matches its request (replay miss)`,
    primary: primaryRequest?.prompt ?? null,
    shadow: (failed && shadowPrompt(failed, shadow, workflow)) ?? shadow.error.message,
  });
}

/**
 * Returns the prompt the shadow's failing llm node sent, rebuilt from the shadow's own record: the node's
 * template rendered over the shadow's input and the outputs of its completed steps (the walk rendered
 * the same scope). Null for steps it cannot rebuild (map items).
 */
function shadowPrompt(failed: StepRecord, shadow: RunRecord, workflow: CompiledWorkflow): string | null {
  const recorded = recordedRequest({ ...failed, status: "completed" });
  if (recorded) return recorded.prompt;
  const node = workflow.topologicallySortedNodes.find(
    (n) => n.id === failed.nodeId && n.label === failed.name,
  );
  if (node?.type !== "llm") return null;
  try {
    const results: Record<string, unknown> = {};
    for (const step of shadow.steps) if (step.status === "completed") results[step.nodeId] = step.output;
    return llmRequest(node.id, node.config as LlmConfig, {
      input: prepareInput(workflow, shadow.input),
      results,
    }).prompt;
  } catch {
    return null;
  }
}
