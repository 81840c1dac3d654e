// How do tests fake Inngest's event API and REST v1? msw handlers that answer in the server's own shapes.
//
// Where each shape comes from: the open-source server, github.com/inngest/inngest at commit
// 253303cdffec27f6c70e208114305326baaa5dd7 (2026-08-22), read for this file (no code copied):
//
// - envelope `{ data, metadata: { fetched_at, cached_until? } }` and the `Cache-Control: private, max-age`
//   header: pkg/api/apiv1/apiv1.go (Response, ResponseMetadata, WriteCachedResponse); routes in the same file.
// - `GET /v1/runs/{runID}`: pkg/api/apiv1/runs.go (GetFunctionRun). A run id that is not a ULID is a 400; a
//   run the reader cannot load (an unknown one, on the open-source and dev server) is a 500 "Unable to load
//   function run: <id>"; answers are cached 3 s. Run fields: pkg/cqrs/function_runs.go (FunctionRun:
//   run_id, run_started_at, function_id (a UUID), function_version, environment_id, event_id, batch_id,
//   original_run_id, cron, status, ended_at, output).
// - status words: pkg/enums/run_status.go and pkg/enums/runstatus_enumer.go (Running, Completed, Failed,
//   Cancelled, Overflowed, Scheduled, Unknown, Skipped; ended: Completed, Failed, Cancelled, Overflowed,
//   Skipped).
// - `GET /v1/runs/{runID}/jobs`: pkg/api/apiv1/runs.go (GetFunctionRunJobs: one read of limit 10, offset 0,
//   no cursor, cached 5 s, 500 when the run cannot be loaded); items are queue.JobResponse
//   (pkg/execution/queue/queue.go: JobID, at, position, kind, attempt, Raw) filled from queue items by
//   pkg/execution/state/redis_state/reader.go (RunJobs), the queue item itself in
//   pkg/execution/queue/item.go (QueueItem: id, at, wt, wfID, wsID, data: { kind, identifier, atts, … })
//   and its kinds in pkg/execution/queue/kind.go. No step name, status or output.
// - `GET /v1/events/{eventID}/runs`: pkg/api/apiv1/events.go (getEventRuns: the id must be a ULID, each
//   run's status is re-read from its root span, cached 15 s; a nil list encodes as `null`).
// - `GET /v1/events`: pkg/api/apiv1/events.go (getEvents: name, received_after, received_before, limit up
//   to cqrs.MaxEvents = 51 in pkg/cqrs/events.go, cursor = an internal id (ULID), newest first, not cached);
//   event fields: pkg/cqrs/events.go (Event: internal_id, account_id, environment_id, source, received_at,
//   id, name, data, user, ts, v).
// - `DELETE /v1/runs/{runID}`: pkg/api/apiv1/runs.go (cancelFunctionRun: 404 for a run it cannot load, an
//   empty 200 when canceled).
// - error bodies: pkg/publicerr/publicerr.go (Error: `{ "error": <message>, "data": null, "status": <n> }`).
// - the event API (`POST /e/{key}` → `{ ids, status }`) is the SDK's (inngest's send); that a repeated event
//   id is de-duplicated and answered with a fresh internal id that starts no run is issue 10's observation.
import { type HttpHandler, HttpResponse, http } from "msw";

export const INNGEST_TEST_API = "https://api.inngest.test";
export const INNGEST_TEST_EVENTS = "https://events.inngest.test";

const FUNCTION_UUID = "3f1c2a4e-7b1d-4c55-9a0e-5d2b6c8e9f10";
const ENV_UUID = "b7e0d7a2-1c3f-4e2a-8d9b-0a1b2c3d4e5f";
const ACCOUNT_UUID = "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f";

/** A run status word the server writes. */
export type ServerRunStatus =
  | "Running"
  | "Completed"
  | "Failed"
  | "Cancelled"
  | "Overflowed"
  | "Scheduled"
  | "Unknown"
  | "Skipped";

export interface FakeRun {
  runId: string;
  eventId: string;
  status: ServerRunStatus;
  startedAt: number | null;
  endedAt: number | null;
  output?: unknown;
  /** Queue items the jobs endpoint lists (it returns at most 10). */
  queue: { kind: string; attempt: number; at: number }[];
}

export interface FakeEvent {
  internalId: string;
  id: string | null;
  name: string;
  data: Record<string, unknown>;
  receivedAt: number;
}

export interface FakeInngestOptions {
  api?: string;
  events?: string;
  /** The server's clock (epoch ms), for received_at, run times and cache expiry. */
  now?: () => number;
  /** How an unknown run reads: the open-source/dev server's 500, or a 404. */
  unknownRun?: 500 | 404;
  /** Serve cached answers for the server's cache periods (runs 3 s, jobs 5 s, event runs 15 s). */
  cache?: boolean;
  /** Whether an accepted event starts a run right away (status Scheduled). */
  autoStart?: boolean;
}

let ulidSeq = 0;
/** Returns a fresh id in ULID form (26 Crockford base-32 characters). */
export function fakeUlid(): string {
  ulidSeq++;
  return `01K${String(ulidSeq).padStart(23, "0")}`;
}

function isUlid(s: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{26}$/.test(s);
}

/** A fake Inngest: keeps events and runs, answers the event API and REST v1 as the server does. */
export class FakeInngest {
  readonly events: FakeEvent[] = [];
  readonly runs = new Map<string, FakeRun>();
  /** Every REST request, as `METHOD path` (query included). */
  readonly requests: string[] = [];
  /** When set, the next event send is accepted but its answer lost (the client sees a network error). */
  loseNextAnswer = false;
  private readonly cache = new Map<string, { until: number; body: unknown }>();
  readonly api: string;
  readonly eventsBase: string;
  private readonly now: () => number;

  constructor(private readonly options: FakeInngestOptions = {}) {
    this.api = options.api ?? INNGEST_TEST_API;
    this.eventsBase = options.events ?? INNGEST_TEST_EVENTS;
    this.now = options.now ?? Date.now;
  }

  /** Starts a run for an accepted event (status Scheduled), returning it. */
  startRun(eventInternalId: string): FakeRun {
    const run: FakeRun = {
      runId: fakeUlid(),
      eventId: eventInternalId,
      status: "Scheduled",
      startedAt: null,
      endedAt: null,
      queue: [{ kind: "start", attempt: 0, at: this.now() }],
    };
    this.runs.set(run.runId, run);
    return run;
  }

  /** Moves a run to `status`; ended statuses stamp ended_at and empty its queue. */
  setStatus(runId: string, status: ServerRunStatus, output?: unknown): FakeRun {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`fake inngest: no run ${runId}`);
    run.status = status;
    if (status !== "Scheduled" && run.startedAt === null) run.startedAt = this.now();
    if (["Completed", "Failed", "Cancelled", "Overflowed", "Skipped"].includes(status)) {
      run.endedAt = this.now();
      run.queue = [];
    }
    if (output !== undefined) run.output = output;
    return run;
  }

  /** Returns the only run (tests with one run). */
  onlyRun(): FakeRun {
    const [run, ...more] = this.runs.values();
    if (!run || more.length > 0) throw new Error(`fake inngest: ${this.runs.size} runs`);
    return run;
  }

  handlers(): HttpHandler[] {
    const api = this.api;
    return [
      http.post(`${this.eventsBase}/e/:key`, async ({ request }) => {
        const body = (await request.json()) as {
          id?: string;
          name: string;
          data?: Record<string, unknown>;
        }[];
        const ids: string[] = [];
        for (const e of Array.isArray(body) ? body : [body]) {
          const internalId = fakeUlid();
          ids.push(internalId);
          const duplicate = e.id !== undefined && this.events.some((x) => x.id === e.id);
          this.events.unshift({
            internalId,
            id: e.id ?? null,
            name: e.name,
            data: e.data ?? {},
            receivedAt: this.now(),
          });
          if (!duplicate && (this.options.autoStart ?? true)) this.startRun(internalId);
        }
        if (this.loseNextAnswer) {
          this.loseNextAnswer = false;
          return HttpResponse.error();
        }
        return HttpResponse.json({ ids, status: 200 });
      }),
      http.get(`${api}/v1/events`, ({ request }) => {
        this.log(request);
        const q = new URL(request.url).searchParams;
        const limit = Number(q.get("limit") || 20);
        if (limit > 51) return problem(500, "Unable to query events");
        const after = q.get("received_after");
        const before = q.get("received_before");
        const cursor = q.get("cursor");
        if (cursor && !isUlid(cursor)) return problem(400, "Invalid cursor query parameter");
        let list = this.events.filter(
          (e) =>
            (!q.get("name") || e.name === q.get("name")) &&
            (!after || e.receivedAt > Date.parse(after)) &&
            (!before || e.receivedAt < Date.parse(before)),
        );
        if (cursor) list = list.filter((e) => e.internalId < cursor);
        return HttpResponse.json(
          envelope(
            list.slice(0, limit).map((e) => ({
              internal_id: e.internalId,
              account_id: ACCOUNT_UUID,
              environment_id: ENV_UUID,
              source: "",
              source_id: null,
              received_at: new Date(e.receivedAt).toISOString(),
              ...(e.id && { id: e.id }),
              name: e.name,
              data: e.data,
              ts: e.receivedAt,
            })),
            this.now(),
          ),
        );
      }),
      http.get(`${api}/v1/events/:eventId/runs`, ({ request, params }) => {
        this.log(request);
        const eventId = String(params.eventId);
        if (!isUlid(eventId)) return problem(400, `Invalid event ID: ${eventId}`);
        return this.cached(`event-runs/${eventId}`, 15_000, () => {
          const runs = [...this.runs.values()].filter((r) => r.eventId === eventId);
          return runs.length === 0 ? null : runs.map((r) => this.runJson(r, false));
        });
      }),
      http.get(`${api}/v1/runs/:runId/jobs`, ({ request, params }) => {
        this.log(request);
        const runId = String(params.runId);
        if (!isUlid(runId)) return problem(400, `Invalid run ID: ${runId}`);
        const run = this.runs.get(runId);
        if (!run) return problem(500, `Unable to load function run: ${runId}`);
        return this.cached(`jobs/${runId}`, 5_000, () =>
          run.queue.slice(0, 10).map((item, position) => {
            const id = `${run.runId}:${item.kind}:${position}`;
            return {
              JobID: id,
              at: new Date(item.at).toISOString(),
              position,
              kind: item.kind,
              attempt: item.attempt,
              Raw: {
                id,
                at: item.at,
                wt: item.at,
                wfID: FUNCTION_UUID,
                wsID: ENV_UUID,
                data: {
                  wsID: ENV_UUID,
                  kind: item.kind,
                  identifier: { runID: run.runId, wID: FUNCTION_UUID, evts: [run.eventId] },
                  atts: item.attempt,
                  maxAtts: 4,
                },
                eat: item.at,
              },
            };
          }),
        );
      }),
      http.get(`${api}/v1/runs/:runId`, ({ request, params }) => {
        this.log(request);
        const runId = String(params.runId);
        if (!isUlid(runId)) return problem(400, `Invalid run ID: ${runId}`);
        const run = this.runs.get(runId);
        if (!run) return problem(this.options.unknownRun ?? 500, `Unable to load function run: ${runId}`);
        return this.cached(`run/${runId}`, 3_000, () => this.runJson(run, true));
      }),
      http.delete(`${api}/v1/runs/:runId`, ({ request, params }) => {
        this.log(request);
        const runId = String(params.runId);
        if (!isUlid(runId)) return problem(400, `Invalid run ID: ${runId}`);
        const run = this.runs.get(runId);
        if (!run) return problem(404, `Unable to load function run: ${runId}`);
        this.setStatus(runId, "Cancelled");
        return new HttpResponse(null, { status: 200 });
      }),
    ];
  }

  private log(request: Request): void {
    const url = new URL(request.url);
    this.requests.push(`${request.method} ${url.pathname}${url.search}`);
  }

  private cached(key: string, ms: number, read: () => unknown) {
    const now = this.now();
    const hit = this.options.cache === false ? undefined : this.cache.get(key);
    const headers = { "cache-control": `private, max-age=${ms / 1000}` };
    if (hit && hit.until > now) return HttpResponse.json(hit.body as never, { headers });
    const body = envelope(read(), now, this.options.cache === false ? undefined : now + ms);
    if (this.options.cache !== false) this.cache.set(key, { until: now + ms, body });
    return HttpResponse.json(body, { headers });
  }

  private runJson(run: FakeRun, withOutput: boolean) {
    return {
      run_id: run.runId,
      // Go's zero time for a run that has not started.
      run_started_at: run.startedAt === null ? "0001-01-01T00:00:00Z" : new Date(run.startedAt).toISOString(),
      function_id: FUNCTION_UUID,
      function_version: 1,
      environment_id: ENV_UUID,
      event_id: run.eventId,
      status: run.status,
      ended_at: run.endedAt === null ? null : new Date(run.endedAt).toISOString(),
      ...(withOutput && run.output !== undefined && { output: run.output }),
    };
  }
}

function envelope(data: unknown, fetchedAt: number, cachedUntil?: number) {
  return {
    data,
    metadata: {
      fetched_at: new Date(fetchedAt).toISOString(),
      ...(cachedUntil !== undefined && { cached_until: new Date(cachedUntil).toISOString() }),
    },
  };
}

/** The server's error answer (publicerr.Error). */
function problem(status: number, message: string) {
  return HttpResponse.json({ error: message, data: null, status }, { status });
}
