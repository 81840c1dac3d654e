// How does the Inngest executor run without an Inngest account? The same function in-process, runs kept in memory.
import { Inngest } from "inngest";
import { log } from "../../lib/log.ts";
import { runKey } from "../../lib/run-key.ts";
import { ErrorCode } from "../../workflow/errors.ts";
import type { NodeEnv } from "../../workflow/steps.ts";
import { type Executor, type RunRequest, type WaitOptions, WaitTimeoutError } from "../executor.ts";
import { isTerminal, type RunRecord } from "../records.ts";
import { INNGEST_APP_ID } from "./client.ts";
import { type EmbeddedRunStats, runEmbedded, type StepEvent } from "./embedded-run.ts";
import { fitEvent } from "./event-refs.ts";
import { eventDataFor } from "./events.ts";
import { checkEvent, type InngestLimits, inngestLimits, jsonBytes, RunBudget } from "./limits.ts";
import {
  createExecuteWorkflow,
  DEFAULT_RETRIES,
  EXECUTE_EVENT,
  type ExecuteEventData,
  type ExecuteWorkflowFunction,
  eventIdFor,
} from "./orchestrator.ts";
import { type BlobStore, MemoryBlobStore } from "./payload.ts";
import {
  asStepResult,
  buildRunRecord,
  type ObservedStep,
  type PayloadPolicy,
  type RunMeta,
  type RunState,
  runMetaFor,
} from "./record.ts";
import { fromInngestError } from "./step-error.ts";

export interface EmbeddedOptions {
  /** Builds each run's node environment from its event data (provider, http policy, secrets). */
  env: (data: ExecuteEventData) => NodeEnv | Promise<NodeEnv>;
  retries?: number;
  parallelism?: number;
  /** The run's finish timeout in milliseconds (Inngest's timeouts.finish). */
  finishTimeoutMs?: number;
  retryDelayMs?: (attempt: number, retryAfterMs: number | undefined) => number;
  blobs?: BlobStore;
  /** Payloads larger than this are kept by reference, in steps and in records (the legacy executor's default). */
  payloadThresholdBytes?: number;
  /** Dot paths redacted in recorded inputs and outputs. */
  redactPaths?: readonly string[];
  /** Inngest's limits the engine enforces (limits.ts: the free plan's event size by default). */
  limits?: Partial<InngestLimits>;
}

export const DEFAULT_PAYLOAD_THRESHOLD_BYTES = 256 * 1024;

interface EmbeddedRun {
  meta: RunMeta;
  state: RunState;
  steps: Map<string, ObservedStep>;
  cancelRequested: boolean;
  done: Promise<void>;
  stats?: EmbeddedRunStats;
}

export class EmbeddedInngestExecutor implements Executor {
  readonly name = "inngest" as const;
  readonly fn: ExecuteWorkflowFunction;
  private readonly runs = new Map<string, EmbeddedRun>();
  private readonly retries: number;
  private readonly payloads: PayloadPolicy;
  private readonly logger = log("inngest-embedded");

  constructor(private readonly options: EmbeddedOptions) {
    this.retries = options.retries ?? DEFAULT_RETRIES;
    this.payloads = {
      blobs: options.blobs ?? new MemoryBlobStore(),
      thresholdBytes: options.payloadThresholdBytes ?? DEFAULT_PAYLOAD_THRESHOLD_BYTES,
    };
    // Dev mode: no keys are needed because nothing leaves the process.
    const client = new Inngest({ id: INNGEST_APP_ID, isDev: true, logger: log("inngest-sdk") });
    this.fn = createExecuteWorkflow({
      client,
      env: options.env,
      retries: this.retries,
      parallelism: options.parallelism,
      blobs: this.payloads.blobs,
      inlineLimitBytes: this.payloads.thresholdBytes,
    });
  }

  async submit(request: RunRequest): Promise<{ runId: string }> {
    // Inngest's idempotency on event.data.runId: a second submit starts nothing.
    // Keyed by workspace and runId: another tenant's run with the same id is another run.
    if (this.runs.has(runKey(request.workspaceId, request.runId))) return { runId: request.runId };
    const meta = runMetaFor(request, this.options.redactPaths);
    const run: EmbeddedRun = {
      meta,
      state: { status: "queued", result: null, error: null, startedAt: null, finishedAt: null, observed: [] },
      steps: new Map(),
      cancelRequested: false,
      done: Promise.resolve(),
    };
    this.runs.set(runKey(request.workspaceId, request.runId), run);
    run.done = this.drive(run, request);
    return { runId: request.runId };
  }

  async get(workspaceId: string, runId: string): Promise<RunRecord | null> {
    const run = this.runs.get(runKey(workspaceId, runId));
    if (!run || run.meta.workspaceId !== workspaceId) return null;
    return buildRunRecord(run.meta, { ...run.state, observed: [...run.steps.values()] }, this.payloads);
  }

  async cancel(workspaceId: string, runId: string): Promise<void> {
    const run = this.runs.get(runKey(workspaceId, runId));
    if (!run || run.meta.workspaceId !== workspaceId)
      throw new Error(`no inngest run ${runId} in workspace ${workspaceId}`);
    if (!isTerminal(run.state.status)) run.cancelRequested = true;
  }

  async waitFor(workspaceId: string, runId: string, options: WaitOptions = {}): Promise<RunRecord> {
    const run = this.runs.get(runKey(workspaceId, runId));
    if (!run || run.meta.workspaceId !== workspaceId)
      throw new Error(`no inngest run ${runId} in workspace ${workspaceId}`);
    const waits: Promise<unknown>[] = [run.done];
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs !== undefined) {
      const ms = options.timeoutMs;
      waits.push(
        new Promise((_, reject) => (timer = setTimeout(() => reject(new WaitTimeoutError(runId, ms)), ms))),
      );
    }
    if (options.signal) {
      const signal = options.signal;
      waits.push(
        new Promise((_, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        }),
      );
    }
    try {
      await Promise.race(waits);
    } finally {
      clearTimeout(timer);
    }
    return (await this.get(workspaceId, runId)) as RunRecord;
  }

  /** Returns the executions (re-entries) a finished run took: the bench's measure of Inngest's replay cost. */
  statsOf(runId: string): EmbeddedRunStats | undefined {
    for (const run of this.runs.values()) if (run.meta.runId === runId) return run.stats;
    return undefined;
  }

  private async drive(run: EmbeddedRun, request: RunRequest): Promise<void> {
    // Let submit return before the first step runs, as an event send would.
    await Promise.resolve();
    run.state.status = "running";
    run.state.startedAt = new Date().toISOString();
    try {
      const limits = inngestLimits(this.options.limits);
      const event = {
        name: EXECUTE_EVENT,
        id: eventIdFor(request.workspaceId, request.runId),
        data: eventDataFor(request),
      };
      // Large fields go by reference, as a submit to Inngest sends them; an event still too large is
      // refused, as Inngest's event API refuses it.
      event.data = await fitEvent(event, limits, this.payloads.blobs);
      const tooLarge = checkEvent(event, limits);
      if (tooLarge) {
        run.state.error = fromInngestError(tooLarge);
        run.state.status = "failed";
        run.state.finishedAt = new Date().toISOString();
        return;
      }
      const outcome = await runEmbedded(
        this.fn,
        { ...event, data: event.data as unknown as Record<string, unknown> },
        {
          budget: new RunBudget(limits, jsonBytes(event)),
          retries: this.retries,
          isCanceled: () => run.cancelRequested,
          deadline: this.options.finishTimeoutMs ? Date.now() + this.options.finishTimeoutMs : undefined,
          retryDelayMs: this.options.retryDelayMs,
          onStep: (e) => this.observe(run, e),
        },
      );
      run.stats = outcome.stats;
      if (outcome.status === "completed") {
        run.state.result = outcome.output;
      } else if (outcome.status === "failed") {
        run.state.error = fromInngestError(outcome.error);
      } else {
        run.state.error = { code: ErrorCode.CANCELED, message: "run canceled" };
      }
      run.state.status = outcome.status;
    } catch (err) {
      // The engine itself broke (not a node): the run fails rather than hanging its waiters.
      this.logger.error({ runId: request.runId, err }, "embedded Inngest run crashed");
      run.state.error = {
        code: ErrorCode.INTERNAL,
        message: err instanceof Error ? err.message : String(err),
      };
      run.state.status = "failed";
    }
    run.state.finishedAt = new Date().toISOString();
  }

  private observe(run: EmbeddedRun, e: StepEvent): void {
    if (e.status === "failed" && e.willRetry) return;
    run.steps.set(e.name, {
      name: e.name,
      status: e.status,
      attempt: e.attempt + 1,
      result: e.status === "completed" ? asStepResult(e.data) : null,
      error: e.status === "failed" ? fromInngestError(e.error) : null,
      startedAt: e.startedAt,
      finishedAt: e.finishedAt,
    });
  }
}
