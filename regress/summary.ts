// What does an operator read after a regression run? The summary table: case, executor, result, first reason.
import type { GoldenChange, RegressReport } from "./runner.ts";

function cut(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Returns the table and the totals line, aligned, one row per case and executor. */
export function summaryTable(report: RegressReport, width = 160): string {
  const rows = report.results.map((r) => [r.case, r.executor, r.ok ? "pass" : "FAIL", r.reasons[0] ?? ""]);
  const head = ["case", "executor", "result", "first reason"];
  const w = [0, 1, 2].map((i) => Math.max(head[i].length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => {
    const fixed = cells
      .slice(0, 3)
      .map((c, i) => c.padEnd(w[i]))
      .join("  ");
    return `${fixed}  ${cut(cells[3], Math.max(20, width - fixed.length - 2))}`.trimEnd();
  };
  const passed = report.results.filter((r) => r.ok).length;
  const failed = report.results.length - passed;
  return [
    line(head),
    ...rows.map(line),
    "",
    `${passed} passed, ${failed} failed (${report.cases} cases on ${report.executors.join(" and ")}, ${(report.durationMs / 1000).toFixed(1)} s)`,
  ].join("\n");
}

/** Returns what --update changed, file by file, as diffs for review. */
export function updatesText(updated: readonly GoldenChange[]): string {
  if (updated.length === 0) return "goldens: nothing changed";
  return updated.map((u) => `--- ${u.file} (rewritten)\n${u.diff}`).join("\n\n");
}
