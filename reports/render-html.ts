// How does a report look in a browser? One self-contained HTML file: inline CSS, Chart.js inlined from node_modules,
// the data in a JSON block, and a Content-Security-Policy that lets the page load nothing from anywhere.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { GateResult } from "../gates/evaluate.ts";
import { changesOf, TREND_ARROW } from "./changes.ts";
import type {
  ReportChanges,
  ReportData,
  ReportFinding,
  WorkflowChange,
  WorkflowReportData,
} from "./report-data.ts";

/** The Chart.js build the page inlines (pinned in package.json). */
export const CHART_JS_VERSION = "4.6.1";

let chartJs: string | undefined;

/** Returns Chart.js's UMD bundle from node_modules, without its source-map comment (the page fetches nothing). */
export function chartLibrary(): string {
  if (chartJs === undefined) {
    // The package exports no path to the UMD bundle; it sits beside the CommonJS entry.
    const entry = createRequire(import.meta.url).resolve("chart.js");
    const source = readFileSync(join(dirname(entry), "chart.umd.js"), "utf8");
    if (!source.includes(`Chart.js v${CHART_JS_VERSION}`))
      throw new Error(`node_modules/chart.js is not version ${CHART_JS_VERSION}: run npm ci`);
    chartJs = source.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
  }
  return chartJs;
}

/** Escapes text for HTML content and attribute values. */
export function esc(value: unknown): string {
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Returns JSON safe inside a <script> element: no `<` at all, so no `</script>` or `<!--` can end it. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const pct = (p: number | null, none = "no pairs") => (p === null ? none : `${p} %`);
const ms = (x: number | null) => (x === null ? "–" : `${x} ms`);
const usd = (x: number | null, sign = false) =>
  x === null ? "unknown" : `${x < 0 ? "-" : sign && x > 0 ? "+" : ""}$${Math.abs(x).toFixed(6)}`;
const plus = (n: number) => (n > 0 ? `+${n}` : String(n));
const wfKey = (w: { workflowId: string; workspaceId: string }) =>
  JSON.stringify([w.workflowId, w.workspaceId]);
const VALUE_CHARS = 400;

function value(v: unknown): string {
  if (v === undefined) return "(absent)";
  let t: string;
  try {
    t = JSON.stringify(v, null, 1) ?? String(v);
  } catch {
    t = String(v);
  }
  return t.length > VALUE_CHARS ? `${t.slice(0, VALUE_CHARS)}… (${t.length} chars)` : t;
}

function card(label: string, big: string, small = ""): string {
  return `<div class="card ${esc(label.split(" ")[0])}"><div class="label">${esc(label)}</div><div class="big">${esc(big)}</div>${small ? `<div class="small">${esc(small)}</div>` : ""}</div>`;
}

function gateList(gates: GateResult[]): string {
  const failing = gates.filter((g) => !g.ok);
  if (failing.length === 0) return "";
  return `<ul class="gates">${failing
    .map(
      (g) =>
        `<li><b>${esc(g.name)}</b> ${esc(g.actual ?? "–")} <span class="muted">(needs ${esc(g.required)})</span></li>`,
    )
    .join("")}</ul>`;
}

function readinessCell(w: WorkflowReportData): string {
  const r = w.readiness;
  if (r.decision === "n/a")
    return `<span class="badge na">n/a</span>${r.next ? ` <span class="muted">→ ${esc(r.next)} needs no evidence</span>` : ""}`;
  return `<span class="muted">→ ${esc(r.next)}</span> <span class="badge ${esc(r.decision)}">${esc(r.decision)}</span>${gateList(r.gates)}`;
}

function trendCell(c: WorkflowChange | undefined): string {
  if (!c || c.trend === "n/a") return "";
  const title = c.trend === "new" ? "not in the previous report" : `previously ${pct(c.previousParityPct)}`;
  return ` <span class="trend ${esc(c.trend)}" title="${esc(title)}">${esc(TREND_ARROW[c.trend])}</span>`;
}

function coverageCell(w: WorkflowReportData): string {
  const c = w.coverage;
  if (c.compared + c.dropped + c.overBudget === 0) return `<span class="muted">no pairs</span>`;
  if (c.comparedPct === null)
    return `${c.compared} compared<div class="small muted">dropped and over budget not counted</div>`;
  return `${esc(pct(c.comparedPct, "–"))}<div class="small muted">${c.compared} compared · ${c.dropped} dropped · ${c.overBudget} over budget</div>`;
}

function row(w: WorkflowReportData, change: WorkflowChange | undefined): string {
  const empty = w.pairs === 0;
  const latency = (side: "convex" | "inngest") => {
    const l = w.latency[side];
    return l.runs === 0 ? "–" : `${l.p50Ms ?? "–"} / ${ms(l.p95Ms)}`;
  };
  return `<tr data-workflow="${esc(w.workflowId)}" data-workspace="${esc(w.workspaceId)}">
<td><b>${esc(w.workflowId)}</b></td><td>${esc(w.workspaceId)}</td>
<td>${w.stage ? `<span class="stage">${esc(w.stage)}</span>` : `<span class="muted">no flag</span>`}${w.flagVersion === null ? "" : ` <span class="muted small">v${w.flagVersion}</span>`}</td>
<td class="ready">${readinessCell(w)}</td>
<td class="num">${w.pairs}</td>
<td class="num">${empty ? `<span class="muted">no pairs</span>` : `<b>${esc(pct(w.parityPct))}</b>`}${trendCell(change)}</td>
<td class="num">${empty ? "–" : `${w.verdicts.mismatch}<span class="muted"> / ${w.verdicts["shadow-timeout"]}</span>`}</td>
<td class="cov">${coverageCell(w)}</td>
<td class="num">${empty ? "–" : esc(plus(w.tokens.delta))}</td>
<td class="num">${empty ? "–" : esc(usd(w.costUsd.delta, true))}</td>
<td class="num">${latency("convex")}</td><td class="num">${latency("inngest")}</td>
</tr>`;
}

function findingRows(findings: ReportFinding[]): string {
  return findings
    .map(
      (f) => `<tr><td><span class="sev ${esc(f.severity)}">${esc(f.severity)}</span> ${esc(f.category)}</td>
<td>${f.nodeId ? `<code>${esc(f.nodeId)}</code>` : `<span class="muted">run</span>`}<div><code class="path">${esc(f.path ?? "")}</code></div><div class="small">${esc(f.message)}</div></td>
<td><pre>${esc(value(f.primary))}</pre></td><td><pre>${esc(value(f.shadow))}</pre></td></tr>`,
    )
    .join("\n");
}

function mismatchSection(w: WorkflowReportData, index: number, change: WorkflowChange | undefined): string {
  const ex = w.example;
  const newPaths = new Set(change?.newPaths ?? []);
  const paths = w.topPaths.length
    ? `<ol class="paths">${w.topPaths
        .map(
          (p) =>
            `<li><code>${esc(p.path)}</code> <span class="muted">in ${p.pairs} pair${p.pairs === 1 ? "" : "s"}</span>${newPaths.has(p.path) ? ` <span class="badge new">new</span>` : ""}</li>`,
        )
        .join("")}</ol>`
    : `<p class="muted">no paths recorded</p>`;
  const categories = Object.entries(w.findingsByCategory)
    .map(([c, n]) => `${esc(c)} ${n}`)
    .join(", ");
  let example = `<p class="muted">no example pair stored</p>`;
  if (ex) {
    const timeline = (role: "primary" | "shadow") => {
      const side = ex[role];
      const body =
        side.steps.length === 0
          ? `<p class="muted">no run record stored</p>`
          : `<div class="timeline" style="height:${Math.max(110, 64 + side.steps.length * 28)}px"><canvas id="tl-${index}-${role}" data-chart="timeline" aria-label="${esc(role)} step timeline"></canvas></div>`;
      return `<div class="side" data-role="${role}"><h4>${esc(role)} · ${esc(side.executor)}</h4>${body}</div>`;
    };
    example = `<h3>Example: <code>${esc(ex.pairId)}</code> <span class="badge ${esc(ex.verdict)}">${esc(ex.verdict)}</span> <span class="muted small">compared ${esc(ex.comparedAt)}</span></h3>
<div class="sides" data-example="${esc(ex.pairId)}">${timeline("primary")}${timeline("shadow")}</div>
<table class="findings"><thead><tr><th>finding</th><th>where</th><th>primary</th><th>shadow</th></tr></thead><tbody>
${ex.findings.length ? findingRows(ex.findings) : `<tr><td colspan="4" class="muted">no counted finding stored</td></tr>`}
</tbody></table>${ex.findingsOmitted ? `<p class="muted">… and ${ex.findingsOmitted} more findings (<code>cutover results show ${esc(ex.pairId)}</code>)</p>` : ""}`;
  }
  return `<section class="mismatch" data-workflow="${esc(w.workflowId)}" data-workspace="${esc(w.workspaceId)}">
<h2>${esc(w.workflowId)} <span class="muted small">workspace ${esc(w.workspaceId)} · ${w.verdicts.mismatch} mismatching of ${w.pairs} pairs${categories ? ` · findings: ${categories}` : ""}</span></h2>
<h3>Paths that differ most</h3>${paths}
${example}
</section>`;
}

function changesSection(changes: ReportChanges): string {
  const label = (c: WorkflowChange) =>
    `${esc(c.workflowId)} <span class="muted">(${esc(c.workspaceId)})</span>`;
  const moved = changes.workflows.filter((c) => c.trend === "up" || c.trend === "down" || c.trend === "new");
  const paths = changes.workflows.filter((c) => c.newPaths.length > 0);
  const ready = changes.workflows.filter((c) => c.readiness);
  const list = (items: string[], none: string) =>
    items.length ? `<ul>${items.map((i) => `<li>${i}</li>`).join("")}</ul>` : `<p class="muted">${none}</p>`;
  return `<section class="changes" id="changes"><h2>Since the previous report <span class="muted small">${esc(changes.previousGeneratedAt)}</span></h2>
<div class="grid3">
<div><h3>Parity trend</h3>${list(
    moved.map((c) =>
      c.trend === "new"
        ? `${label(c)} new: ${esc(pct(c.parityPct))}`
        : `${label(c)} <span class="trend ${c.trend}">${TREND_ARROW[c.trend]}</span> ${esc(pct(c.previousParityPct))} → ${esc(pct(c.parityPct))}`,
    ),
    "no workflow's parity moved",
  )}</div>
<div><h3>Newly differing paths</h3>${list(
    paths.flatMap((c) => c.newPaths.map((p) => `${label(c)} <code>${esc(p)}</code>`)),
    "none",
  )}</div>
<div><h3>Readiness changed</h3>${list(
    ready.map((c) => {
      const r = c.readiness!;
      return `${label(c)} ${esc(r.from.stage ?? "no flag")} <span class="badge ${esc(r.from.decision)}">${esc(r.from.decision)}</span> → ${esc(r.to.stage ?? "no flag")} <span class="badge ${esc(r.to.decision)}">${esc(r.to.decision)}</span>`;
    }),
    "none",
  )}</div>
</div></section>`;
}

const CSS = `
:root{--fg:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#f7f8fa;--card:#fff;--ok:#12805c;--bad:#c4320a;--warn:#b54708;--convex:#2f6fde;--inngest:#8a3ffc}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header,main{max-width:1500px;margin:0 auto;padding:16px 24px}header h1{margin:8px 0 2px;font-size:22px}
.muted{color:var(--muted)}.small{font-size:12px}code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{margin:0;white-space:pre-wrap;word-break:break-word;max-height:12em;overflow:auto;background:#f2f4f7;padding:4px 6px;border-radius:4px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin:12px 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .big{font-size:24px;font-weight:600;margin-top:2px}section,.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:14px 0}
h2{font-size:17px;margin:4px 0 10px}h3{font-size:14px;margin:14px 0 6px}h4{margin:4px 0;font-size:13px;text-transform:capitalize}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600}#workflows{font-size:13px}td.num{text-align:right;white-space:nowrap}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:12px;font-weight:600;background:#eef0f3}
.badge.pass,.badge.match{background:#dcfae6;color:var(--ok)}.badge.blocked,.badge.mismatch{background:#fee4e2;color:var(--bad)}
.badge.inconclusive,.badge.tolerated{background:#fef0c7;color:var(--warn)}.badge.new{background:#e0eaff;color:#3538cd}
.stage{font-weight:600}.gates{margin:4px 0 0;padding-left:16px;font-size:12px}
.trend.up{color:var(--ok)}.trend.down{color:var(--bad)}.trend.same,.trend.na{color:var(--muted)}
.sev.critical,.sev.major{color:var(--bad);font-weight:600}.sev.minor{color:var(--warn)}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:14px}.chart{position:relative;height:280px}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:14px}.timeline{position:relative}
.grid3{display:grid;grid-template-columns:repeat(3,1fr);gap:14px}.paths{margin:0;padding-left:20px}
.scroll{overflow-x:auto}td.cov{min-width:130px}td.ready{min-width:230px}table.findings{table-layout:fixed}table.findings th:nth-child(1){width:10%}table.findings th:nth-child(2){width:40%}table.findings th:nth-child(3),table.findings th:nth-child(4){width:25%}.card.window .big{font-size:17px}.notes li{margin:2px 0}.empty{padding:30px;text-align:center;color:var(--muted)}
@media (max-width:900px){.charts,.sides,.grid3{grid-template-columns:1fr}}
`;

/** The page script: reads the JSON block and draws every chart with Chart.js; sets data-charts on <body> when done. */
const PAGE_SCRIPT = `
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var COLORS = ["#2f6fde", "#8a3ffc", "#12805c", "#c4320a", "#b54708", "#0e9384", "#c11574", "#475467"];
  var SIDE = { convex: "#2f6fde", inngest: "#8a3ffc" };
  var STATUS = { completed: "#12805c", failed: "#c4320a", skipped: "#98a2b3", canceled: "#b54708", running: "#2f6fde" };
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  var drawn = 0;
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false }, config.options || {});
    new Chart(canvas, config);
    drawn++;
  }

  // Parity per UTC day: one line per workflow with pairs, and the pairs of every workflow as bars behind.
  var days = [];
  data.workflows.forEach(function (w) { w.daily.forEach(function (d) { if (days.indexOf(d.day) < 0) days.push(d.day); }); });
  days.sort();
  var withPairs = data.workflows.filter(function (w) { return w.pairs > 0; });
  if (withPairs.length > 0) {
    var perDay = days.map(function (day) {
      return data.workflows.reduce(function (n, w) {
        var d = w.daily.find(function (x) { return x.day === day; });
        return n + (d ? d.pairs : 0);
      }, 0);
    });
    // Every workflow together, then each workflow that fell below 100 % on some day (at most 8, worst first).
    var agreeing = days.map(function (day) {
      return data.workflows.reduce(function (n, w) {
        var d = w.daily.find(function (x) { return x.day === day; });
        return n + (d && d.parityPct !== null ? Math.round((d.pairs * d.parityPct) / 100) : 0);
      }, 0);
    });
    var lowest = function (w) {
      return Math.min.apply(null, w.daily.map(function (d) { return d.parityPct === null ? 100 : d.parityPct; }));
    };
    var shown = withPairs.filter(function (w) { return lowest(w) < 100; });
    shown.sort(function (a, b) { return lowest(a) - lowest(b); });
    var lines = [{
      type: "line",
      label: "all workflows",
      data: days.map(function (day, i) { return perDay[i] === 0 ? null : Math.round((agreeing[i] / perDay[i]) * 10000) / 100; }),
      borderColor: "#1d2330",
      backgroundColor: "#1d2330",
      borderWidth: 3,
      yAxisID: "y",
      spanGaps: false,
      pointRadius: 4,
      order: 0
    }].concat(shown.slice(0, 8).map(function (w, i) {
      return {
        type: "line",
        label: w.workflowId + " · " + w.workspaceId,
        data: days.map(function (day) {
          var d = w.daily.find(function (x) { return x.day === day; });
          return d && d.parityPct !== null ? d.parityPct : null;
        }),
        borderColor: COLORS[(i + 3) % COLORS.length],
        backgroundColor: COLORS[(i + 3) % COLORS.length],
        yAxisID: "y",
        spanGaps: false,
        pointRadius: 3,
        order: 1
      };
    }));
    lines.push({ type: "bar", label: "pairs (all workflows)", data: perDay, backgroundColor: "rgba(152,162,179,0.35)", yAxisID: "pairs", order: 2 });
    draw("chart-parity", {
      type: "bar",
      data: { labels: days, datasets: lines },
      options: {
        plugins: {
          title: { display: true, text: "Parity per UTC day (%): all workflows, and each one below 100 %; days without pairs are gaps" },
          legend: { position: "bottom" }
        },
        scales: {
          y: { min: 0, max: 100, title: { display: true, text: "parity %" } },
          pairs: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "pairs" } }
        }
      }
    });

    // Latency distribution per executor: every workflow's histogram summed by bucket upper bound.
    var bounds = [];
    var sums = { convex: {}, inngest: {} };
    data.workflows.forEach(function (w) {
      ["convex", "inngest"].forEach(function (side) {
        var h = w.latency[side].histogram;
        h.upperMs.forEach(function (u, i) {
          if (bounds.indexOf(u) < 0) bounds.push(u);
          sums[side][u] = (sums[side][u] || 0) + h.counts[i];
        });
      });
    });
    bounds.sort(function (a, b) { return a - b; });
    if (bounds.length > 0) {
      var label = function (u) { return "≤ " + (u >= 1000 ? u / 1000 + " s" : u + " ms"); };
      draw("chart-latency", {
        type: "bar",
        data: {
          labels: bounds.map(label),
          datasets: ["convex", "inngest"].map(function (side) {
            return { label: side, data: bounds.map(function (u) { return sums[side][u] || 0; }), backgroundColor: SIDE[side] };
          })
        },
        options: {
          plugins: { title: { display: true, text: "Run duration per executor (runs per bucket, start to finish)" }, legend: { position: "bottom" } },
          scales: { y: { beginAtZero: true, title: { display: true, text: "runs" } }, x: { title: { display: true, text: "duration" } } }
        }
      });
    }
  }

  // Each example pair: primary and shadow steps as floating bars on one shared time axis.
  data.workflows.forEach(function (w, index) {
    var ex = w.example;
    if (!ex) return;
    var end = function (s) { return (s.startMs || 0) + (s.durationMs || 0); };
    var max = Math.max(1, Math.max.apply(null, ex.primary.steps.concat(ex.shadow.steps).map(end)));
    ["primary", "shadow"].forEach(function (role) {
      var side = ex[role];
      if (side.steps.length === 0) return;
      draw("tl-" + index + "-" + role, {
        type: "bar",
        data: {
          labels: side.steps.map(function (s) { return s.name; }),
          datasets: [{
            label: role + " (" + side.executor + ")",
            data: side.steps.map(function (s) { return s.startMs === null ? null : [s.startMs, end(s)]; }),
            backgroundColor: side.steps.map(function (s) { return STATUS[s.status] || "#475467"; }),
            minBarLength: 3,
            borderSkipped: false
          }]
        },
        options: {
          indexAxis: "y",
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { label: function (c) { var s = side.steps[c.dataIndex]; return s.status + ", at " + s.startMs + " ms for " + s.durationMs + " ms"; } } }
          },
          scales: {
            x: { min: 0, max: max, title: { display: true, text: "ms from the run's start" } },
            y: { ticks: { autoSkip: false } }
          }
        }
      });
    });
  });
  document.body.setAttribute("data-charts", String(drawn));
})();
`;

function sha256Base64(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64");
}

/**
 * Returns the report as one HTML document that opens offline: every string escaped, the data in a JSON block
 * the page script reads, Chart.js inline, and a CSP that allows only those two inline scripts (by hash) and
 * inline styles — no request can leave the page. With `previous`: trend arrows, newly differing paths and
 * readiness changes.
 */
export function renderHtml(data: ReportData, previous?: ReportData): string {
  const changes = changesOf(data, previous);
  const changeOf = new Map(changes?.workflows.map((c) => [wfKey(c), c]));
  const t = data.totals;
  const library = chartLibrary();
  const json = scriptJson(changes ? { ...data, changes } : data);
  const windowText = `${data.window.since ? data.window.since.replace("T", " ").slice(0, 16) : "all history"} → ${data.window.until.replace("T", " ").slice(0, 16)} UTC`;
  const mismatching = data.workflows
    .map((w, i) => ({ w, i }))
    .filter(({ w }) => w.verdicts.mismatch > 0 || w.example !== null);
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256Base64(library)}' 'sha256-${sha256Base64(PAGE_SCRIPT)}'`,
    "style-src 'unsafe-inline'",
    "img-src data:",
    "font-src 'none'",
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const charts =
    t.pairs === 0
      ? `<section class="panel"><div class="empty">No pairs in the window: nothing to chart.</div></section>`
      : `<section class="panel"><div class="charts"><div class="chart"><canvas id="chart-parity" data-chart="parity" aria-label="parity per day"></canvas></div><div class="chart"><canvas id="chart-latency" data-chart="latency" aria-label="latency per executor"></canvas></div></div></section>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Cutover parity report · ${esc(data.generatedAt.slice(0, 10))}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Cutover parity report</h1>
<div class="muted">generated ${esc(data.generatedAt)} · window ${esc(windowText)}</div>
<div class="cards">
${card("pairs", t.pairs === 0 ? "no pairs" : String(t.pairs), t.pairs === 0 ? "in the window" : `${t.verdicts.match} match · ${t.verdicts.tolerated} tolerated · ${t.verdicts.mismatch} mismatch · ${t.verdicts["shadow-timeout"]} timeout`)}
${card("parity", pct(t.parityPct), t.pairs === 0 ? "nothing compared" : "(match + tolerated) / pairs")}
${card("workflows", String(t.workflows), `${mismatching.length} with mismatches`)}
${card("dropped / over budget", `${t.dropped} / ${t.overBudget}`, "shadows not compared")}
${card("window", data.window.since ? windowText.split(" → ")[0] : "all history", `until ${data.window.until.replace("T", " ").slice(0, 16)} UTC`)}
</div>
</header>
<main>
${changes ? changesSection(changes) : ""}
<section class="panel"><h2>Workflows</h2>
${
  data.workflows.length === 0
    ? `<div class="empty">No workflows: no results and no flags.</div>`
    : `<div class="scroll"><table id="workflows"><thead><tr><th>workflow</th><th>workspace</th><th>stage</th><th>readiness for the next stage</th><th>pairs</th><th>parity</th><th>mismatch / timeout</th><th>coverage</th><th>token Δ</th><th>cost Δ</th><th>convex p50 / p95</th><th>inngest p50 / p95</th></tr></thead>
<tbody>
${data.workflows.map((w) => row(w, changeOf.get(wfKey(w)))).join("\n")}
</tbody></table></div>`
}
</section>
${charts}
${mismatching.map(({ w, i }) => mismatchSection(w, i, changeOf.get(wfKey(w)))).join("\n")}
<section class="panel notes"><h2>How these figures are computed</h2><ul>${data.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>
<p class="muted small">Δ is shadow − primary. Charts drawn with Chart.js ${CHART_JS_VERSION}, inlined; this file loads nothing from the network.</p></section>
</main>
<script type="application/json" id="report-data">${json}</script>
<script>${library}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
