// How long does `cutover report` take over a large window? 100,000 stored results folded into the per-workflow report.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { buildReport } from "../cli/report.ts";
import { parseSince } from "../cli/since.ts";
import { aggregate } from "../reports/aggregate.ts";
import { renderReport } from "../reports/render.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { type Bench, peakRssMiB, round } from "./measure.ts";

const N = 100_000;
const now = Date.now();

function result(i: number) {
  const mismatch = i % 40 === 0;
  return {
    pairId: `pair-${i}`,
    workflowId: `wf-${i % 25}`,
    workspaceId: `ws-${i % 7}`,
    verdict: mismatch ? ("mismatch" as const) : i % 97 === 0 ? ("tolerated" as const) : ("match" as const),
    findings: mismatch
      ? [
          {
            category: "output",
            severity: "major",
            nodeId: "extract",
            path: `$.output.items[${i % 3}].name`,
            message: "differs",
            primary: "a",
            shadow: "b",
          },
          { category: "latency", severity: "info", message: "shadow 1.2x slower" },
        ]
      : [{ category: "latency", severity: "info", message: "shadow 1.1x slower" }],
    summary: {
      primary: { runId: `r${i}`, executor: "convex", status: "completed", durationMs: 800 + (i % 400) },
      shadow: {
        runId: `r${i}~shadow`,
        executor: "inngest",
        status: "completed",
        durationMs: 850 + (i % 500),
      },
      tokens: { delta: { input: 0, output: mismatch ? 5 : 0, total: mismatch ? 5 : 0 } },
      costUsd: { delta: mismatch ? 0.00001 : 0 },
      topPaths: mismatch ? [`$.output.items[${i % 3}].name`] : [],
    },
    flagVersion: 1 + (i % 3),
    policy: { mode: "replay" },
    // spread over the last 20 hours, so `--since 24h` covers them all
    comparedAt: new Date(now - (i % 72_000) * 1000).toISOString(),
  };
}

const bench: Bench = {
  name: "report",
  async run() {
    const dir = mkdtempSync(join(tmpdir(), "cutover-bench-report-"));
    const store = openSqliteStore({ path: join(dir, "state.db") });
    try {
      for (let i = 0; i < N; i += 5000) {
        await store.putResults(Array.from({ length: 5000 }, (_, k) => result(i + k)));
      }
      const heapBefore = process.memoryUsage().heapUsed;
      let heapPeak = heapBefore;
      // Reads the heap every 1,000 results as the report streams them (the fold never yields to timers).
      async function* sampled<T>(source: AsyncIterable<T>): AsyncIterable<T> {
        let n = 0;
        for await (const item of source) {
          if (++n % 1000 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
          yield item;
        }
      }
      const t0 = performance.now();
      const since = parseSince("24h");
      const report = await aggregate(sampled(store.iterateResults({ since }, 1000)), { since });
      const text = renderReport(report, "md");
      const ms = performance.now() - t0;
      // The same through the command's own path, for the figure an operator sees.
      const t1 = performance.now();
      await buildReport(store, { since: "24h" });
      const commandMs = performance.now() - t1;
      return {
        results: report.totals.pairs,
        workflows: report.totals.workflows,
        reportMs: round(ms, 1),
        buildReportMs: round(commandMs, 1),
        goalMs: 5000,
        resultsPerSecond: Math.round(report.totals.pairs / (ms / 1000)),
        peakHeapGrowthMiB: round((heapPeak - heapBefore) / 2 ** 20, 1),
        markdownBytes: text.length,
        peakRssMiB: peakRssMiB(),
      };
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
