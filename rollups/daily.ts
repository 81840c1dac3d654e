// What did one workflow's pairs show on one UTC day under one flag version? The rollup row, and how results fold into it.
import { DDSketch } from "@datadog/sketches-js";
import { addResult, type Evidence, emptyEvidence, type SideEvidence } from "../gates/evidence.ts";
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
  const side = (): SideRollup => ({ runs: 0, failed: 0, latency: "" });
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
  // atob/btoa rather than Buffer: rows are also folded inside Convex mutations, which have no Buffer.
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return DDSketch.fromProto(bytes);
}

function textOf(sketch: DDSketch): string {
  if (sketch.count === 0) return "";
  const bytes = sketch.toProto();
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

/** Returns a copy of `row` with the result counted (the row must be the result's, see rollupKeyOf). */
export function withResult(row: DailyRollup, result: StoredParityResult): DailyRollup {
  const next = structuredClone(row);
  next.verdicts[result.verdict] = (next.verdicts[result.verdict] ?? 0) + 1;
  const findings = result.findings as Finding[];
  if (findings.some((f) => f?.severity === "critical")) next.critical++;
  for (const f of findings) {
    if (f?.severity === "info" || typeof f?.category !== "string") continue;
    next.findings[f.category] = (next.findings[f.category] ?? 0) + 1;
  }
  const summary = result.summary as Summary;
  next.tokens.primary += summary.tokens?.primary?.total ?? 0;
  next.tokens.shadow += summary.tokens?.shadow?.total ?? 0;
  const primaryCost = summary.costUsd?.primary;
  const shadowCost = summary.costUsd?.shadow;
  if (primaryCost === null || shadowCost === null) next.cost.unpriced++;
  else {
    next.cost.primary += primaryCost ?? 0;
    next.cost.shadow += shadowCost ?? 0;
  }
  // Per-executor runs, failures and latency: the gates' own reading of a result, so both agree.
  const one = addResult(emptyEvidence(), result);
  for (const who of ["convex", "inngest"] as const) foldSide(next[who], one[who]);
  if (Array.isArray(summary.topPaths))
    addPaths(
      next.paths,
      summary.topPaths.filter((p): p is string => typeof p === "string"),
      1,
    );
  if (next.lastComparedAt === null || result.comparedAt > next.lastComparedAt)
    next.lastComparedAt = result.comparedAt;
  return next;
}

function foldSide(row: SideRollup, side: SideEvidence): void {
  row.runs += side.runs;
  row.failed += side.failed;
  if (side.latency.count === 0) return;
  const sketch = sketchOf(row.latency);
  sketch.merge(side.latency);
  row.latency = textOf(sketch);
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
    if (b[who].latency !== "") {
      const sketch = sketchOf(next[who].latency);
      sketch.merge(sketchOf(b[who].latency));
      next[who].latency = textOf(sketch);
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
      if (row[who].latency !== "") evidence[who].latency.merge(sketchOf(row[who].latency));
    }
    if (row.lastComparedAt !== null && (evidence.lastAt === null || row.lastComparedAt > evidence.lastAt))
      evidence.lastAt = row.lastComparedAt;
  }
  return evidence;
}
