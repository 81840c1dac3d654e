// What does Inngest run for one workflow run? The `execute-workflow` function: the shared graph walk, one durable step per node.
import type { Inngest } from "inngest";
import type { CompiledNode } from "../../workflow/compiled.ts";
import { NodeError } from "../../workflow/errors.ts";
import { prepareInput } from "../../workflow/input.ts";
import { RETRY_POLICY } from "../../workflow/retry-policy.ts";
import type { NodeEnv, NodeOutcome, StepRunner } from "../../workflow/steps.ts";
import { walkWorkflow } from "../../workflow/walk.ts";
import type { StepRecord } from "../records.ts";
import { inngestClient } from "./client.ts";
import { resolveEventData } from "./event-refs.ts";
import {
  CANCEL_EVENT,
  EXECUTE_EVENT,
  type ExecuteEventData,
  FUNCTION_ID,
  type FunctionResult,
  readEventData,
  type StepResult,
} from "./events.ts";
import {
  type BlobStore,
  DEFAULT_INLINE_LIMIT_BYTES,
  FileBlobStore,
  loadRef,
  storeIfLarge,
} from "./payload.ts";
import { nodeForLabel } from "./record.ts";
import { fromInngestError, toInngestError } from "./step-error.ts";

export * from "./events.ts";

export interface OrchestratorOptions {
  client?: Inngest;
  /** Builds the node environment (provider, http policy, secrets) for one run. */
  env: (data: ExecuteEventData) => NodeEnv | Promise<NodeEnv>;
  /** Attempts after the first, per step (Inngest allows 0–20). */
  retries?: number;
  /** Runs in flight per workspace, so one tenant cannot starve the others. */
  concurrencyPerWorkspace?: number;
  /** Inngest's timeouts.finish: a run still going after this fails. */
  finishTimeout?: `${number}${"s" | "m" | "h"}`;
  /** Independent nodes the walk may start at once. */
  parallelism?: number;
  /** Where payloads over inlineLimitBytes go. */
  blobs?: BlobStore;
  inlineLimitBytes?: number;
}

/** Retries after the first attempt: the one RETRY_POLICY the Convex executor follows too. */
export const DEFAULT_RETRIES = RETRY_POLICY.attempts - 1;

type Retries = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 19 | 20;

/** Returns the `execute-workflow` function, built on the given client and environment. */
export function createExecuteWorkflow(options: OrchestratorOptions) {
  const client = options.client ?? inngestClient();
  const blobs = options.blobs ?? new FileBlobStore();
  const inlineLimit = options.inlineLimitBytes ?? DEFAULT_INLINE_LIMIT_BYTES;
  const retries = options.retries ?? DEFAULT_RETRIES;
  if (!Number.isInteger(retries) || retries < 0 || retries > 20) {
    throw new RangeError(`retries must be an integer from 0 to 20, got ${retries}`);
  }

  return client.createFunction(
    {
      id: FUNCTION_ID,
      triggers: [{ event: EXECUTE_EVENT }],
      retries: retries as Retries,
      // Run ids are chosen per workspace: a run is its (workspace, runId) key, so one tenant's run id never
      // de-duplicates or cancels another tenant's run.
      idempotency: "event.data.runKey",
      cancelOn: [{ event: CANCEL_EVENT, if: "async.data.runKey == event.data.runKey" }],
      concurrency: [{ key: "event.data.workspaceId", limit: options.concurrencyPerWorkspace ?? 10 }],
      timeouts: { finish: options.finishTimeout ?? "1h" },
    },
    async ({ event, step, attempt }): Promise<FunctionResult> => {
      // Fields the submitter sent by reference (a large graph, input or cassette) come from the blob store.
      const data = await resolveEventData(readEventData(event.data), blobs);
      const graph = data.graph;
      const order = new Map(graph.topologicallySortedNodes.map((n, i) => [n.id, i]));
      const steps: StepRecord[] = [];

      const runner: StepRunner = {
        async runStep(label, node, work) {
          // A legacy run is one step.run per AI node and no other step: its input step only hands on
          // the run input (deterministic on every replay), so it is recorded without a durable step.
          if (graph.profile === "legacy" && node.type === "input") {
            const startedAt = new Date();
            const outcome = await work();
            steps.push(completedStep(label, node, { ...stepResultOf(outcome, startedAt), attempt: 1 }));
            return outcome;
          }
          const result = (await step.run(label, async (): Promise<StepResult> => {
            const startedAt = new Date();
            let outcome: NodeOutcome;
            try {
              outcome = await work();
            } catch (err) {
              throw toInngestError(err);
            }
            const finishedAt = new Date();
            return {
              output: await storeIfLarge(outcome.output, blobs, inlineLimit),
              input: await storeIfLarge(outcome.input, blobs, inlineLimit),
              tokens: outcome.tokens,
              costUsd: outcome.costUsd,
              model: outcome.model,
              ...(outcome.settings && { settings: outcome.settings }),
              ...(outcome.sideEffecting !== undefined && { sideEffecting: outcome.sideEffecting }),
              startedAt: startedAt.toISOString(),
              finishedAt: finishedAt.toISOString(),
              durationMs: finishedAt.getTime() - startedAt.getTime(),
              attempt: attempt + 1,
            };
          })) as StepResult;
          steps.push(completedStep(label, node, result));
          return {
            output: await loadRef(result.output, blobs),
            input: result.input,
            tokens: result.tokens,
            costUsd: result.costUsd,
            model: result.model,
            settings: result.settings,
            sideEffecting: result.sideEffecting,
          };
        },
        async skipStep(label, node) {
          // A skip follows from memoized outputs alone, so it needs no step of its own.
          steps.push(skippedStep(label, node));
        },
      };

      let output: unknown;
      try {
        const input = prepareInput(graph, data.input);
        const env: NodeEnv = {
          ...(await options.env(data)),
          // Scripts are seeded by the run (a shadow by its primary) and read the pair's clock when the router
          // gave one, else the time the event was sent: Inngest keeps event.ts, so every replay sees the same.
          script: {
            runId: data.shadow?.of ?? data.runId,
            ...(typeof data.clockMs === "number"
              ? { startedAtMs: data.clockMs }
              : typeof event.ts === "number" && { startedAtMs: event.ts }),
          },
        };
        ({ output } = await walkWorkflow(graph, input, runner, env, { parallelism: options.parallelism }));
      } catch (err) {
        // Step failures arrive already shaped by Inngest; node errors raised outside a step get shaped here.
        // The error carries the step summary, so a failed run's timeline is readable over REST v1 too.
        throw withStepSummary(err instanceof NodeError ? toInngestError(err) : err, graph, steps, order);
      }
      steps.sort(
        (a, b) => (order.get(a.nodeId) ?? 0) - (order.get(b.nodeId) ?? 0) || itemIndex(a) - itemIndex(b),
      );
      return { runId: data.runId, output: await storeIfLarge(output, blobs, inlineLimit), steps };
    },
  );
}

export type ExecuteWorkflowFunction = ReturnType<typeof createExecuteWorkflow>;

/** Returns the step result of an outcome computed inline (no durable step): what step.run would have kept. */
function stepResultOf(outcome: NodeOutcome, startedAt: Date): Omit<StepResult, "attempt"> {
  const finishedAt = new Date();
  return {
    output: outcome.output,
    input: outcome.input,
    tokens: outcome.tokens,
    costUsd: outcome.costUsd,
    model: outcome.model,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
  };
}

function completedStep(label: string, node: CompiledNode, r: StepResult): StepRecord {
  return {
    nodeId: node.id,
    name: label,
    type: node.type,
    status: "completed",
    attempt: r.attempt,
    input: r.input,
    output: r.output,
    error: null,
    tokens: r.tokens,
    costUsd: r.costUsd,
    model: r.model,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.durationMs,
  };
}

function skippedStep(label: string, node: CompiledNode): StepRecord {
  return {
    nodeId: node.id,
    name: label,
    type: node.type,
    status: "skipped",
    attempt: 1,
    input: null,
    output: null,
    error: null,
    tokens: null,
    costUsd: 0,
    model: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
  };
}

/**
 * Returns `err` with the run's steps so far in its `cause` (beside the code and message readers take from
 * there; Inngest serialises an error's name, message, stack, code and cause only), the failed step last
 * when Inngest named it. The error keeps its class, so its retry behaviour is unchanged.
 */
export function withStepSummary(
  err: unknown,
  graph: ExecuteEventData["graph"],
  steps: StepRecord[],
  order: Map<string, number>,
): unknown {
  if (!(err instanceof Error)) return err;
  const summary = [...steps];
  const stepId = (err as { stepId?: unknown }).stepId;
  const { code, message } = fromInngestError(err);
  if (typeof stepId === "string" && !summary.some((s) => s.name === stepId)) {
    const node = nodeForLabel(graph, stepId);
    if (node) summary.push({ ...skippedStep(stepId, node), status: "failed", error: { code, message } });
  }
  summary.sort(
    (a, b) => (order.get(a.nodeId) ?? 0) - (order.get(b.nodeId) ?? 0) || itemIndex(a) - itemIndex(b),
  );
  const cause = err.cause && typeof err.cause === "object" ? err.cause : {};
  err.cause = { ...cause, code, message, steps: summary };
  return err;
}

/** Map items sort by index; the map node's own step, which gathers them, comes after its items. */
function itemIndex(step: StepRecord): number {
  const m = /-map-(\d+)(?:-\d+)?$/.exec(step.name);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}
