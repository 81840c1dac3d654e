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
}

export type JobStatus = "completed" | "failed" | "running" | "canceled";

/** One step job of a run, normalised. */
export interface InngestJob {
  id: string | null;
  name: string;
  status: JobStatus;
  rawStatus: string | null;
  attempt: number | null;
  startedAt: string | null;
  endedAt: string | null;
  output: unknown;
  error: unknown;
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
  /** The least time between two polls of the same run. */
  pollCooldownMs?: number;
  /** Jobs asked for per page. */
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

const RUN_STATUS: Record<string, RunStatus> = {
  queued: "queued",
  scheduled: "queued",
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
  cancelled: "canceled",
  canceled: "canceled",
  overflowed: "failed",
};

const JOB_STATUS: Record<string, JobStatus> = {
  completed: "completed",
  complete: "completed",
  succeeded: "completed",
  failed: "failed",
  errored: "failed",
  running: "running",
  queued: "running",
  scheduled: "running",
  pending: "running",
  waiting: "running",
  sleeping: "running",
  cancelled: "canceled",
  canceled: "canceled",
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

  /** Returns the run, or null when the API does not know it (404). */
  async getRun(runId: string, signal?: AbortSignal): Promise<InngestRun | null> {
    const body = await this.request("GET", `/v1/runs/${encodeURIComponent(runId)}`, {
      signal,
      allow404: true,
    });
    if (body === NOT_FOUND) return null;
    return parseRun(dataOf(body, `run ${runId}`), `run ${runId}`, (m) => this.warn(m));
  }

  /** Returns the run after waiting out the per-run cool-down since its previous poll. */
  async pollRun(runId: string, signal?: AbortSignal): Promise<InngestRun | null> {
    const last = this.lastPoll.get(runId);
    if (last !== undefined) {
      const wait = last + this.o.pollCooldownMs - this.o.now();
      if (wait > 0) await this.o.sleep(wait);
    }
    this.lastPoll.set(runId, this.o.now());
    return this.getRun(runId, signal);
  }

  /** Forgets a run's poll time (call once the run is terminal). */
  forget(runId: string): void {
    this.lastPoll.delete(runId);
  }

  /** Returns every step job of the run, following pagination to the end. */
  async listRunJobs(runId: string, signal?: AbortSignal): Promise<InngestJob[]> {
    const jobs: InngestJob[] = [];
    const seen = new Set<string>();
    let cursor: string | null = null;
    for (let page = 0; page < 1_000; page++) {
      const query = new URLSearchParams({ limit: String(this.o.pageSize) });
      if (cursor) query.set("cursor", cursor);
      const what = `jobs of run ${runId}`;
      const body = await this.request("GET", `/v1/runs/${encodeURIComponent(runId)}/jobs?${query}`, {
        signal,
      });
      const items = dataOf(body, what);
      if (!Array.isArray(items)) throw malformed(what, "`data` is not an array");
      for (const item of items) jobs.push(parseJob(item, what, (m) => this.warn(m)));
      const next = nextCursor(body);
      // A server that ignores the cursor would hand the same page back forever.
      if (!next || seen.has(next) || items.length === 0) return jobs;
      seen.add(next);
      cursor = next;
    }
    return jobs;
  }

  /** Returns the runs an event started (an empty list while none has started yet). */
  async listEventRuns(eventId: string, signal?: AbortSignal): Promise<InngestRun[]> {
    const what = `runs of event ${eventId}`;
    const body = await this.request("GET", `/v1/events/${encodeURIComponent(eventId)}/runs`, { signal });
    const items = dataOf(body, what);
    if (!Array.isArray(items)) throw malformed(what, "`data` is not an array");
    return items.map((item) => parseRun(item, what, (m) => this.warn(m)));
  }

  /** Cancels the run; returns false when the API does not know it. */
  async cancelRun(runId: string, signal?: AbortSignal): Promise<boolean> {
    const body = await this.request("DELETE", `/v1/runs/${encodeURIComponent(runId)}`, {
      signal,
      allow404: true,
      allowEmpty: true,
    });
    return body !== NOT_FOUND;
  }

  private warn(message: string): void {
    this.logger.warn(message);
  }

  private async request(
    method: string,
    path: string,
    opts: { signal?: AbortSignal; allow404?: boolean; allowEmpty?: boolean },
  ): Promise<unknown> {
    const what = `${method} ${path.split("?")[0]}`;
    for (let attempt = 0; ; attempt++) {
      let retryAfterMs: number | null = null;
      let failure: InngestApiError;
      try {
        const res = await this.limit(() => this.send(method, path, opts.signal));
        if (res.ok) return parseBody(res.text, what, opts.allowEmpty ?? false);
        if (res.status === 404 && opts.allow404) return NOT_FOUND;
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

function mapStatus<T extends string>(
  raw: string | null,
  table: Record<string, T>,
  fallback: T,
  what: string,
  warn: (m: string) => void,
): T {
  const key = (raw ?? "").toLowerCase().replace(/[^a-z]/g, "");
  const known = table[key];
  if (known) return known;
  warn(`unknown Inngest status ${JSON.stringify(raw)} for ${what}; treating it as "${fallback}"`);
  return fallback;
}

/** Returns the normalised run; unknown statuses count as "running" so nobody stops waiting on a guess. */
export function parseRun(item: unknown, what: string, warn: (m: string) => void): InngestRun {
  const o = asObject(item, what);
  const runId = str(field(o, "run_id")) ?? str(o.id);
  if (!runId) throw malformed(what, "a run has no run_id");
  const rawStatus = str(o.status);
  return {
    runId,
    functionId: str(field(o, "function_id")),
    eventId: str(field(o, "event_id")),
    status: mapStatus(rawStatus, RUN_STATUS, "running", `run ${runId}`, warn),
    rawStatus,
    startedAt: time(field(o, "run_started_at")) ?? time(field(o, "started_at")),
    endedAt: time(field(o, "ended_at")),
    output: o.output ?? null,
  };
}

/** Returns the normalised job; unknown statuses count as "running". */
export function parseJob(item: unknown, what: string, warn: (m: string) => void): InngestJob {
  const o = asObject(item, what);
  const name = str(o.name) ?? str(field(o, "step_name")) ?? str(field(o, "display_name"));
  if (!name) throw malformed(what, "a job has no name");
  const rawStatus = str(o.status);
  const attempt = field(o, "attempt") ?? field(o, "attempts");
  return {
    id: str(o.id) ?? str(field(o, "step_id")),
    name,
    status: mapStatus(rawStatus, JOB_STATUS, "running", `job ${name}`, warn),
    rawStatus,
    attempt: typeof attempt === "number" && Number.isInteger(attempt) ? attempt : null,
    startedAt: time(field(o, "started_at")) ?? time(field(o, "run_started_at")),
    endedAt: time(field(o, "ended_at")) ?? time(field(o, "finished_at")),
    output: o.output ?? null,
    error: o.error ?? null,
  };
}

/** Returns the next page's cursor from the shapes servers have been seen to use, or null on the last page. */
function nextCursor(body: unknown): string | null {
  const o = body as Record<string, unknown>;
  const meta = (o.metadata ?? o.page ?? o.pagination ?? {}) as Record<string, unknown>;
  const hasMore = field(o, "has_more") ?? field(meta, "has_more");
  if (hasMore === false) return null;
  return str(field(o, "next_cursor")) ?? str(field(meta, "next_cursor")) ?? str(o.cursor) ?? str(meta.cursor);
}
