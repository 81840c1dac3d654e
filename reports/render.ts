// How does a report read? Markdown for people, JSON for scripts.
import type { Report } from "./aggregate.ts";

export type ReportFormat = "md" | "json";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number | null) => (x === null ? "–" : `${x} ms`);

/** Returns the report as a Markdown document. */
export function renderMarkdown(report: Report): string {
  const lines = [
    "# Cutover parity report",
    "",
    `Generated ${report.generatedAt}${report.since ? `, results since ${report.since}` : ""}.`,
    "",
    `**${report.totals.pairs} pairs** over ${report.totals.workflows} workflows, parity rate **${pct(report.totals.parityRate)}** ` +
      `(match ${report.totals.verdicts.match}, tolerated ${report.totals.verdicts.tolerated}, ` +
      `mismatch ${report.totals.verdicts.mismatch}, shadow-timeout ${report.totals.verdicts["shadow-timeout"]}).`,
    "",
    "| workflow | workspace | pairs | parity | mismatch | timeout | token Δ | cost Δ (USD) |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
    ...report.workflows.map(
      (w) =>
        `| ${w.workflowId} | ${w.workspaceId} | ${w.pairs} | ${pct(w.parityRate)} | ${w.verdicts.mismatch} | ${w.verdicts["shadow-timeout"]} | ${w.tokenDelta} | ${w.costDeltaUsd} |`,
    ),
  ];
  for (const w of report.workflows) {
    lines.push("", `## ${w.workflowId} (workspace ${w.workspaceId})`, "");
    lines.push(`- flag versions: ${w.flagVersions.join(", ") || "–"}`);
    for (const [executor, l] of Object.entries(w.latency)) {
      lines.push(`- ${executor}: ${l.runs} runs, p50 ${ms(l.p50Ms)}, p95 ${ms(l.p95Ms)}`);
    }
    const categories = Object.entries(w.mismatchesByCategory);
    if (categories.length > 0) {
      lines.push(`- mismatch findings by category: ${categories.map(([c, n]) => `${c} ${n}`).join(", ")}`);
    }
    if (w.topPaths.length > 0) {
      lines.push("- paths that differ most:");
      for (const p of w.topPaths)
        lines.push(`  - \`${p.path}\` in ${p.pairs} pair${p.pairs === 1 ? "" : "s"}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Returns the report in the requested format. */
export function renderReport(report: Report, format: ReportFormat): string {
  return format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderMarkdown(report);
}
