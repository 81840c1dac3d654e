// What does a report say, built from the store? ReportData for every workflow with results in the window (or a flag).
// For now it streams the stored results once (reports/aggregate.ts's approach); daily rollups will replace the
// fold behind the same signature.
import { DDSketch } from "@datadog/sketches-js";
import type { RunRecord } from "../executors/records.ts";
import type { FlagDoc } from "../flags/flag.ts";
import { isGated, nextStage } from "../flags/promotion.ts";
import { DEFAULT_WORKSPACE } from "../flags/route.ts";
import type { Stage } from "../flags/stage.ts";
import { type GateConfig, PRODUCTION_GATES } from "../gates/config.ts";
import { evaluateGates } from "../gates/evaluate.ts";
import { evidenceFor, gateContextFor } from "../gates/from-store.ts";
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

interface Side {
  sketch: DDSketch;
  runs: number;
  buckets: number[];
}

interface Acc {
  workspaceId: string;
  workflowId: string;
  pairs: number;
  verdicts: Record<Verdict, number>;
  tokens: { primary: number; shadow: number };
  cost: { primary: number | null; shadow: number | null };
  latency: { convex: Side; inngest: Side };
  categories: Map<string, number>;
  paths: Map<string, number>;
  days: Map<string, { pairs: number; verdicts: Record<Verdict, number> }>;
  /** The newest mismatching result (results stream newest first). */
  example: StoredParityResult | null;
}

interface Brief {
  executor?: unknown;
  durationMs?: unknown;
}
interface SummaryShape {
  primary?: Brief;
  shadow?: Brief;
  latency?: { primaryMs?: unknown; shadowMs?: unknown };
  tokens?: { primary?: { total?: unknown }; shadow?: { total?: unknown } };
  costUsd?: { primary?: unknown; shadow?: unknown };
  topPaths?: unknown;
}

const num = (x: unknown): number | null => (typeof x === "number" && Number.isFinite(x) ? x : null);

function newSide(): Side {
  return {
    sketch: new DDSketch({ relativeAccuracy: SKETCH_ACCURACY }),
    runs: 0,
    buckets: BUCKETS_MS.map(() => 0),
  };
}

function newAcc(workspaceId: string, workflowId: string): Acc {
  return {
    workspaceId,
    workflowId,
    pairs: 0,
    verdicts: emptyVerdicts(),
    tokens: { primary: 0, shadow: 0 },
    cost: { primary: 0, shadow: 0 },
    latency: { convex: newSide(), inngest: newSide() },
    categories: new Map(),
    paths: new Map(),
    days: new Map(),
    example: null,
  };
}

function fold(acc: Acc, result: StoredParityResult): void {
  acc.pairs++;
  acc.verdicts[result.verdict]++;
  const day = utcDay(result.comparedAt);
  let d = acc.days.get(day);
  if (!d) {
    d = { pairs: 0, verdicts: emptyVerdicts() };
    acc.days.set(day, d);
  }
  d.pairs++;
  d.verdicts[result.verdict]++;
  if (result.verdict === "mismatch") {
    for (const f of result.findings as { category?: unknown; severity?: unknown }[]) {
      if (typeof f?.category === "string" && typeof f.severity === "string" && f.severity !== "info")
        acc.categories.set(f.category, (acc.categories.get(f.category) ?? 0) + 1);
    }
    acc.example ??= result;
  }
  const s = result.summary as SummaryShape;
  acc.tokens.primary += num(s.tokens?.primary?.total) ?? 0;
  acc.tokens.shadow += num(s.tokens?.shadow?.total) ?? 0;
  // One unpriced run makes the window's cost unknown, not smaller.
  for (const role of ["primary", "shadow"] as const) {
    const usd = num(s.costUsd?.[role]);
    acc.cost[role] = acc.cost[role] === null || usd === null ? null : acc.cost[role] + usd;
  }
  const sides = [
    [s.primary, s.latency?.primaryMs ?? s.primary?.durationMs],
    [s.shadow, s.latency?.shadowMs ?? s.shadow?.durationMs],
  ] as const;
  for (const [brief, ms] of sides) {
    const executor = brief?.executor;
    const value = num(ms);
    if ((executor !== "convex" && executor !== "inngest") || value === null || value < 0) continue;
    const side = acc.latency[executor];
    side.runs++;
    side.sketch.accept(value);
    const i = BUCKETS_MS.findIndex((upper) => value <= upper);
    side.buckets[i === -1 ? BUCKETS_MS.length - 1 : i]++;
  }
  if (Array.isArray(s.topPaths)) {
    for (const path of new Set(s.topPaths.filter((p): p is string => typeof p === "string")))
      acc.paths.set(path, (acc.paths.get(path) ?? 0) + 1);
  }
}

/** Returns the UTC days from `first` to `last` inclusive, oldest first. */
function daysBetween(first: string, last: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += 86_400_000)
    out.push(utcDay(t));
  return out;
}

function latencyOf(side: Side, lo: number, hi: number): SideLatency {
  const q = (p: number) =>
    side.runs === 0 ? null : Math.round(side.sketch.getValueAtQuantile(p) * 100) / 100;
  return {
    runs: side.runs,
    p50Ms: q(0.5),
    p95Ms: q(0.95),
    histogram:
      side.runs === 0
        ? { upperMs: [], counts: [] }
        : { upperMs: BUCKETS_MS.slice(lo, hi + 1), counts: side.buckets.slice(lo, hi + 1) },
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
 * Returns the report over the store's results compared since `options.since` (all history when absent), one
 * row per (workspace, workflow) with results, plus one per workspace a flag puts in shadow or live that has
 * none (saying "no pairs"). Readiness is judged by the production gates on the flag's current version.
 */
export async function buildReportData(
  store: ControlStore,
  options: { since?: string; workflowId?: string; workspaceId?: string; now?: Date },
): Promise<ReportData> {
  const now = options.now ?? new Date();
  const byWorkflow = new Map<string, Acc>();
  let firstDay: string | null = null;
  for await (const result of store.iterateResults(
    {
      ...(options.since ? { since: options.since } : {}),
      ...(options.workflowId ? { workflowId: options.workflowId } : {}),
      ...(options.workspaceId ? { workspaceId: options.workspaceId } : {}),
    },
    1000,
  )) {
    const key = JSON.stringify([result.workflowId, result.workspaceId]);
    let acc = byWorkflow.get(key);
    if (!acc) {
      acc = newAcc(result.workspaceId, result.workflowId);
      byWorkflow.set(key, acc);
    }
    fold(acc, result);
    const day = utcDay(result.comparedAt);
    if (firstDay === null || day < firstDay) firstDay = day;
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
  for (const acc of accs) {
    const flag = flags.get(acc.workflowId) ?? null;
    const stage = stageFor(flag, acc.workspaceId);
    const readyKey = JSON.stringify([acc.workflowId, stage]);
    let ready = readiness.get(readyKey);
    if (!ready) {
      ready = await readinessOf(store, flag, stage, PRODUCTION_GATES, now);
      readiness.set(readyKey, ready);
    }
    // Both executors' histograms share one range of buckets, so they chart side by side.
    const used = [...acc.latency.convex.buckets.keys()].filter(
      (i) => acc.latency.convex.buckets[i] > 0 || acc.latency.inngest.buckets[i] > 0,
    );
    const lo = used.length ? used[0] : 0;
    const hi = used.length ? used[used.length - 1] : 0;
    const costPrimary = acc.pairs === 0 ? 0 : acc.cost.primary;
    const costShadow = acc.pairs === 0 ? 0 : acc.cost.shadow;
    const roundUsd = (x: number | null) => (x === null ? null : Math.round(x * 1e9) / 1e9);
    workflows.push({
      workspaceId: acc.workspaceId,
      workflowId: acc.workflowId,
      stage,
      flagVersion: flag?.version ?? null,
      readiness: ready,
      pairs: acc.pairs,
      verdicts: acc.verdicts,
      parityPct: parityPct(acc.verdicts, acc.pairs),
      coverage: {
        compared: acc.pairs,
        dropped: 0,
        overBudget: 0,
        // Unknown until dropped and over-budget shadows are counted (the rollups): never a made-up 100 %.
        comparedPct: null,
      },
      tokens: {
        primary: acc.tokens.primary,
        shadow: acc.tokens.shadow,
        delta: acc.tokens.shadow - acc.tokens.primary,
      },
      costUsd: {
        primary: roundUsd(costPrimary),
        shadow: roundUsd(costShadow),
        delta: costPrimary === null || costShadow === null ? null : roundUsd(costShadow - costPrimary),
      },
      latency: {
        convex: latencyOf(acc.latency.convex, lo, hi),
        inngest: latencyOf(acc.latency.inngest, lo, hi),
      },
      findingsByCategory: Object.fromEntries(
        [...acc.categories.entries()].sort(([a], [b]) => a.localeCompare(b)),
      ),
      topPaths: [...acc.paths.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, TOP_PATHS)
        .map(([path, pairs]) => ({ path, pairs })),
      daily: windowDays.map((day) => {
        const d = acc.days.get(day);
        return d
          ? { day, pairs: d.pairs, parityPct: parityPct(d.verdicts, d.pairs) }
          : { day, pairs: 0, parityPct: null };
      }),
      example: acc.example ? await exampleOf(store, acc.example) : null,
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
    window: { since: options.since ?? null, until: now.toISOString() },
    notes: [
      "A pair is one primary run and its shadow with a stored parity result; parity is (match + tolerated) / pairs, and a workflow with no pairs in the window says so instead of a rate.",
      `Latency percentiles (p50, p95) are each run's duration from start to finish as the executor recorded it, over the pairs in the window, from a DDSketch at ${SKETCH_ACCURACY * 100} % relative accuracy; a shadow that timed out has no duration and is not counted. The distribution chart counts the same durations in 1-2-5 buckets.`,
      "Stage is what the workflow's flag sets for the row's workspace (its override, else the flag's own stage for workspace default). Readiness is the production gates' decision for the next stage over every pair of the workflow under the flag's current version (all workspaces, not only this window); convex → shadow needs no evidence, so it shows n/a.",
      "Dropped (no shadow capacity) and over-budget shadows are not counted by this build of the report yet (they need the daily rollups): coverage shows compared pairs only.",
    ],
    totals: {
      workflows: workflows.length,
      pairs,
      parityPct: parityPct(verdicts, pairs),
      verdicts,
      dropped: 0,
      overBudget: 0,
    },
    workflows,
  };
}
