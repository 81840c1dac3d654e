// How do runs on Inngest Cloud (or a dev server) look like any other executor's? Events in, REST v1 reads out, RunRecords back.
import type { Inngest } from "inngest";
import { ErrorCode } from "../../workflow/errors.ts";
import { type Executor, type RunRequest, type WaitOptions, WaitTimeoutError } from "../executor.ts";
import { isTerminal, type RunRecord } from "../records.ts";
import { inngestClient } from "./client.ts";
import { CANCEL_EVENT, EXECUTE_EVENT, eventDataFor, eventIdFor } from "./events.ts";
import { FileBlobStore } from "./payload.ts";
import {
  asStepResult,
  buildRunRecord,
  type ObservedStep,
  type PayloadPolicy,
  type RunMeta,
  runMetaFor,
} from "./record.ts";
import { type InngestJob, InngestRestClient, type InngestRun } from "./rest.ts";
import { fromInngestError } from "./step-error.ts";

/** What the executor remembers of a submitted run: Inngest knows runs by its own ids, not ours. */
export interface IndexedRun {
  meta: RunMeta;
  /** The id Inngest gave the event (send's `ids[0]`). */
  eventId: string;
  inngestRunId?: string;
  /** The provider spec the run was sent with (the mirror records it on the run row). */
  provider?: string;
}

/**
 * Where submitted runs are remembered: in memory by default (the embedded executor), the Convex
 * tables in production (ConvexRunIndex), so any process can read a run another one submitted.
 * Entries are keyed by (workspaceId, runId): a run is never found from another workspace.
 */
export interface RunIndex {
  get(workspaceId: string, runId: string): Promise<IndexedRun | undefined>;
  set(entry: IndexedRun): Promise<void>;
}

export class MemoryRunIndex implements RunIndex {
  private readonly entries = new Map<string, IndexedRun>();
  async get(workspaceId: string, runId: string) {
    return this.entries.get(`${workspaceId}/${runId}`);
  }
  async set(entry: IndexedRun) {
    this.entries.set(`${entry.meta.workspaceId}/${entry.meta.runId}`, entry);
  }
}

export interface InngestExecutorOptions {
  client?: Inngest;
  rest?: InngestRestClient;
  index?: RunIndex;
  payloads?: PayloadPolicy;
  redactPaths?: readonly string[];
  /** The provider spec sent with runs that name none. */
  defaultProvider?: string;
  /** First wait between polls in waitFor; it grows by pollFactor up to maxPollMs. */
  initialPollMs?: number;
  maxPollMs?: number;
  pollFactor?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class InngestExecutor implements Executor {
  readonly name = "inngest" as const;
  readonly rest: InngestRestClient;
  private readonly index: RunIndex;
  private readonly payloads: PayloadPolicy;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: InngestExecutorOptions = {}) {
    this.rest = options.rest ?? new InngestRestClient();
    this.index = options.index ?? new MemoryRunIndex();
    this.payloads = options.payloads ?? { blobs: new FileBlobStore(), thresholdBytes: 256 * 1024 };
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private get client(): Inngest {
    return this.options.client ?? inngestClient();
  }

  async submit(request: RunRequest): Promise<{ runId: string }> {
    if (await this.index.get(request.workspaceId, request.runId)) return { runId: request.runId };
    const provider = request.provider ?? this.options.defaultProvider ?? "mock";
    const data = eventDataFor(request, provider);
    // The event id makes a repeated send (a retry after a lost answer) start no second run.
    const sent = await this.client.send({ id: eventIdFor(request.runId), name: EXECUTE_EVENT, data });
    const eventId = sent.ids[0];
    if (!eventId)
      throw new Error(`Inngest accepted the event for run ${request.runId} but returned no event id`);
    await this.index.set({
      eventId,
      provider,
      meta: runMetaFor(request, this.options.redactPaths),
    });
    return { runId: request.runId };
  }

  async get(workspaceId: string, runId: string, signal?: AbortSignal): Promise<RunRecord | null> {
    const entry = await this.entry(workspaceId, runId);
    if (!entry) return null;
    const run = await this.findRun(entry, (id) => this.rest.getRun(id, signal), signal);
    return this.record(entry, run, signal);
  }

  async cancel(workspaceId: string, runId: string): Promise<void> {
    const entry = await this.entry(workspaceId, runId);
    if (!entry) throw new Error(`no inngest run ${runId} in workspace ${workspaceId}`);
    const run = await this.findRun(entry, (id) => this.rest.getRun(id));
    if (run && (await this.rest.cancelRun(run.runId))) return;
    // Not started yet (or unknown to the API): cancelOn stops it when it does start.
    await this.client.send({ name: CANCEL_EVENT, data: { runId, workspaceId } });
  }

  async waitFor(workspaceId: string, runId: string, options: WaitOptions = {}): Promise<RunRecord> {
    const entry = await this.entry(workspaceId, runId);
    if (!entry) throw new Error(`no inngest run ${runId} in workspace ${workspaceId}`);
    const deadline =
      options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
    let interval = this.options.initialPollMs ?? 500;
    for (;;) {
      options.signal?.throwIfAborted();
      const run = await this.findRun(entry, (id) => this.rest.pollRun(id, options.signal), options.signal);
      if (run && isTerminal(run.status)) {
        this.rest.forget(run.runId);
        return this.record(entry, run, options.signal);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new WaitTimeoutError(runId, options.timeoutMs ?? 0);
      await this.sleep(Math.min(interval, left));
      interval = Math.min(this.options.maxPollMs ?? 10_000, interval * (this.options.pollFactor ?? 1.5));
    }
  }

  private async entry(workspaceId: string, runId: string): Promise<IndexedRun | undefined> {
    const entry = await this.index.get(workspaceId, runId);
    return entry && entry.meta.workspaceId === workspaceId ? entry : undefined;
  }

  /** Returns the Inngest run behind our run (looked up through its event once), or null while none has started. */
  private async findRun(
    entry: IndexedRun,
    read: (inngestRunId: string) => Promise<InngestRun | null>,
    signal?: AbortSignal,
  ): Promise<InngestRun | null> {
    if (!entry.inngestRunId) {
      const runs = await this.rest.listEventRuns(entry.eventId, signal);
      if (runs.length === 0) return null;
      entry.inngestRunId = runs[0].runId;
      await this.index.set(entry);
      // The event's run list already carries the run's status.
      return runs[0];
    }
    return read(entry.inngestRunId);
  }

  private async record(entry: IndexedRun, run: InngestRun | null, signal?: AbortSignal): Promise<RunRecord> {
    const jobs = run ? await this.rest.listRunJobs(run.runId, signal) : [];
    const status = run?.status ?? "queued";
    return buildRunRecord(
      entry.meta,
      {
        status,
        result: run?.output ?? null,
        error:
          status === "failed"
            ? fromInngestError(run?.output)
            : status === "canceled"
              ? { code: ErrorCode.CANCELED, message: "run canceled" }
              : null,
        startedAt: run?.startedAt ?? null,
        finishedAt: run && isTerminal(run.status) ? run.endedAt : null,
        observed: jobs.map(observedJob),
      },
      this.payloads,
    );
  }
}

/** Returns a job as an observed step (the job's output is the step's StepResult when it completed). */
export function observedJob(job: InngestJob): ObservedStep {
  const result = job.status === "completed" ? asStepResult(job.output) : null;
  return {
    name: job.name,
    status: job.status,
    attempt: result?.attempt ?? (job.attempt === null ? null : job.attempt + 1),
    result,
    error: job.status === "failed" ? fromInngestError(job.error ?? job.output) : null,
    startedAt: job.startedAt,
    finishedAt: job.endedAt,
  };
}
