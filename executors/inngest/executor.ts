// How do runs on Inngest Cloud (or a dev server) look like any other executor's? Events in, REST v1 reads out, RunRecords back.
import type { Inngest } from "inngest";
import { runKey } from "../../lib/run-key.ts";
import { ErrorCode } from "../../workflow/errors.ts";
import { type Executor, type RunRequest, type WaitOptions, WaitTimeoutError } from "../executor.ts";
import { isTerminal, type RunRecord } from "../records.ts";
import { inngestClient } from "./client.ts";
import { fitEvent } from "./event-refs.ts";
import { CANCEL_EVENT, EXECUTE_EVENT, eventDataFor, eventIdFor } from "./events.ts";
import { checkEvent, type InngestLimits, inngestLimits } from "./limits.ts";
import { type BlobStore, FileBlobStore } from "./payload.ts";
import { buildRunRecord, type PayloadPolicy, type RunMeta, runMetaFor, stepsOfFailure } from "./record.ts";
import { InngestRestClient, type InngestRun } from "./rest.ts";
import { fromInngestError } from "./step-error.ts";

/** Inngest de-duplicates events by id for 24 hours: the window a re-submit's first send can lie in. */
export const EVENT_DEDUP_WINDOW_MS = 24 * 3_600_000;
/** How far past our own send the deterministic-id lookup reads (clock skew between us and Inngest). */
const EVENT_LOOKUP_SLACK_MS = 5 * 60_000;

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
  /** The plan's limits (limits.ts; the free plan's event size by default). */
  limits?: Partial<InngestLimits>;
  /**
   * Where event fields too large for the event go: a store the serving host reads too (ConvexBlobStore in
   * production). Defaults to `payloads.blobs`.
   */
  eventBlobs?: BlobStore;
  /** First wait between polls in waitFor; it grows by pollFactor up to maxPollMs. */
  initialPollMs?: number;
  maxPollMs?: number;
  pollFactor?: number;
  /**
   * Polls in a row that may answer `Unknown` before waitFor gives up with INNGEST_STATUS_UNKNOWN (the
   * server's own word for a status it could not convert; its run is not ended).
   */
  maxUnknownPolls?: number;
  /**
   * How long an event may show no run before the run is looked for by the event's deterministic id
   * (default 15 s: the server caches an event's run list that long, so an empty list is no news before).
   */
  eventLookupGraceMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
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
    const event = {
      id: eventIdFor(request.workspaceId, request.runId),
      name: EXECUTE_EVENT,
      data: eventDataFor(request, provider),
    };
    // Large fields go by reference through the blob store the serving host reads too (Convex file storage in
    // production); an event still over the plan's limit is refused here, as Inngest's event API would.
    const limits = inngestLimits(this.options.limits);
    event.data = await fitEvent(event, limits, this.options.eventBlobs ?? this.payloads.blobs);
    const tooLarge = checkEvent(event, limits);
    if (tooLarge) throw tooLarge;
    // The event id makes a repeated send (a retry after a lost answer) start no second run.
    const sent = await this.client.send(event);
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
    await this.client.send({
      name: CANCEL_EVENT,
      data: { runId, workspaceId, runKey: runKey(workspaceId, runId) },
    });
  }

  async waitFor(workspaceId: string, runId: string, options: WaitOptions = {}): Promise<RunRecord> {
    const entry = await this.entry(workspaceId, runId);
    if (!entry) throw new Error(`no inngest run ${runId} in workspace ${workspaceId}`);
    const deadline =
      options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
    let interval = this.options.initialPollMs ?? 500;
    let unknownPolls = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const run = await this.findRun(entry, (id) => this.rest.pollRun(id, options.signal), options.signal);
      if (run && isTerminal(run.status)) {
        this.rest.forget(run.runId);
        return this.record(entry, run, options.signal);
      }
      unknownPolls = run && !run.statusKnown ? unknownPolls + 1 : 0;
      if (unknownPolls >= (this.options.maxUnknownPolls ?? 20)) {
        this.rest.forget(run!.runId);
        const record = await this.record(entry, run, options.signal);
        return {
          ...record,
          status: "failed",
          error: {
            code: ErrorCode.INNGEST_STATUS_UNKNOWN,
            message: `Inngest answered status ${JSON.stringify(run!.rawStatus)} for run ${run!.runId} ${unknownPolls} times in a row; stopped waiting`,
          },
        };
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

  /**
   * Returns the Inngest run behind our run (looked up through its event once), or null while none has
   * started. When the event `send` answered with has started none, the run is looked for by the event's
   * deterministic id (`inferpipe-run-<workspace>:<runId>`): after a lost answer the re-submit's event was de-duplicated
   * and started nothing, and the run belongs to the first send's event.
   */
  private async findRun(
    entry: IndexedRun,
    read: (inngestRunId: string) => Promise<InngestRun | null>,
    signal?: AbortSignal,
  ): Promise<InngestRun | null> {
    if (entry.inngestRunId) return read(entry.inngestRunId);
    let runs = await this.rest.listEventRuns(entry.eventId, signal);
    const now = (this.options.now ?? Date.now)();
    const submitted = Date.parse(entry.meta.createdAt);
    const grace = this.options.eventLookupGraceMs ?? 15_000;
    if (runs.length === 0 && !(now - submitted < grace)) {
      const events = await this.rest.findEvents(
        {
          name: EXECUTE_EVENT,
          id: eventIdFor(entry.meta.workspaceId, entry.meta.runId),
          receivedAfter: new Date(
            (Number.isNaN(submitted) ? now : submitted) - EVENT_DEDUP_WINDOW_MS,
          ).toISOString(),
          // Newest first from just after our own send: the lost first send came shortly before it, so it is
          // on the first page however busy the deployment is.
          ...(!Number.isNaN(submitted) && {
            receivedBefore: new Date(submitted + EVENT_LOOKUP_SLACK_MS).toISOString(),
          }),
        },
        signal,
      );
      for (const event of events) {
        if (event.internalId === entry.eventId) continue;
        runs = await this.rest.listEventRuns(event.internalId, signal);
        if (runs.length > 0) break;
      }
    }
    // One function listens to the event, so its first run is ours.
    const found = runs[0];
    if (!found) return null;
    entry.inngestRunId = found.runId;
    await this.index.set(entry);
    // The event's list carries a status but not always the output: a run it shows ended is read itself.
    return isTerminal(found.status) || !found.statusKnown ? read(found.runId) : found;
  }

  /**
   * Returns the record of a run as REST v1 shows it. The step timeline is the function's own step summary
   * (its return value when it completed, the summary its error carries when it failed); the jobs endpoint
   * lists queue items, not steps, so it is not read. Times are the run's own (`run_started_at`, `ended_at`),
   * never the time a poll saw them, so a cached answer adds nothing to a latency figure.
   */
  private async record(entry: IndexedRun, run: InngestRun | null, _signal?: AbortSignal): Promise<RunRecord> {
    const status = run?.status ?? "queued";
    return buildRunRecord(
      entry.meta,
      {
        status,
        result: run?.output ?? null,
        error: status === "completed" ? null : runError(run),
        startedAt: run?.startedAt ?? null,
        finishedAt: run && isTerminal(run.status) ? run.endedAt : null,
        observed: [],
        ...(status === "failed" && { summarySteps: stepsOfFailure(run?.output) }),
      },
      this.payloads,
    );
  }
}

/** Returns the error a run that did not complete ended with (null while it is still going). */
function runError(run: InngestRun | null): RunRecord["error"] {
  if (!run) return null;
  const raw = (run.rawStatus ?? "").toLowerCase();
  if (run.status === "canceled") {
    return raw === "skipped"
      ? {
          code: ErrorCode.INNGEST_RUN_SKIPPED,
          message: `Inngest skipped run ${run.runId}: it never executed`,
        }
      : { code: ErrorCode.CANCELED, message: "run canceled" };
  }
  if (run.status !== "failed") return null;
  if (raw === "overflowed" && (run.output === null || run.output === undefined)) {
    return {
      code: ErrorCode.INNGEST_TOO_MANY_STEPS,
      message: `Inngest ended run ${run.runId}: too many steps`,
    };
  }
  return fromInngestError(run.output);
}
