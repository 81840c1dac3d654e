// Did a run do what its case expects? Checks a record against expect.json, and turns a record into new goldens.
import { isDeepStrictEqual } from "node:util";
import type { RunRecord, StepRecord } from "../executors/records.ts";
import { type Pattern, parsePattern, RuleCursor } from "../parity/paths.ts";
import { maskWallClock } from "../workflow/legacy/prompt.ts";
import type { ExpectedRequest, ExpectedStep, RunExpectation } from "./corpus.ts";
import { unclocked } from "./http-cassette.ts";
import type { SeenCall } from "./mock-http.ts";

/** What a run did: its record, the LLM calls the mock answered, and the workflow's profile. */
export interface Observed {
  record: RunRecord;
  calls: readonly SeenCall[];
  profile: "legacy" | "dag";
  /** True when the provider was a fault script (the goldens then keep each call's reply). */
  faults: boolean;
}

const IGNORED = "<ignored>";

function isRef(value: unknown): value is { $ref: string; bytes: number; sha256: string } {
  return (
    !!value &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    typeof (value as { $ref?: unknown }).$ref === "string" &&
    typeof (value as { sha256?: unknown }).sha256 === "string"
  );
}

/**
 * Returns a value as goldens keep it: a payload stored by reference as its size and hash (where it is stored
 * differs per executor), the legacy wall clock masked, and the ignored places replaced by "<ignored>".
 */
export function normalized(
  value: unknown,
  profile: "legacy" | "dag",
  rules: readonly Pattern[] = [],
): unknown {
  const walk = (v: unknown, cursor: RuleCursor | null): unknown => {
    if (cursor?.covered) return IGNORED;
    if (isRef(v)) return { bytes: v.bytes, sha256: v.sha256 };
    if (Array.isArray(v)) return v.map((x, i) => walk(x, cursor?.down(i) ?? null));
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, cursor?.down(k) ?? null)]));
    }
    return v;
  };
  const base = profile === "legacy" ? unclocked(value) : value;
  return walk(base, RuleCursor.start(rules));
}

function show(value: unknown, max = 120): string {
  const text = value === undefined ? "(absent)" : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Returns the first place two JSON values differ, as `$.a[0].b: expected …, got …`. */
export function firstDifference(expected: unknown, actual: unknown, at = "$"): string | null {
  if (isDeepStrictEqual(expected, actual)) return null;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) {
      return `${at}: expected ${expected.length} items, got ${actual.length}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const d = firstDifference(expected[i], actual[i], `${at}[${i}]`);
      if (d) return d;
    }
  }
  const isObj = (v: unknown) => !!v && typeof v === "object" && !Array.isArray(v);
  if (isObj(expected) && isObj(actual)) {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const k of [...new Set([...Object.keys(e), ...Object.keys(a)])].sort()) {
      const d = firstDifference(e[k], a[k], `${at}.${k}`);
      if (d) return d;
    }
  }
  return `${at}: expected ${show(expected)}, got ${show(actual)}`;
}

const isItem = (s: StepRecord) => /-map-\d+$/.test(s.name);

/** Returns the latest record of the step a key names: a step name, or a node id (its own step, not its map items). */
export function stepFor(steps: readonly StepRecord[], key: string): StepRecord | undefined {
  const byName = steps.filter((s) => s.name === key);
  if (byName.length) return byName.at(-1);
  return steps.filter((s) => s.nodeId === key && !isItem(s)).at(-1);
}

/** The key goldens use for a step: its node id, or its name for a map item. */
export function stepKey(step: StepRecord): string {
  return isItem(step) ? step.name : step.nodeId;
}

function costText(x: number | null): string {
  return x === null ? "unknown (an unpriced model)" : `$${x}`;
}

/** Returns every way the run falls short of the expectation, one line each; empty when it meets it. */
export function checkRun(observed: Observed, expect: RunExpectation): string[] {
  const { record, calls, profile } = observed;
  const reasons: string[] = [];
  const rules = (expect.ignorePaths ?? []).map(parsePattern);
  const norm = (v: unknown) => normalized(v, profile, rules);
  if (expect.status !== undefined && record.status !== expect.status) {
    const why = record.error ? ` (${record.error.code}: ${record.error.message})` : "";
    reasons.push(`status: expected ${expect.status}, got ${record.status}${why}`);
  }
  if (expect.errorCode !== undefined && record.error?.code !== expect.errorCode) {
    reasons.push(`errorCode: expected ${expect.errorCode}, got ${record.error?.code ?? "none"}`);
  }
  if (expect.output !== undefined) {
    const d = firstDifference(norm(expect.output), norm(record.output));
    if (d) reasons.push(`output differs at ${d}`);
  }
  for (const [key, want] of Object.entries(expect.steps ?? {})) {
    const step = stepFor(record.steps, key);
    if (!step) {
      reasons.push(`step ${key}: not in the record (steps: ${record.steps.map((s) => s.name).join(", ")})`);
      continue;
    }
    reasons.push(...checkStep(key, step, want, norm));
  }
  if (expect.requests !== undefined) {
    const masked = (list: readonly { endpoint: string; model?: string; prompt?: string }[]) =>
      list.map((c) => ({ ...c, prompt: c.prompt === undefined ? undefined : promptText(c.prompt, profile) }));
    reasons.push(
      ...checkRequests(
        orderedCalls(masked(expect.requests)) as ExpectedRequest[],
        orderedCalls(masked(calls)) as SeenCall[],
        profile,
      ),
    );
  }
  if (expect.maxCostUsd !== undefined && (record.costUsd === null || record.costUsd > expect.maxCostUsd)) {
    reasons.push(`cost ${costText(record.costUsd)} is over maxCostUsd $${expect.maxCostUsd}`);
  }
  if (expect.maxTokens !== undefined && record.tokens.total > expect.maxTokens) {
    reasons.push(`tokens ${record.tokens.total} are over maxTokens ${expect.maxTokens}`);
  }
  return reasons;
}

function checkStep(
  key: string,
  step: StepRecord,
  want: ExpectedStep,
  norm: (v: unknown) => unknown,
): string[] {
  const out: string[] = [];
  if (want.status !== undefined && step.status !== want.status) {
    const why = step.error ? ` (${step.error.code}: ${step.error.message})` : "";
    out.push(`step ${key}: status expected ${want.status}, got ${step.status}${why}`);
  }
  if (want.errorCode !== undefined && step.error?.code !== want.errorCode) {
    out.push(`step ${key}: errorCode expected ${want.errorCode}, got ${step.error?.code ?? "none"}`);
  }
  if (want.attempt !== undefined && step.attempt !== want.attempt) {
    out.push(`step ${key}: attempt expected ${want.attempt}, got ${step.attempt}`);
  }
  if (want.output !== undefined) {
    const d = firstDifference(norm(want.output), norm(step.output));
    if (d) out.push(`step ${key}: output differs at ${d}`);
  }
  return out;
}

/**
 * Returns the calls in a stable order: by endpoint, model and prompt, arrival order among equals. Calls made
 * in parallel (map items, fan-outs) arrive in any order; the attempts of one call keep theirs.
 */
export function orderedCalls<T extends { endpoint: string; model?: string; prompt?: string }>(
  calls: readonly T[],
): T[] {
  const key = (c: T) => `${c.endpoint}\u0000${c.model ?? ""}\u0000${c.prompt ?? ""}`;
  return calls
    .map((c, i) => ({ c, i, k: key(c) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
    .map((x) => x.c);
}

function promptText(prompt: string, profile: "legacy" | "dag"): string {
  return profile === "legacy" ? maskWallClock(prompt) : prompt;
}

function checkRequests(
  expected: readonly ExpectedRequest[],
  calls: readonly SeenCall[],
  profile: "legacy" | "dag",
): string[] {
  if (expected.length !== calls.length) {
    const seen = calls
      .map((c) => `${c.endpoint} ${c.model}${c.reply === "ok" ? "" : ` → ${c.reply}`}`)
      .join("; ");
    return [
      `requests: expected ${expected.length} LLM calls, got ${calls.length}${seen ? ` (${seen})` : ""}`,
    ];
  }
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i];
    const got = calls[i];
    const fields: [string, string | undefined, string][] = [
      ["endpoint", want.endpoint, got.endpoint],
      ["model", want.model, got.model],
      [
        "prompt",
        want.prompt === undefined ? undefined : promptText(want.prompt, profile),
        promptText(got.prompt, profile),
      ],
      ["reply", want.reply, got.reply],
    ];
    for (const [name, w, g] of fields) {
      if (w !== undefined && w !== g)
        return [`request ${i + 1}: ${name} expected ${show(w)}, got ${show(g)}`];
    }
  }
  return [];
}

/** Golden keys --update rewrites from a run (thresholds and ignorePaths are the author's and stay). */
export const GOLDEN_KEYS = ["status", "errorCode", "output", "steps", "requests"] as const;

/**
 * Returns the goldens of one run: status always, output when completed, errorCode when not, and steps and
 * requests when `wanted` asks for them (they are verbose: a case opts in with `"steps": {}`, `"requests": []`).
 */
export function goldensOf(
  observed: Observed,
  wanted: ReadonlySet<string>,
  ignorePaths: readonly string[] = [],
): RunExpectation {
  const { record, calls, profile } = observed;
  const rules = ignorePaths.map(parsePattern);
  const out: RunExpectation = { status: record.status };
  if (record.status === "completed") out.output = normalized(record.output, profile, rules);
  else if (record.error) out.errorCode = record.error.code;
  if (wanted.has("steps")) {
    const steps: Record<string, ExpectedStep> = {};
    for (const step of record.steps) {
      const s: ExpectedStep = { status: step.status };
      if (step.attempt > 1 || step.status === "failed") s.attempt = step.attempt;
      if (step.status === "completed") s.output = normalized(step.output, profile, rules);
      if (step.error) s.errorCode = step.error.code;
      steps[stepKey(step)] = s;
    }
    out.steps = steps;
  }
  if (wanted.has("requests")) {
    out.requests = orderedCalls(calls.map((c) => ({ ...c, prompt: promptText(c.prompt, profile) }))).map(
      (c) => ({
        endpoint: c.endpoint,
        model: c.model,
        prompt: promptText(c.prompt, profile),
        ...(observed.faults && { reply: c.reply }),
      }),
    );
  }
  return out;
}
