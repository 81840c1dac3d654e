// How does the harness drive the legacy executor? ConvexExecutor: the Executor interface over a Convex backend.
import { ConvexError } from "convex/values";
import type { RunOptions } from "../../convex/cutover/runOptions.ts";
import { type Executor, type RunRequest, type WaitOptions, WaitTimeoutError } from "../executor.ts";
import { isTerminal, type RunRecord } from "../records.ts";
import type { ConvexBackend } from "./backend.ts";
import { toRunRecord } from "./normalize.ts";

export interface ConvexExecutorOptions {
  backend: ConvexBackend;
  /** Execution settings for the runs this executor starts (defaults in convex/runOptions.ts). */
  runOptions?: Partial<RunOptions>;
  /** Provider for requests that name none. */
  defaultProvider?: string;
}

/** A refusal from the deployment (UNAUTHENTICATED, FORBIDDEN, RUN_ID_TAKEN, ...), with its code. */
export class ConvexExecutorError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ConvexExecutorError";
  }
}

export class ConvexExecutor implements Executor {
  readonly name = "convex" as const;
  readonly backend: ConvexBackend;
  private readonly runOptions: Partial<RunOptions>;
  private readonly defaultProvider: string;

  constructor(options: ConvexExecutorOptions) {
    this.backend = options.backend;
    this.runOptions = options.runOptions ?? {};
    this.defaultProvider = options.defaultProvider ?? "mock";
  }

  /** Starts the run (idempotent on runId) and returns its id; the action runs it in the background. */
  async submit(request: RunRequest): Promise<{ runId: string }> {
    return await refusals(() =>
      this.backend.runs.start({
        workspaceId: request.workspaceId,
        runId: request.runId,
        workflow: request.workflow,
        inputJson: JSON.stringify(request.input ?? null),
        provider: request.provider ?? this.defaultProvider,
        options:
          request.clockMs === undefined
            ? this.runOptions
            : { ...this.runOptions, scriptClockMs: request.clockMs },
        ...(request.shadow && { shadow: request.shadow }),
        ...(request.sideEffectOutputs && {
          sideEffectOutputsJson: JSON.stringify(request.sideEffectOutputs),
        }),
        ...(request.replay && { replayJson: JSON.stringify(request.replay) }),
        ...(request.source !== undefined && { source: request.source }),
      }),
    );
  }

  /** Returns the run's normalised record, or null when the workspace has no such run. */
  async get(workspaceId: string, runId: string): Promise<RunRecord | null> {
    const found = await refusals(() => this.backend.runs.get(workspaceId, runId));
    return found ? toRunRecord(found.run, found.steps) : null;
  }

  async cancel(workspaceId: string, runId: string): Promise<void> {
    const result = await refusals(() => this.backend.runs.cancel(workspaceId, runId));
    if (!result.found)
      throw new ConvexExecutorError("RUN_NOT_FOUND", `workspace ${workspaceId} has no run ${runId}`);
  }

  /** Waits until the run may have changed: the runtime going idle (capped), or one poll interval. */
  private async pause(): Promise<void> {
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
    if (!this.backend.whenIdle) return sleep(this.backend.pollMs);
    const before = Date.now();
    await Promise.race([this.backend.whenIdle(), sleep(IDLE_WAIT_CAP_MS)]);
    // Idle at once: the scheduled action has not fired yet; give it a poll interval.
    if (Date.now() - before < 1) await sleep(this.backend.pollMs);
  }

  /**
   * Returns the record once the run is terminal; rejects with WaitTimeoutError after `timeoutMs`.
   * Polls the run's status alone and reads the whole record once: a full read while the run is
   * going is as long as its steps, and on the embedded runtime it holds up the run's own mutations.
   */
  async waitFor(workspaceId: string, runId: string, options: WaitOptions = {}): Promise<RunRecord> {
    const startedAt = Date.now();
    for (;;) {
      options.signal?.throwIfAborted();
      const status = await refusals(() => this.backend.runs.status(workspaceId, runId));
      const record =
        status && isTerminal(status as RunRecord["status"]) ? await this.get(workspaceId, runId) : undefined;
      if (!status || record === null)
        throw new ConvexExecutorError("RUN_NOT_FOUND", `workspace ${workspaceId} has no run ${runId}`);
      if (record) return record;
      if (options.timeoutMs !== undefined && Date.now() - startedAt >= options.timeoutMs) {
        throw new WaitTimeoutError(runId, options.timeoutMs);
      }
      await this.pause();
    }
  }
}

/** Longest wait between two looks at a run on a runtime that can say when it is idle. */
const IDLE_WAIT_CAP_MS = 250;

/** Runs a call, turning the deployment's ConvexError refusals into ConvexExecutorError with their code. */
async function refusals<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ConvexError && err.data && typeof err.data === "object") {
      const { code, message } = err.data as { code?: string; message?: string };
      throw new ConvexExecutorError(code ?? "CONVEX_ERROR", message ?? String(err.message));
    }
    throw err;
  }
}
