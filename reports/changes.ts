// What moved since the previous report? Per workflow: the parity trend, paths that newly differ, readiness changes.
import type { ReportChanges, ReportData, WorkflowChange, WorkflowReportData } from "./report-data.ts";

const keyOf = (w: Pick<WorkflowReportData, "workspaceId" | "workflowId">) =>
  JSON.stringify([w.workflowId, w.workspaceId]);

/** Parity moves smaller than this (percentage points) read as unchanged. */
const SAME_WITHIN = 0.005;

/** Returns the workflows of `data` against the same (workspace, workflow) rows of `previous`. */
export function compareReports(data: ReportData, previous: ReportData): ReportChanges {
  const before = new Map(previous.workflows.map((w) => [keyOf(w), w]));
  const workflows = data.workflows.map((w): WorkflowChange => {
    const p = before.get(keyOf(w));
    const base = { workspaceId: w.workspaceId, workflowId: w.workflowId, parityPct: w.parityPct };
    if (!p) return { ...base, trend: "new", previousParityPct: null, newPaths: [], readiness: null };
    let trend: WorkflowChange["trend"] = "n/a";
    if (w.parityPct !== null && p.parityPct !== null) {
      const d = w.parityPct - p.parityPct;
      trend = Math.abs(d) < SAME_WITHIN ? "same" : d > 0 ? "up" : "down";
    }
    const had = new Set(p.topPaths.map((t) => t.path));
    const changed = w.stage !== p.stage || w.readiness.decision !== p.readiness.decision;
    return {
      ...base,
      trend,
      previousParityPct: p.parityPct,
      newPaths: w.topPaths.map((t) => t.path).filter((path) => !had.has(path)),
      readiness: changed
        ? {
            from: { stage: p.stage, decision: p.readiness.decision },
            to: { stage: w.stage, decision: w.readiness.decision },
          }
        : null,
    };
  });
  return { previousGeneratedAt: previous.generatedAt, workflows };
}

/** Returns the report's changes against `previous` (computed), or those it carries, or none. */
export function changesOf(data: ReportData, previous?: ReportData): ReportChanges | undefined {
  return previous ? compareReports(data, previous) : data.changes;
}

/** The arrow a trend shows as. */
export const TREND_ARROW: Record<WorkflowChange["trend"], string> = {
  up: "▲",
  down: "▼",
  same: "=",
  new: "new",
  "n/a": "–",
};
