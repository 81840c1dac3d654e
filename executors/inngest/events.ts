// What do the execute and cancel events carry, and what do the function's steps and the function return?
import { runKey } from "../../lib/run-key.ts";
import type { CompiledWorkflow } from "../../workflow/compiled.ts";
import { ErrorCode, NodeError } from "../../workflow/errors.ts";
import type { LlmSettings } from "../../workflow/provider.ts";
import type { Cassette } from "../../workflow/providers/cassette.ts";
import type { RunRequest } from "../executor.ts";
import type { PayloadRef, ShadowMark, StepRecord, Tokens } from "../records.ts";
import { toInngestError } from "./step-error.ts";

export const FUNCTION_ID = "execute-workflow";
export const EXECUTE_EVENT = "inferpipe/workflow.execute";
export const CANCEL_EVENT = "inferpipe/workflow.cancel";

/** The `inferpipe/workflow.execute` payload. */
export interface ExecuteEventData {
  runId: string;
  workspaceId: string;
  workflowId: string;
  workflowVersionId: string;
  graph: CompiledWorkflow;
  input: unknown;
  shadow?: ShadowMark;
  /** Shadow runs: the primary's outputs of side-effecting nodes, replayed instead of executed. */
  sideEffectOutputs?: Record<string, unknown>;
  /** Replay-mode shadows: the primary's recorded LLM answers; llm calls answer from these only. */
  replay?: Cassette;
  /** The run's deployment-wide key (workspace and runId, lib/run-key.ts): idempotency and cancellation match on it. */
  runKey?: string;
  /** Which provider answers llm nodes ("mock", "openai", "replay:<file>"); the server's default when absent. */
  provider?: string;
  /** The clock scripts read (RunRequest.clockMs); the event's own time when absent. */
  clockMs?: number;
  /**
   * Fields sent by reference because the event would pass Inngest's event size limit (event-refs.ts): the
   * blob store holds them, the function loads them. A field named here is absent from the event.
   */
  refs?: EventRefs;
}

/** The event fields that may travel by reference, each as a hash-named blob. */
export interface EventRefs {
  graph?: PayloadRef;
  input?: PayloadRef;
  replay?: PayloadRef;
  sideEffectOutputs?: PayloadRef;
}

/** What each node step returns to Inngest (and what Inngest hands back, memoized, on every later execution). */
export interface StepResult {
  output: unknown;
  input: unknown;
  tokens: Tokens | null;
  costUsd: number | null;
  model: string | null;
  settings?: LlmSettings;
  sideEffecting?: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** 1-based: the attempt that produced this result. */
  attempt: number;
}

/** What the function returns: enough to rebuild the run's record without the jobs list. */
export interface FunctionResult {
  runId: string;
  output: unknown;
  steps: StepRecord[];
}

/**
 * Returns the event id a run's submit carries: Inngest drops a second event with the same id. Scoped by
 * workspace (lib/run-key.ts), so another tenant's run with the same id is never taken for a repeat.
 */
export function eventIdFor(workspaceId: string, runId: string): string {
  return `inferpipe-run-${runKey(workspaceId, runId)}`;
}

/** Returns the event data after checking the fields the function cannot run without. */
export function readEventData(raw: unknown): ExecuteEventData {
  const d = (raw ?? {}) as Partial<ExecuteEventData>;
  const missing = (["runId", "workspaceId", "workflowId", "workflowVersionId"] as const).filter(
    (k) => typeof d[k] !== "string" || d[k] === "",
  );
  const graphSent = !!d.graph && Array.isArray(d.graph.topologicallySortedNodes);
  if (!graphSent && !d.refs?.graph) missing.push("graph" as never);
  if (missing.length > 0) {
    throw toInngestError(
      new NodeError(ErrorCode.INPUT_INVALID, `${EXECUTE_EVENT} event is missing ${missing.join(", ")}`),
    );
  }
  return d as ExecuteEventData;
}

/** Returns the `inferpipe/workflow.execute` payload for a run request (`provider` when the request names none). */
export function eventDataFor(request: RunRequest, provider?: string): ExecuteEventData {
  const chosen = request.provider ?? provider;
  return {
    runId: request.runId,
    workspaceId: request.workspaceId,
    runKey: runKey(request.workspaceId, request.runId),
    workflowId: request.workflow.workflowId,
    workflowVersionId: request.workflow.workflowVersionId,
    graph: request.workflow,
    input: request.input,
    ...(request.shadow && { shadow: request.shadow }),
    ...(request.sideEffectOutputs && { sideEffectOutputs: request.sideEffectOutputs }),
    ...(request.replay && { replay: request.replay }),
    ...(chosen && { provider: chosen }),
    ...(request.clockMs !== undefined && { clockMs: request.clockMs }),
  };
}
