// What does a report say, built from the store? ReportData for every workflow with results in the window (or a flag).
// Figures come from the daily rollups (rollups/daily.ts); raw results are read only for example pairs.
import { DDSketch } from "@datadog/sketches-js";
import type { RunRecord } from "../executors/records.ts";
import type { FlagDoc } from "../flags/flag.ts";
import { isGated, nextStage } from "../flags/promotion.ts";
import { DEFAULT_WORKSPACE } from "../flags/route.ts";
import type { Stage } from "../flags/stage.ts";
import { type GateConfig, gatesOf } from "../gates/config.ts";
import { evaluateGates } from "../gates/evaluate.ts";
import { evidenceFor, gateContextFor } from "../gates/from-store.ts";
import { type DailyRollup, mergeRollups, sideSketch } from "../rollups/daily.ts";
import { type ControlStore, type StoredParityResult, utcDay, type Verdict } from "../store/port.ts";
import type {
  ReportData,
  ReportFinding,
  SideLatency,
  TimelineStep,
  WorkflowReportData,
} from "./report-data.ts";

export interface BuildOptions {
  /** Only results compared at or after this ISO-8601 time; absent: all history. */
  since?: string;
  workflowId?: string;
  workspaceId?: string;
  now?: Date;
}

/**
 * Returns the stage a flag sets for one workspace: its override, else the document's own stage for workspace
 * `default`; null when the flag says nothing for that workspace (Convex only), as flags/route.ts routes it.
 */
export function stageFor(flag: FlagDoc | null, workspaceId: string): Stage | null {
  if (!flag) return null;
  if (Object.hasOwn(flag.workspaceOverrides, workspaceId)) return flag.workspaceOverrides[workspaceId].stage;
  return workspaceId === DEFAULT_WORKSPACE ? flag.stage : null;
}
/** How many paths a workflow lists, and how many findings its example shows. */
const TOP_PATHS = 5;
const EXAMPLE_FINDINGS = 20;
/** Latency histogram bucket upper bounds in ms (1-2-5 steps to an hour); longer runs count in the last. */
const BUCKETS_MS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000,
  1_000_000, 3_600_000,
];
const SKETCH_ACCURACY = 0.01;

export const emptyVerdicts = (): Record<Verdict, number> => ({
  match: 0,
  tolerated: 0,
  mismatch: 0,
  "shadow-timeout": 0,
});

/** Returns (match + tolerated) / pairs in percent to 2 decimals, or null without pairs. */
export function parityPct(verdicts: Record<Verdict, number>, pairs: number): number | null {
  return pairs === 0 ? null : Math.round(((verdicts.match + verdicts.tolerated) / pairs) * 10_000) / 100;
}

interface Acc {
  workspaceId: string;
  workflowId: string;
  /** Every row of this (workspace, workflow) in the window, merged. */
  total: DailyRollup | null;
  /** Rows merged per day, for the trend. */
  days: Map<string, DailyRollup>;
}

function newAcc(workspaceId: string, workflowId: string): Acc {
  return { workspaceId, workflowId, total: null, days: new Map() };
}

/** Adds one rollup row to the accumulator: the window's total and its day. */
function fold(acc: Acc, row: DailyRollup): void {
  acc.total = acc.total ? mergeRollups(acc.total, row) : row;
  const day = acc.days.get(row.day);
  acc.days.set(row.day, day ? mergeRollups(day, row) : row);
}

interface Brief {
  executor?: unknown;
}
interface SummaryShape {
  primary?: Brief;
  shadow?: Brief;
}

const pairsOf = (row: DailyRollup | null | undefined): number =>
  row ? Object.values(row.verdicts).reduce((a, b) => a + b, 0) : 0;

/** Returns the UTC days from `first` to `last` inclusive, oldest first. */
function daysBetween(first: string, last: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += 86_400_000)
    out.push(utcDay(t));
  return out;
}

/**
 * Returns one executor's latency: p50/p95 from its DDSketch, and how many runs fall in each 1-2-5 bucket
 * between `lo` and `hi` (bucket indexes), read from the sketch's quantiles: the count up to a bound is the
 * largest rank whose quantile value is within it (found by bisection, within the sketch's accuracy).
 */
function latencyOf(side: { runs: number; sketch: DDSketch }, lo: number, hi: number): SideLatency {
  const { runs, sketch } = side;
  if (runs === 0 || sketch.count === 0)
    return { runs, p50Ms: null, p95Ms: null, histogram: { upperMs: [], counts: [] } };
  const q = (p: number) => Math.round(sketch.getValueAtQuantile(p) * 100) / 100;
  const n = sketch.count;
  const upTo = (bound: number): number => {
    let low = 0;
    let high = n;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (sketch.getValueAtQuantile((mid - 0.5) / n) <= bound) low = mid;
      else high = mid - 1;
    }
    return low;
  };
  const upper = BUCKETS_MS.slice(lo, hi + 1);
  const cumulative = upper.map((bound, i) => (lo + i === BUCKETS_MS.length - 1 ? n : upTo(bound)));
  const below = lo === 0 ? 0 : upTo(BUCKETS_MS[lo - 1]);
  return {
    runs,
    p50Ms: q(0.5),
    p95Ms: q(0.95),
    histogram: {
      upperMs: upper,
      counts: cumulative.map((c, i) => c - (i === 0 ? below : cumulative[i - 1])),
    },
  };
}

/** Returns the index range of buckets holding any of the sketches' durations. */
function bucketRange(sketches: readonly DDSketch[]): { lo: number; hi: number } {
  const live = sketches.filter((s) => s.count > 0);
  if (live.length === 0) return { lo: 0, hi: 0 };
  const index = (ms: number) => {
    const i = BUCKETS_MS.findIndex((upper) => ms <= upper);
    return i === -1 ? BUCKETS_MS.length - 1 : i;
  };
  return {
    lo: Math.min(...live.map((s) => index(s.getValueAtQuantile(0)))),
    hi: Math.max(...live.map((s) => index(s.getValueAtQuantile(1)))),
  };
}

/** Returns the step timeline of one run, each step placed in ms from the run's start. */
export function timelineOf(record: RunRecord | null): TimelineStep[] {
  if (!record) return [];
  const starts = record.steps.map((s) => (s.startedAt ? Date.parse(s.startedAt) : null));
  const known = starts.filter((t): t is number => t !== null);
  const origin = record.startedAt
    ? Date.parse(record.startedAt)
    : known.length > 0
      ? Math.min(...known)
      : null;
  return record.steps.map((step, i) => {
    const start = starts[i];
    const end = step.finishedAt ? Date.parse(step.finishedAt) : null;
    const duration = step.durationMs ?? (start !== null && end !== null ? end - start : null);
    return {
      name: step.name,
      status: step.status,
      startMs: origin === null || start === null ? null : Math.max(0, start - origin),
      durationMs: duration,
    };
  });
}

async function exampleOf(
  store: ControlStore,
  result: StoredParityResult,
): Promise<WorkflowReportData["example"]> {
  const records = await store.getRunRecords(result.pairId, result.workspaceId);
  const counted = (result.findings as ReportFinding[]).filter(
    (f) => f && typeof f === "object" && f.severity !== "info",
  );
  const s = result.summary as SummaryShape;
  const executorOf = (record: RunRecord | null, brief: Brief | undefined) =>
    record?.executor ?? (typeof brief?.executor === "string" ? brief.executor : "unknown");
  return {
    pairId: result.pairId,
    verdict: result.verdict,
    comparedAt: result.comparedAt,
    findings: counted.slice(0, EXAMPLE_FINDINGS).map((f) => ({
      category: String(f.category),
      severity: String(f.severity),
      ...(f.nodeId !== undefined ? { nodeId: String(f.nodeId) } : {}),
      ...(f.path !== undefined ? { path: String(f.path) } : {}),
      message: String(f.message ?? ""),
      ...("primary" in f ? { primary: f.primary } : {}),
      ...("shadow" in f ? { shadow: f.shadow } : {}),
    })),
    findingsOmitted: Math.max(0, counted.length - EXAMPLE_FINDINGS),
    primary: { executor: executorOf(records.primary, s.primary), steps: timelineOf(records.primary) },
    shadow: { executor: executorOf(records.shadow, s.shadow), steps: timelineOf(records.shadow) },
  };
}

async function readinessOf(
  store: ControlStore,
  flag: FlagDoc | null,
  stage: Stage | null,
  gates: GateConfig,
  now: Date,
): Promise<WorkflowReportData["readiness"]> {
  const next = stage ? nextStage(stage) : null;
  if (!flag || !next || !isGated(next)) return { next, decision: "n/a", gates: [] };
  const [evidence, context] = await Promise.all([evidenceFor(store, flag), gateContextFor(store, flag, now)]);
  const { decision, gates: results } = evaluateGates(evidence, gates, context);
  return { next, decision, gates: results };
}

/**
 * Returns the report over the window from `options.since` (all history when absent; the daily rollups count by
 * UTC day, so the window starts at the beginning of `since`'s day), one row per (workspace, workflow) with
 * pairs, plus one per workspace a flag puts in shadow or live that has none (saying "no pairs"). Figures come
 * from the rollups; raw results are read only for each mismatching workflow's example pair. Readiness is
 * judged by the production gates on the flag's current version.
 */
export async function buildReportData(
  store: ControlStore,
  options: { since?: string; workflowId?: string; workspaceId?: string; now?: Date },
): Promise<ReportData> {
  const now = options.now ?? new Date();
  const byWorkflow = new Map<string, Acc>();
  let firstDay: string | null = null;
  const rows = await store.listRollups({
    ...(options.since ? { sinceDay: utcDay(options.since) } : {}),
    ...(options.workflowId ? { workflowId: options.workflowId } : {}),
    ...(options.workspaceId ? { workspaceId: options.workspaceId } : {}),
  });
  for (const row of rows) {
    const key = JSON.stringify([row.workflowId, row.workspaceId]);
    let acc = byWorkflow.get(key);
    if (!acc) {
      acc = newAcc(row.workspaceId, row.workflowId);
      byWorkflow.set(key, acc);
    }
    fold(acc, row);
    if (pairsOf(row) > 0 && (firstDay === null || row.day < firstDay)) firstDay = row.day;
  }

  const flags = new Map((await store.listFlags()).map((f) => [f.workflowId, f]));
  // A workspace a flag puts in shadow or live with nothing in the window is still a row: "no pairs" is what
  // the operator must see there (sampling off, traffic gone, or the shadow failing to start).
  for (const flag of flags.values()) {
    if (options.workflowId && flag.workflowId !== options.workflowId) continue;
    for (const workspaceId of [DEFAULT_WORKSPACE, ...Object.keys(flag.workspaceOverrides)]) {
      if (options.workspaceId && workspaceId !== options.workspaceId) continue;
      const stage = stageFor(flag, workspaceId);
      const key = JSON.stringify([flag.workflowId, workspaceId]);
      if ((stage === "shadow" || stage === "live") && !byWorkflow.has(key))
        byWorkflow.set(key, newAcc(workspaceId, flag.workflowId));
    }
  }

  const windowDays = daysBetween(
    options.since ? utcDay(options.since) : (firstDay ?? utcDay(now)),
    utcDay(now),
  );
  const readiness = new Map<string, WorkflowReportData["readiness"]>();
  const workflows: WorkflowReportData[] = [];
  const accs = [...byWorkflow.values()].sort(
    (a, b) => a.workflowId.localeCompare(b.workflowId) || a.workspaceId.localeCompare(b.workspaceId),
  );
  let dropped = 0;
  let overBudget = 0;
  for (const acc of accs) {
    const flag = flags.get(acc.workflowId) ?? null;
    const stage = stageFor(flag, acc.workspaceId);
    const readyKey = JSON.stringify([acc.workflowId, stage]);
    let ready = readiness.get(readyKey);
    if (!ready) {
      ready = await readinessOf(store, flag, stage, gatesOf(flag), now);
      readiness.set(readyKey, ready);
    }
    const total = acc.total;
    const pairs = pairsOf(total);
    const verdicts = total ? { ...total.verdicts } : emptyVerdicts();
    const sides = {
      convex: {
        runs: total?.convex.runs ?? 0,
        sketch: total ? sideSketch(total.convex) : new DDSketch({ relativeAccuracy: SKETCH_ACCURACY }),
      },
      inngest: {
        runs: total?.inngest.runs ?? 0,
        sketch: total ? sideSketch(total.inngest) : new DDSketch({ relativeAccuracy: SKETCH_ACCURACY }),
      },
    };
    // Both executors' histograms share one range of buckets, so they chart side by side.
    const { lo, hi } = bucketRange([sides.convex.sketch, sides.inngest.sketch]);
    const unpriced = (total?.cost.unpriced ?? 0) > 0;
    const roundUsd = (x: number) => Math.round(x * 1e9) / 1e9;
    const costPrimary = unpriced ? null : roundUsd(total?.cost.primary ?? 0);
    const costShadow = unpriced ? null : roundUsd(total?.cost.shadow ?? 0);
    const uncovered = { dropped: total?.dropped ?? 0, overBudget: total?.overBudget ?? 0 };
    dropped += uncovered.dropped;
    overBudget += uncovered.overBudget;
    const offered = pairs + uncovered.dropped + uncovered.overBudget;
    let example: WorkflowReportData["example"] = null;
    if (verdicts.mismatch > 0) {
      const { results } = await store.listResults({
        workflowId: acc.workflowId,
        workspaceId: acc.workspaceId,
        verdict: "mismatch",
        ...(options.since ? { since: `${utcDay(options.since)}T00:00:00.000Z` } : {}),
        limit: 1,
      });
      if (results[0]) example = await exampleOf(store, results[0]);
    }
    workflows.push({
      workspaceId: acc.workspaceId,
      workflowId: acc.workflowId,
      stage,
      flagVersion: flag?.version ?? null,
      readiness: ready,
      pairs,
      verdicts,
      parityPct: parityPct(verdicts, pairs),
      coverage: {
        compared: pairs,
        dropped: uncovered.dropped,
        overBudget: uncovered.overBudget,
        comparedPct: offered === 0 ? null : Math.round((pairs / offered) * 10_000) / 100,
      },
      tokens: {
        primary: total?.tokens.primary ?? 0,
        shadow: total?.tokens.shadow ?? 0,
        delta: (total?.tokens.shadow ?? 0) - (total?.tokens.primary ?? 0),
      },
      costUsd: {
        primary: costPrimary,
        shadow: costShadow,
        delta: costPrimary === null || costShadow === null ? null : roundUsd(costShadow - costPrimary),
      },
      latency: { convex: latencyOf(sides.convex, lo, hi), inngest: latencyOf(sides.inngest, lo, hi) },
      findingsByCategory: Object.fromEntries(
        Object.entries(total?.findings ?? {}).sort(([a], [b]) => a.localeCompare(b)),
      ),
      topPaths: Object.entries(total?.paths ?? {})
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, TOP_PATHS)
        .map(([path, n]) => ({ path, pairs: n })),
      daily: windowDays.map((day) => {
        const d = acc.days.get(day);
        const n = pairsOf(d);
        return { day, pairs: n, parityPct: d ? parityPct(d.verdicts, n) : null };
      }),
      example,
    });
  }

  const verdicts = emptyVerdicts();
  let pairs = 0;
  for (const w of workflows) {
    pairs += w.pairs;
    for (const v of Object.keys(verdicts) as Verdict[]) verdicts[v] += w.verdicts[v];
  }
  return {
    generatedAt: now.toISOString(),
    window: {
      since: options.since ? `${utcDay(options.since)}T00:00:00.000Z` : null,
      until: now.toISOString(),
    },
    notes: [
      "A pair is one primary run and its shadow with a stored parity result; parity is (match + tolerated) / pairs, and a workflow with no pairs in the window says so instead of a rate.",
      "Figures come from daily rollups (one row per workspace, workflow, UTC day and flag version, kept with each stored result), so the window starts at the beginning of its first UTC day.",
      `Latency percentiles (p50, p95) are each run's duration from start to finish as the executor recorded it, over the pairs in the window, from a DDSketch at ${SKETCH_ACCURACY * 100} % relative accuracy; a shadow that timed out has no duration and is not counted. The distribution chart reads the same sketch in 1-2-5 buckets.`,
      "Coverage: pairs compared against those whose shadow was dropped (no capacity) or skipped over the live budget; both get no result.",
      "Stage is what the workflow's flag sets for the row's workspace (its override, else the flag's own stage for workspace default). Readiness is the production gates' decision for the next stage over every pair of the workflow under the flag's current version (all workspaces, not only this window); convex → shadow needs no evidence, so it shows n/a.",
    ],
    totals: {
      workflows: workflows.length,
      pairs,
      parityPct: parityPct(verdicts, pairs),
      verdicts,
      dropped,
      overBudget,
    },
    workflows,
  };
}
