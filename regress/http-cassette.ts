// What did the OpenAI HTTP API answer when a case was recorded? HTTP-level cassettes: format, keys, lookup, nearest miss.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { canonicalJson } from "../lib/canonical.ts";
import { redact, redactString } from "../lib/redact.ts";
import { maskWallClock } from "../workflow/legacy/prompt.ts";

const Exchange = z.object({
  request: z.object({ method: z.string(), path: z.string(), body: z.unknown() }),
  response: z.object({ status: z.number().int(), body: z.unknown() }),
});
export type HttpExchange = z.infer<typeof Exchange>;

/** `{ version: 1, kind: "http", entries: [{ request: { method, path, body }, response: { status, body } }] }`. */
export const HttpCassette = z.object({
  version: z.literal(1),
  kind: z.literal("http"),
  entries: z.array(Exchange),
});
export type HttpCassette = z.infer<typeof HttpCassette>;

/** Returns a value with the legacy wall clock masked everywhere: a `timestamp` number and the digits inside prompts. */
export function unclocked(value: unknown): unknown {
  if (typeof value === "string") return maskWallClock(value);
  if (Array.isArray(value)) return value.map(unclocked);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === "timestamp" && typeof v === "number" ? "#" : unclocked(v),
      ]),
    );
  }
  return value;
}

/**
 * Returns the text a request is keyed by: method, path and the body's canonical JSON with the wall clock
 * masked and secrets redacted (as the cassette keeps it). Equal questions give equal keys.
 */
export function requestKeyText(method: string, path: string, body: unknown): string {
  return `${method.toUpperCase()} ${path} ${canonicalJson(redact(unclocked(body ?? null)))}`;
}

/** Returns the cassette at `file`; throws an Error naming the file when it is not an HTTP cassette. */
export function readHttpCassette(file: string): HttpCassette {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`cassette ${file} is unusable: ${(err as Error).message.split("\n")[0]}`);
  }
  const parsed = HttpCassette.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `cassette ${file} is not an HTTP cassette (${issue.path.join(".") || "root"}: ${issue.message})`,
    );
  }
  return parsed.data;
}

/** Returns an exchange as a cassette keeps it: request and response bodies redacted, no headers at all. */
export function redactedExchange(exchange: HttpExchange): HttpExchange {
  return {
    request: { ...exchange.request, body: redact(exchange.request.body) },
    response: { ...exchange.response, body: redact(exchange.response.body) },
  };
}

function leaves(value: unknown, path: string, out: Map<string, string>): Map<string, string> {
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value))
      leaves(v, Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`, out);
  } else out.set(path, JSON.stringify(value));
  return out;
}

function excerpt(text: string, max = 160): string {
  const flat = redactString(text).replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Returns the first place two bodies differ and both values there, in one line. */
function firstDifference(asked: unknown, recorded: unknown): { count: number; text: string } {
  const a = leaves(unclocked(asked), "$", new Map());
  const r = leaves(unclocked(recorded), "$", new Map());
  const keys = [...new Set([...a.keys(), ...r.keys()])];
  const differing = keys.filter((k) => a.get(k) !== r.get(k));
  if (differing.length === 0) return { count: 0, text: "identical bodies" };
  const k = differing[0];
  return {
    count: differing.length,
    text: `${differing.length} place${differing.length === 1 ? "" : "s"} differ, first ${k}: asked ${excerpt(a.get(k) ?? "(absent)")}, recorded ${excerpt(r.get(k) ?? "(absent)")}`,
  };
}

/**
 * Returns the loud miss message: the request asked and the nearest recorded one (same method and path
 * first, then fewest differing places), with where they differ.
 */
export function missMessage(
  cassetteFile: string,
  asked: { method: string; path: string; body: unknown },
  entries: readonly HttpExchange[],
): string {
  const askedText = `${asked.method} ${asked.path} ${excerpt(canonicalJson(unclocked(asked.body ?? null)))}`;
  if (entries.length === 0)
    return `cassette miss in ${cassetteFile}: asked ${askedText}; the cassette is empty`;
  let best: { entry: HttpExchange; score: number; diff: { count: number; text: string } } | undefined;
  for (const entry of entries) {
    const diff = firstDifference(asked.body, entry.request.body);
    const samePlace = entry.request.method === asked.method && entry.request.path === asked.path;
    const score = (samePlace ? 0 : 1_000_000) + diff.count;
    if (!best || score < best.score) best = { entry, score, diff };
  }
  const near = best!.entry.request;
  return (
    `cassette miss in ${cassetteFile}: asked ${askedText}; nearest recorded ${near.method} ${near.path} ` +
    `${excerpt(canonicalJson(unclocked(near.body ?? null)))} (${best!.diff.text})`
  );
}

/** Answers requests from a cassette: the k-th identical request gets the k-th recorded answer (the last repeats). */
export class CassetteAnswers {
  private readonly byKey = new Map<string, HttpExchange[]>();
  private readonly used = new Map<string, number>();

  constructor(
    readonly file: string,
    readonly cassette: HttpCassette,
  ) {
    for (const entry of cassette.entries) {
      const key = requestKeyText(entry.request.method, entry.request.path, entry.request.body);
      const list = this.byKey.get(key) ?? [];
      list.push(entry);
      this.byKey.set(key, list);
    }
  }

  /** Returns the recorded answer, or the miss message naming the asked and the nearest recorded request. */
  answer(
    method: string,
    path: string,
    body: unknown,
  ): { ok: true; exchange: HttpExchange } | { ok: false; miss: string } {
    const key = requestKeyText(method, path, body);
    const list = this.byKey.get(key);
    if (!list)
      return { ok: false, miss: missMessage(this.file, { method, path, body }, this.cassette.entries) };
    const k = this.used.get(key) ?? 0;
    this.used.set(key, k + 1);
    return { ok: true, exchange: list[Math.min(k, list.length - 1)] };
  }
}
