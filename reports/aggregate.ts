// How is each workflow's cutover going? Folds stored parity results into per-workflow figures, one result at a time.
import type { StoredParityResult, Verdict } from "../store/port.ts";
import { LatencyHistogram } from "./histogram.ts";

export interface WorkflowReport {
  /** A workflow is a (workspace, workflow id) pair: two tenants' workflows of one id are reported apart. */
  workspaceId: string;
  workflowId: string;
  pairs: number;
  verdicts: Record<Verdict, number>;
  /** (match + tolerated) / pairs, 0..1. */
  parityRate: number;
  /** Counted (minor and worse) findings of mismatching pairs, by category. */
  mismatchesByCategory: Record<string, number>;
  /** Shadow − primary, summed over the pairs. */
  tokenDelta: number;
  costDeltaUsd: number;
  /** p50/p95 run duration per executor, in ms. */
  latency: Record<string, { runs: number; p50Ms: number | null; p95Ms: number | null }>;
  /** The paths that differ most often, with how many pairs they differed in. */
  topPaths: { path: string; pairs: number }[];
  /** Flag versions the results were decided under. */
  flagVersions: number[];
}

export interface Report {
  generatedAt: string;
  since: string | null;
  totals: { pairs: number; workflows: number; parityRate: number; verdicts: Record<Verdict, number> };
  workflows: WorkflowReport[];
}

const TOP = 5;
const emptyVerdicts = (): Record<Verdict, number> => ({
  match: 0,
  tolerated: 0,
  mismatch: 0,
  "shadow-timeout": 0,
});

interface Acc {
  pairs: number;
  verdicts: Record<Verdict, number>;
  categories: Map<string, number>;
  tokenDelta: number;
  costDelta: number;
  latency: Map<string, LatencyHistogram>;
  paths: Map<string, number>;
  flagVersions: Set<number>;
}

interface SummaryShape {
  primary?: { executor?: string; durationMs?: number | null };
  shadow?: { executor?: string; durationMs?: number | null };
  tokens?: { delta?: { total?: number } };
  costUsd?: { delta?: number };
  topPaths?: string[];
}

/** Returns the report over `results`, reading them once; memory grows with workflows and distinct paths, not with results. */
export async function aggregate(
  results: AsyncIterable<StoredParityResult> | Iterable<StoredParityResult>,
  options: { since?: string | null; now?: Date } = {},
): Promise<Report> {
  const byWorkflow = new Map<string, Acc & { workspaceId: string; workflowId: string }>();
  for await (const result of results) {
    // Keyed by workspace and workflow id: another tenant's workflow of the same id is another workflow.
    const key = JSON.stringify([result.workflowId, result.workspaceId]);
    let acc = byWorkflow.get(key);
    if (!acc) {
      acc = {
        pairs: 0,
        verdicts: emptyVerdicts(),
        categories: new Map(),
        tokenDelta: 0,
        costDelta: 0,
        latency: new Map(),
        paths: new Map(),
        flagVersions: new Set(),
        workspaceId: result.workspaceId,
        workflowId: result.workflowId,
      };
      byWorkflow.set(key, acc);
    }
    fold(acc, result);
  }
  const workflows = [...byWorkflow.values()]
    .sort((a, b) => a.workflowId.localeCompare(b.workflowId) || a.workspaceId.localeCompare(b.workspaceId))
    .map((acc) => finish(acc.workspaceId, acc.workflowId, acc));
  const verdicts = emptyVerdicts();
  let pairs = 0;
  for (const w of workflows) {
    pairs += w.pairs;
    for (const v of Object.keys(verdicts) as Verdict[]) verdicts[v] += w.verdicts[v];
  }
  return {
    generatedAt: (options.now ?? new Date()).toISOString(),
    since: options.since ?? null,
    totals: { pairs, workflows: workflows.length, parityRate: rate(verdicts, pairs), verdicts },
    workflows,
  };
}

function fold(acc: Acc, result: StoredParityResult): void {
  acc.pairs++;
  acc.verdicts[result.verdict]++;
  acc.flagVersions.add(result.flagVersion);
  if (result.verdict === "mismatch") {
    for (const f of result.findings as { category?: string; severity?: string }[]) {
      if (f?.category && f.severity && f.severity !== "info") {
        acc.categories.set(f.category, (acc.categories.get(f.category) ?? 0) + 1);
      }
    }
  }
  const summary = result.summary as SummaryShape;
  acc.tokenDelta += summary.tokens?.delta?.total ?? 0;
  acc.costDelta += summary.costUsd?.delta ?? 0;
  for (const side of [summary.primary, summary.shadow]) {
    if (!side?.executor || typeof side.durationMs !== "number") continue;
    let h = acc.latency.get(side.executor);
    if (!h) {
      h = new LatencyHistogram();
      acc.latency.set(side.executor, h);
    }
    h.add(side.durationMs);
  }
  for (const path of new Set(summary.topPaths ?? [])) acc.paths.set(path, (acc.paths.get(path) ?? 0) + 1);
}

function finish(workspaceId: string, workflowId: string, acc: Acc): WorkflowReport {
  const latency: WorkflowReport["latency"] = {};
  for (const [executor, h] of [...acc.latency.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    latency[executor] = { runs: h.count, p50Ms: h.quantile(0.5), p95Ms: h.quantile(0.95) };
  }
  return {
    workspaceId,
    workflowId,
    pairs: acc.pairs,
    verdicts: acc.verdicts,
    parityRate: rate(acc.verdicts, acc.pairs),
    mismatchesByCategory: Object.fromEntries(
      [...acc.categories.entries()].sort(([a], [b]) => a.localeCompare(b)),
    ),
    tokenDelta: acc.tokenDelta,
    costDeltaUsd: Math.round(acc.costDelta * 1e9) / 1e9,
    latency,
    topPaths: [...acc.paths.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, TOP)
      .map(([path, pairs]) => ({ path, pairs })),
    flagVersions: [...acc.flagVersions].sort((a, b) => a - b),
  };
}

function rate(verdicts: Record<Verdict, number>, pairs: number): number {
  return pairs === 0 ? 0 : Math.round(((verdicts.match + verdicts.tolerated) / pairs) * 10_000) / 10_000;
}
