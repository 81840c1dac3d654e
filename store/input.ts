// Is this what the store may keep? Input checks both adapters run first, failing with the field named.
import type { z } from "zod";
import { RunRecord } from "../executors/records.ts";
import {
  MAX_PAGE,
  type PairRole,
  type ResultQuery,
  ShadowPair,
  StoredParityResult,
  Verdict,
} from "./port.ts";

/** Bad input to the store: `field` names the culprit. */
export class StoreInputError extends Error {
  readonly code = "STORE_INPUT";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "StoreInputError";
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new StoreInputError([what, ...issue.path.map(String)].join("."), issue.message);
}

export const checkPair = (pair: unknown): ShadowPair => parse(ShadowPair, pair, "pair");
export const checkResult = (result: unknown): StoredParityResult =>
  parse(StoredParityResult, result, "result");
/** Returns the batch checked in full before anything is written; a bad one is named by its index. */
export function checkResults(results: readonly unknown[]): StoredParityResult[] {
  return results.map((r, i) => {
    const parsed = StoredParityResult.safeParse(r);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new StoreInputError([`results[${i}]`, ...issue.path.map(String)].join("."), issue.message);
  });
}

export const checkRecord = (record: unknown): RunRecord => parse(RunRecord, record, "record");

export function checkRole(role: unknown): PairRole {
  if (role !== "primary" && role !== "shadow") {
    throw new StoreInputError("role", `must be primary or shadow, got ${String(role)}`);
  }
  return role;
}

export function checkDay(day: unknown): string {
  if (
    typeof day !== "string" ||
    !/^\d{4}-\d{2}-\d{2}$/.test(day) ||
    Number.isNaN(Date.parse(`${day}T00:00:00Z`))
  ) {
    throw new StoreInputError("day", `must be a UTC day YYYY-MM-DD, got ${String(day)}`);
  }
  return day;
}

export function checkUsd(usd: unknown): number {
  if (typeof usd !== "number" || !Number.isFinite(usd) || usd < 0) {
    throw new StoreInputError("usd", `must be a finite amount ≥ 0, got ${String(usd)}`);
  }
  return usd;
}

export function checkSlotLimit(limit: unknown): number {
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 0) {
    throw new StoreInputError("limit", `must be an integer ≥ 0, got ${String(limit)}`);
  }
  return limit;
}

export function checkLeaseMs(leaseMs: unknown): number {
  if (typeof leaseMs !== "number" || !Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw new StoreInputError("leaseMs", `must be a positive number of milliseconds, got ${String(leaseMs)}`);
  }
  return leaseMs;
}

/** Returns the time as ISO-8601 (UTC), or throws StoreInputError naming the field. */
export function checkTime(field: string, time: unknown): string {
  const ms = typeof time === "string" ? Date.parse(time) : Number.NaN;
  if (Number.isNaN(ms)) throw new StoreInputError(field, "must be an ISO-8601 time");
  return new Date(ms).toISOString();
}

export function checkId(field: string, id: unknown): string {
  if (typeof id !== "string" || id === "") throw new StoreInputError(field, "must be a non-empty string");
  return id;
}

/** Returns the query with its limit defaulted and since normalised to ISO-8601. */
export function checkQuery(query: ResultQuery = {}): ResultQuery & { limit: number } {
  const limit = query.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new StoreInputError("limit", `must be an integer 1–${MAX_PAGE}, got ${String(limit)}`);
  }
  let since: string | undefined;
  if (query.since !== undefined) {
    const ms = Date.parse(query.since);
    if (Number.isNaN(ms)) throw new StoreInputError("since", `not an ISO-8601 time: ${query.since}`);
    since = new Date(ms).toISOString();
  }
  if (query.verdict !== undefined && !Verdict.safeParse(query.verdict).success) {
    throw new StoreInputError(
      "verdict",
      `must be one of ${Verdict.options.join(", ")}, got ${query.verdict}`,
    );
  }
  return { ...query, limit, since };
}

/** Yields every result of a paged query, one page in memory at a time. */
export async function* iteratePages(
  list: (query: ResultQuery) => Promise<{ results: StoredParityResult[]; nextCursor: string | null }>,
  query: Omit<ResultQuery, "limit" | "cursor">,
  pageSize: number,
): AsyncGenerator<StoredParityResult> {
  let cursor: string | null = null;
  do {
    const page = await list({ ...query, limit: pageSize, cursor });
    yield* page.results;
    cursor = page.nextCursor;
  } while (cursor !== null);
}
