// What did one workflow's pairs show on one UTC day under one flag version? The rollup row, and how results fold into it.
import { DDSketch } from "@datadog/sketches-js";
import { type Evidence, emptyEvidence, hasCritical, readSides } from "../gates/evidence.ts";
import type { StoredParityResult, Verdict } from "../store/port.ts";

/** Paths kept per row; the rest fold into OTHER_PATHS. */
export const MAX_PATHS = 50;
export const OTHER_PATHS = "(other paths)";

export interface RollupKey {
  workspaceId: string;
  workflowId: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  flagVersion: number;
}

interface SideRollup {
  runs: number;
  failed: number;
  /** DDSketch of run durations (ms), protobuf base64; "" while empty. */
  latency: string;
  /**
   * Durations not yet in the sketch: encoding a sketch costs far more than storing a result, so values
   * wait here and go into it PENDING_LATENCIES at a time. Every reader adds them (sideSketch).
   */
  pending: number[];
}

/** One row: what the day's pairs of one workflow under one flag version showed. Plain JSON. */
export interface DailyRollup extends RollupKey {
  verdicts: Record<Verdict, number>;
  /** Pairs the router dropped (no capacity) and live shadows skipped over budget: no result, but not covered. */
  dropped: number;
  overBudget: number;
  /** Pairs with at least one critical finding. */
  critical: number;
  /** Counted (minor and worse) findings by category. */
  findings: Record<string, number>;
  tokens: { primary: number; shadow: number };
  /** Summed USD; unpriced pairs are counted apart (a sum over them would understate). */
  cost: { primary: number; shadow: number; unpriced: number };
  convex: SideRollup;
  inngest: SideRollup;
  /** Differing path → pairs it differed in. */
  paths: Record<string, number>;
  lastComparedAt: string | null;
}

const RELATIVE_ACCURACY = 0.01;
/** Durations a side keeps outside its sketch before they are folded in (bounds the row's size). */
export const PENDING_LATENCIES = 64;

/** Returns the row's key for a stored result: its workspace, workflow, UTC day and flag version. */
export function rollupKeyOf(
  result: Pick<StoredParityResult, "workspaceId" | "workflowId" | "comparedAt" | "flagVersion">,
): RollupKey {
  return {
    workspaceId: result.workspaceId,
    workflowId: result.workflowId,
    day: result.comparedAt.slice(0, 10),
    flagVersion: result.flagVersion,
  };
}

/** Returns a row with nothing counted. */
export function emptyRollup(key: RollupKey): DailyRollup {
  const side = (): SideRollup => ({ runs: 0, failed: 0, latency: "", pending: [] });
  return {
    ...key,
    verdicts: { match: 0, tolerated: 0, mismatch: 0, "shadow-timeout": 0 },
    dropped: 0,
    overBudget: 0,
    critical: 0,
    findings: {},
    tokens: { primary: 0, shadow: 0 },
    cost: { primary: 0, shadow: 0, unpriced: 0 },
    convex: side(),
    inngest: side(),
    paths: {},
    lastComparedAt: null,
  };
}

/** Returns the sketch a row keeps as text. */
export function sketchOf(text: string): DDSketch {
  if (text === "") return new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
  // Rows are also folded inside Convex mutations, whose runtime has atob/btoa but no Buffer.
  if (typeof Buffer !== "undefined") return DDSketch.fromProto(Buffer.from(text, "base64"));
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return DDSketch.fromProto(bytes);
}

/** Returns a side's durations as one sketch: the encoded ones and those still pending. */
export function sideSketch(side: SideRollup): DDSketch {
  const sketch = sketchOf(side.latency);
  for (const ms of side.pending ?? []) sketch.accept(ms);
  return sketch;
}

function textOf(sketch: DDSketch): string {
  if (sketch.count === 0) return "";
  const bytes = sketch.toProto();
  if (typeof Buffer !== "undefined") return Buffer.from(bytes).toString("base64");
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

interface Finding {
  severity?: unknown;
  category?: unknown;
  path?: unknown;
}

interface Summary {
  tokens?: { primary?: { total?: number }; shadow?: { total?: number } };
  costUsd?: { primary?: number | null; shadow?: number | null };
  topPaths?: unknown;
}

/**
 * Folds results into one row without decoding its sketches more than once: the store keeps a folder per
 * row it writes, so each result costs two sketch inserts and one encode, not a decode, merge and encode.
 */
export class RollupFolder {
  private readonly sketches: Partial<Record<"convex" | "inngest", DDSketch>> = {};

  /** `row` becomes the folder's own: pass a copy where the caller keeps using it. */
  constructor(private readonly row: DailyRollup) {}

  /** Counts the result (the row must be the result's, see rollupKeyOf). */
  add(result: StoredParityResult): this {
    const row = this.row;
    row.verdicts[result.verdict] = (row.verdicts[result.verdict] ?? 0) + 1;
    if (hasCritical(result)) row.critical++;
    for (const f of result.findings as Finding[]) {
      if (f?.severity === "info" || typeof f?.category !== "string") continue;
      row.findings[f.category] = (row.findings[f.category] ?? 0) + 1;
    }
    const summary = result.summary as Summary;
    row.tokens.primary += summary.tokens?.primary?.total ?? 0;
    row.tokens.shadow += summary.tokens?.shadow?.total ?? 0;
    const primaryCost = summary.costUsd?.primary;
    const shadowCost = summary.costUsd?.shadow;
    if (primaryCost === null || shadowCost === null) row.cost.unpriced++;
    else {
      row.cost.primary += primaryCost ?? 0;
      row.cost.shadow += shadowCost ?? 0;
    }
    // Per-executor runs, failures and latency read as the gates read them, so both agree.
    for (const side of readSides(result)) {
      const s = row[side.executor];
      s.runs++;
      if (side.failed) s.failed++;
      if (side.ms !== null) {
        s.pending.push(side.ms);
        if (s.pending.length >= PENDING_LATENCIES) {
          this.sketches[side.executor] ??= sketchOf(s.latency);
          const sketch = this.sketches[side.executor]!;
          for (const ms of s.pending) sketch.accept(ms);
          s.latency = textOf(sketch);
          s.pending = [];
        }
      }
    }
    if (Array.isArray(summary.topPaths))
      addPaths(
        row.paths,
        summary.topPaths.filter((p): p is string => typeof p === "string"),
        1,
      );
    if (row.lastComparedAt === null || result.comparedAt > row.lastComparedAt)
      row.lastComparedAt = result.comparedAt;
    return this;
  }

  /** Returns the row as kept; the folder stays usable for more results. */
  toRow(): DailyRollup {
    return this.row;
  }
}

/** Returns a copy of `row` with the result counted (the row must be the result's, see rollupKeyOf). */
export function withResult(row: DailyRollup, result: StoredParityResult): DailyRollup {
  return new RollupFolder(structuredClone(row)).add(result).toRow();
}

function addPaths(into: Record<string, number>, paths: readonly string[], times: number): void {
  for (const p of new Set(paths)) into[p] = (into[p] ?? 0) + times;
  const entries = Object.entries(into);
  if (entries.length <= MAX_PATHS) return;
  entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  let other = 0;
  for (const [path, n] of entries.slice(MAX_PATHS - 1)) {
    other += n;
    delete into[path];
  }
  into[OTHER_PATHS] = (into[OTHER_PATHS] ?? 0) + other;
}

/** Returns a copy of `row` with one more pair counted as dropped or over budget (no result was stored). */
export function withUncovered(row: DailyRollup, why: "dropped" | "over-budget"): DailyRollup {
  const next = structuredClone(row);
  if (why === "dropped") next.dropped++;
  else next.overBudget++;
  return next;
}

/** Returns the sum of two rows (of any keys: the key of `a` is kept). */
export function mergeRollups(a: DailyRollup, b: DailyRollup): DailyRollup {
  const next = structuredClone(a);
  for (const v of Object.keys(b.verdicts) as Verdict[])
    next.verdicts[v] = (next.verdicts[v] ?? 0) + b.verdicts[v];
  next.dropped += b.dropped;
  next.overBudget += b.overBudget;
  next.critical += b.critical;
  for (const [c, n] of Object.entries(b.findings)) next.findings[c] = (next.findings[c] ?? 0) + n;
  next.tokens.primary += b.tokens.primary;
  next.tokens.shadow += b.tokens.shadow;
  next.cost.primary += b.cost.primary;
  next.cost.shadow += b.cost.shadow;
  next.cost.unpriced += b.cost.unpriced;
  for (const who of ["convex", "inngest"] as const) {
    next[who].runs += b[who].runs;
    next[who].failed += b[who].failed;
    if (b[who].latency !== "" || b[who].pending.length > 0 || next[who].pending.length > 0) {
      const sketch = sideSketch(next[who]);
      sketch.merge(sideSketch(b[who]));
      next[who].latency = textOf(sketch);
      next[who].pending = [];
    }
  }
  for (const [p, n] of Object.entries(b.paths)) addPaths(next.paths, [p], n);
  if (b.lastComparedAt !== null && (next.lastComparedAt === null || b.lastComparedAt > next.lastComparedAt))
    next.lastComparedAt = b.lastComparedAt;
  return next;
}

/** Returns the gates' evidence of some rows: the same as adding each of their results one by one. */
export function evidenceOfRollups(rows: readonly DailyRollup[]): Evidence {
  const evidence = emptyEvidence();
  for (const row of rows) {
    const pairs = Object.values(row.verdicts).reduce((a, b) => a + b, 0);
    evidence.pairs += pairs;
    evidence.agreeing += row.verdicts.match + row.verdicts.tolerated;
    evidence.timeouts += row.verdicts["shadow-timeout"];
    evidence.critical += row.critical;
    for (const who of ["convex", "inngest"] as const) {
      evidence[who].runs += row[who].runs;
      evidence[who].failed += row[who].failed;
      if (row[who].latency !== "" || row[who].pending.length > 0)
        evidence[who].latency.merge(sideSketch(row[who]));
    }
    if (row.lastComparedAt !== null && (evidence.lastAt === null || row.lastComparedAt > evidence.lastAt))
      evidence.lastAt = row.lastComparedAt;
  }
  return evidence;
}
