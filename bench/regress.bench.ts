// How long does the regression corpus take? regress/corpus on both executors at --concurrency 1 and 4: wall time and cases/s.
import { join } from "node:path";
import type { ExecutorName } from "../executors/records.ts";
import { runRegress } from "../regress/runner.ts";
import { type Bench, peakRssMiB, round } from "./measure.ts";

const dir = join(import.meta.dirname, "..", "regress", "corpus");

async function measure(executors: ExecutorName[], concurrency: number) {
  const report = await runRegress({ dir, executors, concurrency });
  const failed = report.results.filter((r) => !r.ok);
  return {
    cases: report.cases,
    wallS: round(report.durationMs / 1000, 2),
    casesPerS: round(report.cases / (report.durationMs / 1000), 2),
    failed: failed.map((r) => `${r.case} (${r.executor}): ${r.reasons[0]}`),
  };
}

const bench: Bench = {
  name: "regress",
  async run() {
    // Warm-up: module loading and the first embedded runtimes are not the corpus's cost.
    await runRegress({ dir, executors: ["convex", "inngest"], globs: ["dag-example-summary"] });
    const figures: Record<string, unknown> = {};
    for (const concurrency of [1, 4]) {
      figures[`both.concurrency${concurrency}`] = await measure(["convex", "inngest"], concurrency);
    }
    figures["convexOnly.concurrency4"] = await measure(["convex"], 4);
    figures["inngestOnly.concurrency4"] = await measure(["inngest"], 4);
    figures.peakRssMiB = peakRssMiB();
    return figures;
  },
};

export default bench;
