// What does a parity report say? The one data shape the Markdown, JSON and HTML renderers all draw from.
import type { Stage } from "../flags/stage.ts";
import type { GateDecision, GateResult } from "../gates/evaluate.ts";
import type { Verdict } from "../store/port.ts";

/** One step of an example run, placed on its run's time axis (ms from the run's start). */
export interface TimelineStep {
  name: string;
  status: string;
  startMs: number | null;
  durationMs: number | null;
}

/** A finding as the report shows it: where, what, and both values. */
export interface ReportFinding {
  category: string;
  severity: string;
  nodeId?: string;
  path?: string;
  message: string;
  primary?: unknown;
  shadow?: unknown;
}

/** One executor's latency: counts and quantiles from a DDSketch, and a histogram for the distribution chart. */
export interface SideLatency {
  runs: number;
  p50Ms: number | null;
  p95Ms: number | null;
  /** Bucket upper bounds (ms) and the number of runs in each, for a distribution chart; empty without runs. */
  histogram: { upperMs: number[]; counts: number[] };
}

export interface WorkflowReportData {
  /** A workflow is a (workspace, workflow id) pair: two tenants' workflows of one id are reported apart. */
  workspaceId: string;
  workflowId: string;
  /** The flag's stage now (null: no flag, i.e. convex only) and version. */
  stage: Stage | null;
  flagVersion: number | null;
  /** Readiness for the next stage under the current flag version (decision "n/a" when there is no gated next stage). */
  readiness: { next: Stage | null; decision: GateDecision | "n/a"; gates: GateResult[] };
  /** Pairs compared in the window (every flag version). */
  pairs: number;
  verdicts: Record<Verdict, number>;
  /** (match + tolerated) / pairs in percent; null when there are no pairs ("no pairs", never 0 %). */
  parityPct: number | null;
  /** Sampling coverage: compared pairs against those dropped (no capacity) or over the live budget. */
  coverage: { compared: number; dropped: number; overBudget: number; comparedPct: number | null };
  tokens: { primary: number; shadow: number; delta: number };
  /** null where a model had no price. */
  costUsd: { primary: number | null; shadow: number | null; delta: number | null };
  latency: { convex: SideLatency; inngest: SideLatency };
  /** Counted (minor and worse) findings by category. */
  findingsByCategory: Record<string, number>;
  /** The paths that differ most often, with how many pairs they differed in. */
  topPaths: { path: string; pairs: number }[];
  /** Parity per UTC day in the window, oldest first. */
  daily: { day: string; pairs: number; parityPct: number | null }[];
  /** For a workflow with mismatches: one mismatching pair, explained. */
  example: {
    pairId: string;
    verdict: Verdict;
    comparedAt: string;
    findings: ReportFinding[];
    /** Counted findings of the pair beyond those listed (the example lists the first ones). */
    findingsOmitted?: number;
    primary: { executor: string; steps: TimelineStep[] };
    shadow: { executor: string; steps: TimelineStep[] };
  } | null;
}

export interface ReportData {
  generatedAt: string;
  /** The window the figures cover: from `since` (null: all history) to `until`. */
  window: { since: string | null; until: string };
  /** Plain sentences saying how figures are computed (latency percentiles' source, what counts as a pair). */
  notes: string[];
  totals: {
    workflows: number;
    pairs: number;
    parityPct: number | null;
    verdicts: Record<Verdict, number>;
    dropped: number;
    overBudget: number;
  };
  workflows: WorkflowReportData[];
  /** Against an earlier report (nightly mode): parity trends, newly differing paths, readiness changes. */
  changes?: ReportChanges;
}

/** How a workflow moved since the previous report. */
export interface WorkflowChange {
  workspaceId: string;
  workflowId: string;
  /** up / down / same parity; new: not in the previous report; n/a: no pairs now or then. */
  trend: "up" | "down" | "same" | "new" | "n/a";
  parityPct: number | null;
  previousParityPct: number | null;
  /** Top differing paths now that were not among the previous report's top paths for the workflow. */
  newPaths: string[];
  /** Set when the stage or the readiness decision changed. */
  readiness: {
    from: { stage: Stage | null; decision: GateDecision | "n/a" };
    to: { stage: Stage | null; decision: GateDecision | "n/a" };
  } | null;
}

export interface ReportChanges {
  /** The previous report's generatedAt. */
  previousGeneratedAt: string;
  workflows: WorkflowChange[];
}
