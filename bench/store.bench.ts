// How fast is the embedded store at the sizes reports read? 100,000 parity results written, paged and streamed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { defaultFlagState } from "../flags/flag.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { type Bench, median, peakRssMiB, round, timeRuns } from "./measure.ts";

const N = 100_000; // results, filled in batches of 5,000 (one transaction each)
const T0 = Date.parse("2026-11-01T00:00:00.000Z");

function result(i: number) {
  return {
    pairId: `pair-${i}`,
    workflowId: `wf-${i % 20}`,
    workspaceId: `ws-${i % 7}`,
    verdict: i % 50 === 0 ? ("mismatch" as const) : ("match" as const),
    findings:
      i % 50 === 0
        ? [
            {
              category: "output",
              severity: "major",
              nodeId: "n3",
              path: "$.title",
              message: "differs",
              primary: "a",
              shadow: "b",
            },
          ]
        : [{ category: "timeline", severity: "info", message: "parallel siblings reordered" }],
    summary: {
      steps: 20,
      tokens: { primary: 1200, shadow: 1200 },
      latencyMs: { primary: 900 + (i % 300), shadow: 950 },
    },
    flagVersion: 3,
    policy: "default",
    comparedAt: new Date(T0 + i * 20_000).toISOString(),
  };
}

const bench: Bench = {
  name: "store",
  async run() {
    const dir = mkdtempSync(join(tmpdir(), "cutover-bench-store-"));
    const store = openSqliteStore({ path: join(dir, "state.db") });
    try {
      let t = performance.now();
      for (let i = 0; i < N; i += 5000) {
        await store.putResults(Array.from({ length: 5000 }, (_, k) => result(i + k)));
      }
      const batchMs = performance.now() - t;
      const single = await timeRuns(
        (() => {
          let i = N;
          return () => store.putResult(result(i++));
        })(),
        2000,
        0,
      );

      const heapBefore = process.memoryUsage().heapUsed;
      let heapPeak = heapBefore;
      let count = 0;
      t = performance.now();
      for await (const r of store.iterateResults({}, 1000)) {
        if (r.verdict) count++;
        if (count % 5000 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      }
      const iterateMs = performance.now() - t;

      let filtered = 0;
      t = performance.now();
      for await (const _ of store.iterateResults({
        workflowId: "wf-4",
        since: new Date(T0 + N * 10_000).toISOString(),
      })) {
        filtered++;
      }
      const filteredMs = performance.now() - t;

      const firstPage = await timeRuns(() => store.listResults({ verdict: "mismatch", limit: 50 }), 20);

      let version = 0;
      const cas = await timeRuns(
        async () => {
          await store.compareAndSetFlag({
            workflowId: "wf-bench",
            expectedVersion: version,
            next: { ...defaultFlagState(), samplePct: version % 100 },
            actor: "bench",
            reason: "bench",
          });
          version++;
        },
        500,
        0,
      );

      return {
        results: N,
        batch_write_results_per_s: Math.round(N / (batchMs / 1000)),
        single_put_result_p50_ms: round(median(single), 3),
        iterate_all_ms: round(iterateMs, 0),
        iterate_results_per_s: Math.round(count / (iterateMs / 1000)),
        iterate_heap_growth_mib: round((heapPeak - heapBefore) / 2 ** 20, 1),
        filtered_workflow_since_ms: round(filteredMs, 1),
        filtered_count: filtered,
        mismatch_first_page_p50_ms: round(median(firstPage), 3),
        flag_cas_p50_ms: round(median(cas), 3),
        peak_rss_mib: peakRssMiB(),
      };
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
