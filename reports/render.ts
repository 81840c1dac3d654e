// How does a report read? Markdown for people, JSON for scripts, HTML (render-html.ts) for a browser — one ReportData.
import type { Report } from "./aggregate.ts";
import { changesOf, TREND_ARROW } from "./changes.ts";
import { renderHtml } from "./render-html.ts";
import type { ReportData, ReportFinding, TimelineStep, WorkflowReportData } from "./report-data.ts";

export type ReportFormat = "md" | "json" | "html";
export const REPORT_FORMATS: readonly ReportFormat[] = ["md", "json", "html"];

/** How long a value shown in a finding may be before it is cut. */
const VALUE_CHARS = 300;

/** Returns a percentage as the report prints it, or "no pairs" when there is none to speak of. */
export function pctText(pct: number | null, none = "no pairs"): string {
  return pct === null ? none : `${pct} %`;
}

export function msText(ms: number | null): string {
  return ms === null ? "–" : `${ms} ms`;
}

export function usdText(usd: number | null, signed = false): string {
  if (usd === null) return "unknown (a model has no price)";
  const sign = usd < 0 ? "-" : signed && usd > 0 ? "+" : "";
  return `${sign}$${Math.abs(usd).toFixed(6)}`;
}

export function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/** Returns a value as one line of JSON, cut at VALUE_CHARS; `undefined` (nothing there) as "(absent)". */
export function valueText(value: unknown): string {
  if (value === undefined) return "(absent)";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > VALUE_CHARS ? `${text.slice(0, VALUE_CHARS)}… (${text.length} chars)` : text;
}

/** The readiness cell: the next stage, the decision, and the gates that failed. */
export function readinessText(w: WorkflowReportData): string {
  const r = w.readiness;
  if (r.decision === "n/a") return r.next ? `→ ${r.next}: needs no evidence` : "n/a";
  const failing = r.gates.filter((g) => !g.ok).map((g) => `${g.name} ${g.actual ?? "–"} (${g.required})`);
  return `→ ${r.next}: ${r.decision}${failing.length ? ` — failing: ${failing.join("; ")}` : ""}`;
}

export function coverageText(w: WorkflowReportData): string {
  const c = w.coverage;
  if (c.compared + c.dropped + c.overBudget === 0) return "no pairs";
  if (c.comparedPct === null) return `${c.compared} compared; dropped and over budget not counted`;
  return `${pctText(c.comparedPct, "–")} compared (${c.compared}; dropped ${c.dropped}, over budget ${c.overBudget})`;
}

export function workflowLabel(w: Pick<WorkflowReportData, "workspaceId" | "workflowId">): string {
  return `${w.workflowId} (workspace ${w.workspaceId})`;
}

// Markdown: user data goes in code spans (fenced by more backticks than it contains), other text is escaped.
const text = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const cell = (s: string) => text(s).replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
function code(s: string): string {
  const flat = s.replace(/\r?\n/g, " ");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((m) => m.length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") || flat === "" ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

function timelineLines(label: string, executor: string, steps: TimelineStep[]): string[] {
  const lines = [`- ${label} (${executor}): ${steps.length === 0 ? "no record stored" : ""}`.trimEnd()];
  for (const s of steps) {
    const at = s.startMs === null ? "not started" : `at ${s.startMs} ms`;
    lines.push(`  - ${code(s.name)} ${s.status}, ${at}, ${msText(s.durationMs)}`);
  }
  return lines;
}

function findingLines(f: ReportFinding): string[] {
  const where = [f.nodeId ? `node ${code(f.nodeId)}` : "run", f.path ? code(f.path) : ""].filter(Boolean);
  return [
    `- **${f.severity}** ${f.category} at ${where.join(" ")}: ${text(f.message)}`,
    `  - primary: ${code(valueText(f.primary))}`,
    `  - shadow: ${code(valueText(f.shadow))}`,
  ];
}

/** Returns the report as a Markdown document: the same facts as the HTML report, explanations included. */
export function renderMarkdown(data: ReportData | Report, previous?: ReportData): string {
  if (!isReportData(data)) return renderAggregateMarkdown(data);
  const t = data.totals;
  const changes = changesOf(data, previous);
  const trendOf = new Map(changes?.workflows.map((c) => [JSON.stringify([c.workflowId, c.workspaceId]), c]));
  const lines = [
    "# Cutover parity report",
    "",
    `Generated ${data.generatedAt}; window ${data.window.since ? `from ${data.window.since}` : "all history"} to ${data.window.until}.`,
    "",
    t.pairs === 0
      ? `**No pairs** in the window (${t.workflows} workflow${t.workflows === 1 ? "" : "s"} listed).`
      : `**${t.pairs} pairs** over ${t.workflows} workflows, parity **${pctText(t.parityPct)}** ` +
        `(match ${t.verdicts.match}, tolerated ${t.verdicts.tolerated}, mismatch ${t.verdicts.mismatch}, ` +
        `shadow-timeout ${t.verdicts["shadow-timeout"]}); dropped ${t.dropped}, over budget ${t.overBudget}.`,
  ];
  if (changes) {
    lines.push("", `## Since the previous report (${changes.previousGeneratedAt})`, "");
    const moved = changes.workflows.filter(
      (c) => c.trend === "up" || c.trend === "down" || c.trend === "new",
    );
    const newPaths = changes.workflows.filter((c) => c.newPaths.length > 0);
    const readiness = changes.workflows.filter((c) => c.readiness);
    if (moved.length + newPaths.length + readiness.length === 0) lines.push("- nothing changed");
    for (const c of moved) {
      lines.push(
        c.trend === "new"
          ? `- ${workflowLabel(c)}: new, parity ${pctText(c.parityPct)}`
          : `- ${workflowLabel(c)}: parity ${TREND_ARROW[c.trend]} ${pctText(c.previousParityPct)} → ${pctText(c.parityPct)}`,
      );
    }
    for (const c of newPaths)
      lines.push(`- ${workflowLabel(c)} newly differs at ${c.newPaths.map((p) => code(p)).join(", ")}`);
    for (const c of readiness) {
      const r = c.readiness!;
      lines.push(
        `- ${workflowLabel(c)} readiness changed: ${r.from.stage ?? "no flag"} ${r.from.decision} → ${r.to.stage ?? "no flag"} ${r.to.decision}`,
      );
    }
  }
  lines.push(
    "",
    "| workflow | workspace | stage | readiness | pairs | parity | coverage | mismatch | timeout | token Δ | cost Δ (USD) |",
    "|---|---|---|---|---:|---:|---|---:|---:|---:|---:|",
    ...data.workflows.map((w) => {
      const c = trendOf.get(JSON.stringify([w.workflowId, w.workspaceId]));
      return `| ${[
        w.workflowId,
        w.workspaceId,
        w.stage ?? "no flag",
        readinessText(w),
        String(w.pairs),
        c && c.trend !== "n/a" ? `${pctText(w.parityPct)} ${TREND_ARROW[c.trend]}` : pctText(w.parityPct),
        coverageText(w),
        String(w.verdicts.mismatch),
        String(w.verdicts["shadow-timeout"]),
        w.pairs === 0 ? "–" : signed(w.tokens.delta),
        w.pairs === 0 ? "–" : usdText(w.costUsd.delta, true),
      ]
        .map(cell)
        .join(" | ")} |`;
    }),
  );
  for (const w of data.workflows) {
    lines.push("", `## ${cell(workflowLabel(w))}`, "");
    lines.push(
      `- stage ${w.stage ?? "none (no flag: convex only)"}${w.flagVersion === null ? "" : `, flag version ${w.flagVersion}`}; readiness ${readinessText(w)}`,
    );
    if (w.pairs === 0) {
      lines.push("- no pairs in the window");
      continue;
    }
    lines.push(
      `- ${w.pairs} pairs, parity ${pctText(w.parityPct)} (match ${w.verdicts.match}, tolerated ${w.verdicts.tolerated}, mismatch ${w.verdicts.mismatch}, shadow-timeout ${w.verdicts["shadow-timeout"]}); coverage ${coverageText(w)}`,
      `- tokens: primary ${w.tokens.primary}, shadow ${w.tokens.shadow} (Δ ${signed(w.tokens.delta)}); cost: primary ${usdText(w.costUsd.primary)}, shadow ${usdText(w.costUsd.shadow)} (Δ ${usdText(w.costUsd.delta, true)})`,
    );
    for (const [executor, l] of Object.entries(w.latency))
      lines.push(
        `- ${executor}: ${l.runs === 0 ? "no runs" : `${l.runs} runs, p50 ${msText(l.p50Ms)}, p95 ${msText(l.p95Ms)}`}`,
      );
    const days = w.daily.filter((d) => d.pairs > 0);
    if (days.length > 0)
      lines.push(
        `- parity per day: ${w.daily.map((d) => `${d.day} ${d.pairs === 0 ? "no pairs" : `${pctText(d.parityPct)} of ${d.pairs}`}`).join(", ")}`,
      );
    const categories = Object.entries(w.findingsByCategory);
    if (categories.length > 0)
      lines.push(`- mismatch findings by category: ${categories.map(([c, n]) => `${c} ${n}`).join(", ")}`);
    if (w.topPaths.length > 0) {
      lines.push("- paths that differ most:");
      for (const p of w.topPaths)
        lines.push(`  - ${code(p.path)} in ${p.pairs} pair${p.pairs === 1 ? "" : "s"}`);
    }
    const ex = w.example;
    if (ex) {
      lines.push(
        "",
        `### Why ${code(ex.pairId)} is a ${ex.verdict} (compared ${ex.comparedAt})`,
        "",
        ...(ex.findings.length === 0 ? ["- no counted finding stored"] : ex.findings.flatMap(findingLines)),
      );
      if (ex.findingsOmitted)
        lines.push(`- … and ${ex.findingsOmitted} more (cutover results show ${ex.pairId})`);
      lines.push(
        "",
        ...timelineLines("primary", ex.primary.executor, ex.primary.steps),
        ...timelineLines("shadow", ex.shadow.executor, ex.shadow.steps),
      );
    }
  }
  if (data.notes.length > 0)
    lines.push("", "## How these figures are computed", "", ...data.notes.map((n) => `- ${text(n)}`));
  return `${lines.join("\n")}\n`;
}

/** Returns the report as JSON: the data itself, with its changes against `previous` when given. */
export function renderJson(data: ReportData | Report, previous?: ReportData): string {
  const doc = isReportData(data) && previous ? { ...data, changes: changesOf(data, previous) } : data;
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Returns the report in the requested format. */
export function renderReport(data: ReportData | Report, format: ReportFormat, previous?: ReportData): string {
  if (format === "json") return renderJson(data, previous);
  if (format === "html") {
    if (!isReportData(data))
      throw new TypeError("the HTML report is drawn from ReportData (reports/build.ts)");
    return renderHtml(data, previous);
  }
  return renderMarkdown(data, previous);
}

export function isReportData(r: ReportData | Report): r is ReportData {
  return "window" in r && "notes" in r;
}

/**
 * The summary of reports/aggregate.ts's Report, kept while its callers (its test, the report bench) move to
 * ReportData; remove with them.
 */
function renderAggregateMarkdown(report: Report): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const ws = (w: object) => (w as { workspaceId?: string }).workspaceId;
  const withWorkspace = report.workflows.some((w) => ws(w) !== undefined);
  const lines = [
    "# Cutover parity report",
    "",
    `Generated ${report.generatedAt}${report.since ? `, results since ${report.since}` : ""}.`,
    "",
    `**${report.totals.pairs} pairs** over ${report.totals.workflows} workflows, parity rate **${pct(report.totals.parityRate)}** ` +
      `(match ${report.totals.verdicts.match}, tolerated ${report.totals.verdicts.tolerated}, ` +
      `mismatch ${report.totals.verdicts.mismatch}, shadow-timeout ${report.totals.verdicts["shadow-timeout"]}).`,
    "",
    withWorkspace
      ? "| workflow | workspace | pairs | parity | mismatch | timeout | token Δ | cost Δ (USD) |"
      : "| workflow | pairs | parity | mismatch | timeout | token Δ | cost Δ (USD) |",
    withWorkspace ? "|---|---|---:|---:|---:|---:|---:|---:|" : "|---|---:|---:|---:|---:|---:|---:|",
    ...report.workflows.map(
      (w) =>
        `| ${w.workflowId} |${withWorkspace ? ` ${ws(w)} |` : ""} ${w.pairs} | ${pct(w.parityRate)} | ${w.verdicts.mismatch} | ${w.verdicts["shadow-timeout"]} | ${w.tokenDelta} | ${w.costDeltaUsd} |`,
    ),
  ];
  for (const w of report.workflows) {
    lines.push("", `## ${w.workflowId}${withWorkspace ? ` (workspace ${ws(w)})` : ""}`, "");
    lines.push(`- flag versions: ${w.flagVersions.join(", ") || "–"}`);
    for (const [executor, l] of Object.entries(w.latency)) {
      lines.push(`- ${executor}: ${l.runs} runs, p50 ${msText(l.p50Ms)}, p95 ${msText(l.p95Ms)}`);
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
