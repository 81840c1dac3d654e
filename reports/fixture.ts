// What does a report with a bit of everything look like? Fixtures for the renderer and browser tests: several
// workflows, one mismatching with an explained example (carrying hostile strings), one with no pairs, a week of days.
import type { GateResult } from "../gates/evaluate.ts";
import type { ReportData, SideLatency, WorkflowReportData } from "./report-data.ts";

/** A string that must never reach the page as markup. */
export const HOSTILE = `</script><script>window.__xss=1</script><img src=x onerror="window.__xss=2">"'&`;

const DAYS = [
  "2026-11-23",
  "2026-11-24",
  "2026-11-25",
  "2026-11-26",
  "2026-11-27",
  "2026-11-28",
  "2026-11-29",
];

function latency(runs: number, center: number): SideLatency {
  const upperMs = [50, 100, 200, 500, 1000, 2000];
  const shape = upperMs.map((u) => Math.exp(-(((Math.log(u) - Math.log(center)) / 0.9) ** 2)));
  const total = shape.reduce((a, b) => a + b, 0);
  const counts = shape.map((s) => Math.round((s / total) * runs));
  return runs === 0
    ? { runs: 0, p50Ms: null, p95Ms: null, histogram: { upperMs: [], counts: [] } }
    : { runs, p50Ms: center, p95Ms: Math.round(center * 2.2), histogram: { upperMs, counts } };
}

const gate = (name: string, ok: boolean, actual: number | string | null, required: string): GateResult => ({
  name,
  ok,
  actual,
  required,
});

function workflow(
  w: Partial<WorkflowReportData> & Pick<WorkflowReportData, "workflowId" | "pairs">,
): WorkflowReportData {
  const mismatch = w.verdicts?.mismatch ?? 0;
  const verdicts = w.verdicts ?? { match: w.pairs - mismatch, tolerated: 0, mismatch, "shadow-timeout": 0 };
  const parity =
    w.pairs === 0 ? null : Math.round(((verdicts.match + verdicts.tolerated) / w.pairs) * 10_000) / 100;
  return {
    workspaceId: "default",
    stage: "shadow",
    flagVersion: 3,
    readiness: { next: "live", decision: "inconclusive", gates: [gate("minPairs", false, w.pairs, "≥ 100")] },
    verdicts,
    parityPct: parity,
    coverage: {
      compared: w.pairs,
      dropped: 0,
      overBudget: 0,
      comparedPct: w.pairs === 0 ? null : 100,
    },
    tokens: { primary: w.pairs * 120, shadow: w.pairs * 120, delta: 0 },
    costUsd: { primary: w.pairs * 0.0001, shadow: w.pairs * 0.0001, delta: 0 },
    latency: { convex: latency(w.pairs, 180), inngest: latency(w.pairs, 240) },
    findingsByCategory: {},
    topPaths: [],
    daily: DAYS.map((day, i) => {
      const pairs = w.pairs === 0 ? 0 : Math.round(w.pairs / DAYS.length) + (i % 3);
      return { day, pairs, parityPct: pairs === 0 ? null : parity };
    }),
    example: null,
    ...w,
  };
}

/**
 * Returns a report over a week: four workflows, `extract` mismatching with an example, `idle` with no pairs.
 * With `hostile` (the default) some strings carry markup that must stay text; without, it reads as a real report.
 */
export function fixtureReport(options: { hostile?: boolean } = {}): ReportData {
  const hostile = options.hostile ?? true;
  const workflows: WorkflowReportData[] = [
    workflow({
      workflowId: "checkout-summary",
      pairs: 1400,
      verdicts: { match: 1396, tolerated: 4, mismatch: 0, "shadow-timeout": 0 },
      readiness: {
        next: "live",
        decision: "pass",
        gates: [gate("minPairs", true, 1400, "≥ 100"), gate("minParityPct", true, 100, "≥ 99 %")],
      },
      coverage: { compared: 1400, dropped: 12, overBudget: 0, comparedPct: 99.15 },
    }),
    workflow({
      workflowId: "extract",
      workspaceId: "ws_pilot",
      pairs: 700,
      verdicts: { match: 640, tolerated: 10, mismatch: 48, "shadow-timeout": 2 },
      readiness: {
        next: "live",
        decision: "blocked",
        gates: [
          gate("minPairs", true, 700, "≥ 100"),
          gate("minParityPct", false, 92.86, "≥ 99 %"),
          gate("maxP95Ratio", false, 1.61, "Inngest p95 ≤ 1.5× Convex p95"),
        ],
      },
      coverage: { compared: 700, dropped: 3, overBudget: 41, comparedPct: 94.09 },
      tokens: { primary: 84_000, shadow: 83_410, delta: -590 },
      costUsd: { primary: 0.0412, shadow: 0.0409, delta: -0.0003 },
      findingsByCategory: { output: 48, tokens: 6 },
      topPaths: [
        { path: "$.output.items[0].product", pairs: 41 },
        { path: "$.output.customerName", pairs: 30 },
        { path: hostile ? `$.output["${HOSTILE}"]` : "$.output.items[1].quantity", pairs: 2 },
      ],
      daily: DAYS.map((day, i) => ({ day, pairs: 100, parityPct: [99, 98.5, 97, 95, 90, 88, 82][i] })),
      example: {
        pairId: "pair_ws_pilot_run_42",
        verdict: "mismatch",
        comparedAt: "2026-11-29T22:10:00.000Z",
        findings: [
          {
            category: "output",
            severity: "major",
            nodeId: "extract",
            path: "$.output.items[0].product",
            message: 'output differs: primary "Details Standing", shadow "Confirm Mention"',
            primary: "Details Standing",
            shadow: "Confirm Mention",
          },
          hostile
            ? {
                category: "output",
                severity: "major",
                nodeId: "extract",
                path: `$.output["${HOSTILE}"]`,
                message: `user data: ${HOSTILE}`,
                primary: { note: HOSTILE },
                shadow: null,
              }
            : {
                category: "output",
                severity: "major",
                nodeId: "extract",
                path: "$.output.items[1].quantity",
                message: "output differs: primary 88.09, shadow 64.17",
                primary: 88.09,
                shadow: 64.17,
              },
          {
            category: "tokens",
            severity: "minor",
            path: "$.tokens",
            message: "tokens differ within the live tolerance of 10%",
            primary: { input: 80, output: 49, total: 129 },
            shadow: { input: 80, output: 48, total: 128 },
          },
        ],
        findingsOmitted: 4,
        primary: {
          executor: "convex",
          steps: [
            { name: "node-input-input", status: "completed", startMs: 0, durationMs: 2 },
            { name: "node-extract-llm", status: "completed", startMs: 3, durationMs: 640 },
            { name: "node-enrich-http", status: "completed", startMs: 650, durationMs: 210 },
            { name: "node-output-output", status: "completed", startMs: 862, durationMs: 1 },
          ],
        },
        shadow: {
          executor: "inngest",
          steps: [
            { name: "node-input-input", status: "completed", startMs: 0, durationMs: 3 },
            { name: "node-extract-llm", status: "completed", startMs: 40, durationMs: 880 },
            { name: "node-enrich-http", status: "failed", startMs: 930, durationMs: 120 },
            { name: "node-output-output", status: "skipped", startMs: null, durationMs: null },
          ],
        },
      },
    }),
    workflow({
      workflowId: "idle",
      stage: "live",
      pairs: 0,
      readiness: {
        next: "inngest",
        decision: "inconclusive",
        gates: [gate("minPairs", false, 0, "≥ 100"), gate("minParityPct", false, null, "≥ 99 %")],
      },
    }),
    workflow({
      workflowId: "translate",
      workspaceId: "ws_b",
      stage: "live",
      pairs: 350,
      verdicts: { match: 350, tolerated: 0, mismatch: 0, "shadow-timeout": 0 },
      readiness: { next: "inngest", decision: "pass", gates: [] },
    }),
  ];
  const verdicts = { match: 0, tolerated: 0, mismatch: 0, "shadow-timeout": 0 };
  for (const w of workflows)
    for (const k of Object.keys(verdicts) as (keyof typeof verdicts)[]) verdicts[k] += w.verdicts[k];
  const pairs = workflows.reduce((n, w) => n + w.pairs, 0);
  return {
    generatedAt: "2026-11-30T02:00:00.000Z",
    window: { since: "2026-11-23T00:00:00.000Z", until: "2026-11-30T02:00:00.000Z" },
    notes: [
      "Latency percentiles are each run's duration from start to finish, from a DDSketch at 1 % relative accuracy.",
      ...(hostile ? [`A note with markup that must stay text: ${HOSTILE}`] : []),
    ],
    totals: {
      workflows: workflows.length,
      pairs,
      parityPct: Math.round(((verdicts.match + verdicts.tolerated) / pairs) * 10_000) / 100,
      verdicts,
      dropped: 15,
      overBudget: 41,
    },
    workflows,
  };
}

/** Returns the night before's report: extract was better and differed elsewhere, checkout was not yet ready. */
export function fixturePrevious(): ReportData {
  const data = fixtureReport();
  data.generatedAt = "2026-11-29T02:00:00.000Z";
  data.window = { since: "2026-11-22T00:00:00.000Z", until: "2026-11-29T02:00:00.000Z" };
  data.workflows = data.workflows
    .filter((w) => w.workflowId !== "translate")
    .map((w) => {
      if (w.workflowId === "extract")
        return { ...w, parityPct: 97.5, topPaths: [{ path: "$.output.items[0].product", pairs: 9 }] };
      if (w.workflowId === "checkout-summary")
        return { ...w, parityPct: 99.2, readiness: { ...w.readiness, decision: "inconclusive" as const } };
      return w;
    });
  return data;
}

/** Returns a report of an empty window: no workflow, no pairs. */
export function emptyReport(): ReportData {
  return {
    generatedAt: "2026-11-30T02:00:00.000Z",
    window: { since: "2026-11-29T02:00:00.000Z", until: "2026-11-30T02:00:00.000Z" },
    notes: [],
    totals: {
      workflows: 0,
      pairs: 0,
      parityPct: null,
      verdicts: { match: 0, tolerated: 0, mismatch: 0, "shadow-timeout": 0 },
      dropped: 0,
      overBudget: 0,
    },
    workflows: [],
  };
}
