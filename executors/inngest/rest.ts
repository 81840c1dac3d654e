// How do we read and cancel Inngest runs over REST v1 without hammering the API or crashing on odd answers?
import pLimit from "p-limit";
import { log } from "../../lib/log.ts";
import type { RunStatus } from "../records.ts";
import { isDevMode } from "./client.ts";

export const CLOUD_API_BASE = "https://api.inngest.com";
export const DEV_API_BASE = "http://localhost:8288";

/** A run as the REST API reports it, normalised. */
export interface InngestRun {
  runId: string;
  functionId: string | null;
  eventId: string | null;
  status: RunStatus;
  /** The status string the API sent, kept for logs when it was unknown. */
  rawStatus: string | null;
  startedAt: string | null;
  endedAt: string | null;
  output: unknown;
  /**
   * False when the server said `Unknown` (or a word this client does not know): the run is then treated
   * as still going, and waitFor gives up after a bounded number of such answers rather than spin.
   */
  statusKnown: boolean;
  /** Until when the server will answer this read from its cache (`metadata.cached_until`), when it said. */
  cachedUntil: string | null;
}

/**
 * One queue item of a run, as `GET /v1/runs/{id}/jobs` returns it: work Inngest has scheduled for the run
 * (the run's start, the next step edge, a sleep, …), not a step. It has no step name, status or output, the
 * server returns at most 10 and no cursor. The step timeline comes from the function's own step summary.
 */
export interface InngestQueueItem {
  jobId: string | null;
  /** The queue item's kind: `start`, `edge`, `sleep`, `pause`, `edge-error`, … */
  kind: string | null;
  /** 0-based attempt of the queued work. */
  attempt: number | null;
  /** When the item is due (ISO-8601). */
  at: string | null;
  /** Its position in the function's queue. */
  position: number | null;
}

/** One event as `GET /v1/events` lists it: Inngest's own id beside the id the sender gave it. */
export interface InngestEvent {
  /** Inngest's id (a ULID): what `/v1/events/{id}/runs` takes. */
  internalId: string;
  /** The id the sender set (`inferpipe-run-<workspace>:<runId>`), used by Inngest to de-duplicate. */
  id: string | null;
  name: string | null;
  receivedAt: string | null;
}

export interface RestOptions {
  /** Defaults from INNGEST_API_BASE / INNGEST_DEV (see resolveApiTarget). */
  baseUrl?: string;
  /** The Bearer credential: a signing key or an API key. */
  key?: string;
  timeoutMs?: number;
  /** Attempts after the first for 429, 5xx, timeouts and network errors. */
  maxRetries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Longest Retry-After we agree to wait; longer asks fail the call. */
  maxRetryAfterMs?: number;
  maxInFlight?: number;
  /** The least time between two polls of the same run (longer while the server says its answer is cached). */
  pollCooldownMs?: number;
  /** Events asked for per page of `GET /v1/events` (the server allows at most 51). */
  pageSize?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** A REST call that failed for good: status (when there was a response) and what went wrong. */
export class InngestApiError extends Error {
  readonly code = "INNGEST_API";
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "InngestApiError";
  }
}

/** Returns where the REST API lives and which key to present, from the environment. */
export function resolveApiTarget(env: NodeJS.ProcessEnv = process.env): { baseUrl: string; key?: string } {
  const dev = isDevMode(env);
  const baseUrl = (env.INNGEST_API_BASE || (dev ? DEV_API_BASE : CLOUD_API_BASE)).replace(/\/+$/, "");
  return { baseUrl, key: env.INNGEST_SIGNING_KEY || env.INNGEST_API_KEY || undefined };
}

/**
 * Every run status the server has (its `RunStatus` enum: Running, Completed, Failed, Cancelled, Overflowed,
 * Scheduled, Unknown, Skipped; see test/msw/inngest-server.ts for where), plus words older servers and the
 * docs use. Terminal on the server (`RunStatusEnded`: Completed, Failed, Cancelled, Overflowed, Skipped) is
 * terminal here: Overflowed (too many steps) fails; Skipped (the run never executed) is canceled. `Unknown`
 * is absent on purpose: it reads as running with `statusKnown: false`.
 */
export const RUN_STATUS: Readonly<Record<string, RunStatus>> = {
  scheduled: "queued",
  queued: "queued",
  pending: "queued",
  running: "running",
  paused: "running",
  waiting: "running",
  sleeping: "running",
  completed: "completed",
  complete: "completed",
  succeeded: "completed",
  failed: "failed",
  errored: "failed",
  overflowed: "failed",
  cancelled: "canceled",
  canceled: "canceled",
  skipped: "canceled",
};

export class InngestRestClient {
  readonly baseUrl: string;
  /** Every HTTP request sent, retries included (the bench counts them). */
  requests = 0;
  private readonly key?: string;
  private readonly o: Required<Omit<RestOptions, "baseUrl" | "key">>;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly lastPoll = new Map<string, number>();
  private readonly logger = log("inngest-rest");

  constructor(options: RestOptions = {}) {
    const target = resolveApiTarget();
    this.baseUrl = (options.baseUrl ?? target.baseUrl).replace(/\/+$/, "");
    this.key = options.key ?? target.key;
    this.o = {
      timeoutMs: options.timeoutMs ?? 10_000,
      maxRetries: options.maxRetries ?? 4,
      baseDelayMs: options.baseDelayMs ?? 250,
      maxDelayMs: options.maxDelayMs ?? 10_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      maxInFlight: options.maxInFlight ?? 4,
      pollCooldownMs: options.pollCooldownMs ?? 1_000,
      pageSize: options.pageSize ?? 50,
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      random: options.random ?? Math.random,
      now: options.now ?? Date.now,
    };
    this.limit = pLimit(this.o.maxInFlight);
  }

  /**
   * Returns the run, or null when the API does not know it. Cloud answers 404 for an unknown run; the
   * open-source and dev servers answer 500 ("Unable to load function run"), so such a 500 is asked once more
   * and, answered alike, read as not found rather than retried like an outage.
   */
  async getRun(runId: string, signal?: AbortSignal): Promise<InngestRun | null> {
    const body = await this.request("GET", `/v1/runs/${encodeURIComponent(runId)}`, {
      signal,
      allow404: true,
      unknownRunOn500: true,
    });
    if (body === NOT_FOUND) return null;
    return parseRun(dataOf(body, `run ${runId}`), `run ${runId}`, (m) => this.warn(m), cachedUntil(body));
  }

  /**
   * Returns the run after waiting out the per-run cool-down since its previous poll, and at least until the
   * server's cached answer (3 s for a run) has expired: an earlier poll would only read the same answer.
   */
  async pollRun(runId: string, signal?: AbortSignal): Promise<InngestRun | null> {
    const notBefore = this.lastPoll.get(runId);
    if (notBefore !== undefined) {
      const wait = notBefore - this.o.now();
      if (wait > 0) await this.o.sleep(wait);
    }
    const run = await this.getRun(runId, signal);
    const now = this.o.now();
    const cached = run?.cachedUntil ? Date.parse(run.cachedUntil) : Number.NaN;
    this.lastPoll.set(runId, Math.max(now + this.o.pollCooldownMs, Number.isNaN(cached) ? 0 : cached));
    return run;
  }

  /** Forgets a run's poll time (call once the run is terminal). */
  forget(runId: string): void {
    this.lastPoll.delete(runId);
  }

  /**
   * Returns the run's queue items (at most 10, no cursor: the server reads one page). They say what is
   * scheduled next, not which steps ran; an unknown run (500 on the open-source server) has none.
   */
  async listRunJobs(runId: string, signal?: AbortSignal): Promise<InngestQueueItem[]> {
    const what = `jobs of run ${runId}`;
    const body = await this.request("GET", `/v1/runs/${encodeURIComponent(runId)}/jobs`, {
      signal,
      allow404: true,
      unknownRunOn500: true,
    });
    if (body === NOT_FOUND) return [];
    const items = dataOf(body, what);
    if (items === null) return [];
    if (!Array.isArray(items)) throw malformed(what, "`data` is not an array");
    return items.map((item) => parseQueueItem(item, what));
  }

  /** Returns the runs an event started (an empty list while none has started yet; cached 15 s by the server). */
  async listEventRuns(eventId: string, signal?: AbortSignal): Promise<InngestRun[]> {
    const what = `runs of event ${eventId}`;
    const body = await this.request("GET", `/v1/events/${encodeURIComponent(eventId)}/runs`, { signal });
    const items = dataOf(body, what);
    if (items === null) return [];
    if (!Array.isArray(items)) throw malformed(what, "`data` is not an array");
    const until = cachedUntil(body);
    return items.map((item) => parseRun(item, what, (m) => this.warn(m), until));
  }

  /**
   * Returns the events named `name` received after `receivedAfter` whose sender-given id is `id`, newest
   * first, paging back (the server pages by the last event's internal id) at most `maxPages` pages. This is
   * how a run is found by its deterministic event id when `send` handed back another internal id (a
   * re-submit after a lost answer: Inngest de-duplicates the event, so the new id started no run).
   */
  async findEvents(
    query: { name: string; id: string; receivedAfter: string; receivedBefore?: string; maxPages?: number },
    signal?: AbortSignal,
  ): Promise<InngestEvent[]> {
    const found: InngestEvent[] = [];
    let cursor: string | null = null;
    const pageSize = Math.min(51, Math.max(1, this.o.pageSize));
    for (let page = 0; page < (query.maxPages ?? 20); page++) {
      const params = new URLSearchParams({
        name: query.name,
        received_after: query.receivedAfter,
        limit: String(pageSize),
      });
      if (query.receivedBefore) params.set("received_before", query.receivedBefore);
      if (cursor) params.set("cursor", cursor);
      const what = `events named ${query.name}`;
      const body = await this.request("GET", `/v1/events?${params}`, { signal });
      const items = dataOf(body, what);
      if (items === null) return found;
      if (!Array.isArray(items)) throw malformed(what, "`data` is not an array");
      const events = items.map((item) => parseEvent(item, what));
      for (const e of events) if (e.id === query.id) found.push(e);
      const last = events.at(-1)?.internalId ?? null;
      if (events.length < pageSize || !last || last === cursor) return found;
      cursor = last;
    }
    return found;
  }

  /** Cancels the run; returns false when the API does not know it. */
  async cancelRun(runId: string, signal?: AbortSignal): Promise<boolean> {
    const body = await this.request("DELETE", `/v1/runs/${encodeURIComponent(runId)}`, {
      signal,
      allow404: true,
      allowEmpty: true,
      unknownRunOn500: true,
    });
    return body !== NOT_FOUND;
  }

  private warn(message: string): void {
    this.logger.warn(message);
  }

  private async request(
    method: string,
    path: string,
    opts: { signal?: AbortSignal; allow404?: boolean; allowEmpty?: boolean; unknownRunOn500?: boolean },
  ): Promise<unknown> {
    const what = `${method} ${path.split("?")[0]}`;
    let unknownRunAnswers = 0;
    for (let attempt = 0; ; attempt++) {
      let retryAfterMs: number | null = null;
      let failure: InngestApiError;
      try {
        const res = await this.limit(() => this.send(method, path, opts.signal));
        if (res.ok) return parseBody(res.text, what, opts.allowEmpty ?? false);
        if (res.status === 404 && opts.allow404) return NOT_FOUND;
        if (res.status === 500 && opts.unknownRunOn500 && UNKNOWN_RUN_500.test(res.text)) {
          // Checked once: a second identical answer means the server does not know the run.
          if (++unknownRunAnswers >= 2) return NOT_FOUND;
          continue;
        }
        const retryable = res.status === 429 || res.status === 408 || res.status >= 500;
        failure = new InngestApiError(
          `${what} answered ${res.status}${snippet(res.text)}`,
          res.status,
          retryable,
        );
        if (res.status === 429) retryAfterMs = parseRetryAfter(res.retryAfter, this.o.now());
      } catch (err) {
        if (err instanceof InngestApiError) throw err;
        if (opts.signal?.aborted) throw err;
        const timedOut = (err as Error)?.name === "TimeoutError";
        failure = new InngestApiError(
          `${what} ${timedOut ? `timed out after ${this.o.timeoutMs} ms` : `failed: ${(err as Error)?.message ?? err}`}`,
          null,
          true,
        );
      }
      if (!failure.retryable || attempt >= this.o.maxRetries) throw failure;
      if (retryAfterMs !== null && retryAfterMs > this.o.maxRetryAfterMs) {
        throw new InngestApiError(
          `${failure.message}; Retry-After ${retryAfterMs} ms exceeds the limit`,
          429,
          true,
        );
      }
      const backoff = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** attempt);
      // Equal jitter: half the backoff fixed, half random, so clients that failed together spread out.
      const delay = Math.max(retryAfterMs ?? 0, backoff / 2 + this.o.random() * (backoff / 2));
      this.logger.debug({ what, attempt: attempt + 1, delay }, "retrying Inngest API call");
      await this.o.sleep(delay);
    }
  }

  private async send(method: string, path: string, signal?: AbortSignal) {
    this.requests++;
    const timeout = AbortSignal.timeout(this.o.timeoutMs);
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    const res = await globalThis.fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    return {
      ok: res.ok,
      status: res.status,
      retryAfter: res.headers.get("retry-after"),
      text: await res.text(),
    };
  }
}

const NOT_FOUND = Symbol("not found");

/**
 * How the open-source and dev servers answer a read of a run they do not know: a 500 whose public message
 * is "Unable to load function run: <id>" (the run reader's not-found error, wrapped as a 500).
 */
const UNKNOWN_RUN_500 = /unable to load function run/i;

function parseBody(text: string, what: string, allowEmpty: boolean): unknown {
  if (text.trim() === "") {
    if (allowEmpty) return {};
    throw malformed(what, "empty body");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw malformed(what, `not JSON${snippet(text)}`);
  }
}

function malformed(what: string, why: string): InngestApiError {
  return new InngestApiError(`malformed Inngest API response for ${what}: ${why}`, null, false);
}

function snippet(text: string): string {
  const t = text.trim().replace(/\s+/g, " ");
  return t ? ` (${t.length > 120 ? `${t.slice(0, 120)}…` : t})` : "";
}

function dataOf(body: unknown, what: string): unknown {
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw malformed(what, "expected a JSON object");
  if (!("data" in body)) throw malformed(what, "no `data` field");
  return (body as { data: unknown }).data;
}

/** Returns Retry-After in milliseconds (delta-seconds or an HTTP date), or null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Reads a field by its snake_case or camelCase name. */
function field(obj: Record<string, unknown>, snake: string): unknown {
  if (snake in obj) return obj[snake];
  const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return obj[camel];
}

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : null;
}

/** Returns an ISO-8601 time for an API timestamp (ISO string or epoch ms), or null. */
function time(v: unknown): string | null {
  if (typeof v === "number" && Number.isFinite(v) && v > 0) return new Date(v).toISOString();
  if (typeof v !== "string" || v === "" || v.startsWith("0001-01-01")) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function asObject(item: unknown, what: string): Record<string, unknown> {
  if (!item || typeof item !== "object" || Array.isArray(item))
    throw malformed(what, "an entry is not an object");
  return item as Record<string, unknown>;
}

/** Returns `metadata.cached_until` of a v1 response (the server caches reads of runs 3 s, event runs 15 s). */
function cachedUntil(body: unknown): string | null {
  const meta = (body as { metadata?: unknown }).metadata;
  if (!meta || typeof meta !== "object") return null;
  return time(field(meta as Record<string, unknown>, "cached_until"));
}

/**
 * Returns the normalised run. A status this client does not know is logged and read as running with
 * `statusKnown: false`, as is the server's own `Unknown`, so nobody stops waiting on a guess and waitFor
 * can still bound how long it keeps asking.
 */
export function parseRun(
  item: unknown,
  what: string,
  warn: (m: string) => void,
  cached: string | null = null,
): InngestRun {
  const o = asObject(item, what);
  const runId = str(field(o, "run_id")) ?? str(o.id);
  if (!runId) throw malformed(what, "a run has no run_id");
  const rawStatus = str(o.status);
  const key = (rawStatus ?? "").toLowerCase().replace(/[^a-z]/g, "");
  const known = Object.hasOwn(RUN_STATUS, key) ? RUN_STATUS[key] : undefined;
  if (!known && key !== "unknown") {
    warn(`unknown Inngest status ${JSON.stringify(rawStatus)} for run ${runId}; treating it as "running"`);
  }
  return {
    runId,
    functionId: str(field(o, "function_id")),
    eventId: str(field(o, "event_id")),
    status: known ?? "running",
    rawStatus,
    startedAt: time(field(o, "run_started_at")) ?? time(field(o, "started_at")),
    endedAt: time(field(o, "ended_at")),
    output: o.output ?? null,
    statusKnown: known !== undefined,
    cachedUntil: cached,
  };
}

/** Returns one queue item of `/v1/runs/{id}/jobs` (the server's field names: `JobID`, `at`, `kind`, `attempt`, `position`). */
export function parseQueueItem(item: unknown, what: string): InngestQueueItem {
  const o = asObject(item, what);
  const raw = (o.Raw ?? o.raw ?? {}) as Record<string, unknown>;
  const data = (raw && typeof raw === "object" ? raw.data : undefined) as Record<string, unknown> | undefined;
  const attempt = o.attempt ?? data?.atts;
  const position = o.position;
  return {
    jobId: str(o.JobID) ?? str(field(o, "job_id")) ?? str(raw.id),
    kind: str(o.kind) ?? str(data?.kind),
    attempt: typeof attempt === "number" && Number.isInteger(attempt) ? attempt : null,
    at: time(o.at) ?? time(raw.at),
    position: typeof position === "number" && Number.isFinite(position) ? position : null,
  };
}

/** Returns one event of `GET /v1/events` (`internal_id` is Inngest's, `id` the sender's). */
export function parseEvent(item: unknown, what: string): InngestEvent {
  const o = asObject(item, what);
  const internalId = str(field(o, "internal_id"));
  if (!internalId) throw malformed(what, "an event has no internal_id");
  return {
    internalId,
    id: str(o.id),
    name: str(o.name),
    receivedAt: time(field(o, "received_at")),
  };
}
