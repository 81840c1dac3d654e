// How much does the legacy Convex executor cost per node, how parallel is it, how much memory does it take?
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { convexModules } from "../executors/convex/modules.ts";
import { embeddedExecutor } from "../executors/convex/testing.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { compiledChain, compiledFanOut } from "./graphs.ts";
import { type Bench, median, peakRssMiB, round } from "./measure.ts";

let seq = 0;

/**
 * Returns the wall milliseconds from submit to the terminal record, on a fresh embedded runtime, the
 * run's own duration (first step start to end, as recorded), and the process's CPU milliseconds over
 * the same span (steadier than wall time on a shared machine).
 */
async function measure(workflow: CompiledWorkflow, provider: string, parallelism = 8) {
  const { executor } = embeddedExecutor(convexModules, { parallelism, cancelPollMs: 500 }, provider);
  await executor.get("bench", "warm-key"); // issue the workspace key outside the measurement
  const runId = `bench-${++seq}`;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await executor.submit({ runId, workspaceId: "bench", workflow, input: {} });
  const record = await executor.waitFor("bench", runId);
  const wall = performance.now() - t0;
  const { user, system } = process.cpuUsage(cpu0);
  if (record.status !== "completed") {
    throw new Error(`bench run ${runId} ${record.status}: ${record.error?.message}`);
  }
  return { wall, run: record.durationMs ?? Number.NaN, cpu: (user + system) / 1000 };
}

const wallMs = async (workflow: CompiledWorkflow, provider: string, parallelism = 8) =>
  (await measure(workflow, provider, parallelism)).wall;

const bench: Bench = {
  name: "convex-executor",
  async run() {
    const chain = compiledChain(200);
    const nodes = chain.topologicallySortedNodes.length;
    await wallMs(chain, "mock"); // warm-up: module loading, JIT
    const chainRuns: { wall: number; run: number; cpu: number }[] = [];
    for (let i = 0; i < 5; i++) chainRuns.push(await measure(chain, "mock"));

    const fanOut = compiledFanOut(20);
    await wallMs(fanOut, "mock:latency=100", 20);
    const fanRuns: number[] = [];
    for (let i = 0; i < 3; i++) fanRuns.push(await wallMs(fanOut, "mock:latency=100", 20));

    const rssBefore = peakRssMiB();
    const big = compiledChain(998);
    const bigMs = await wallMs(big, "mock");
    return {
      chain200_nodes: nodes,
      chain200_ms_per_node_median: round(median(chainRuns.map((r) => r.wall)) / nodes),
      chain200_ms_per_node_in_run_median: round(median(chainRuns.map((r) => r.run)) / nodes),
      chain200_cpu_ms_per_node_median: round(median(chainRuns.map((r) => r.cpu)) / nodes),
      chain200_goal_ms_per_node: 2,
      fanout20x100ms_wall_ms_median: round(median(fanRuns), 1),
      fanout20x100ms_goal_ms: 250,
      graph1000_nodes: big.topologicallySortedNodes.length,
      graph1000_wall_ms: round(bigMs, 1),
      graph1000_peak_rss_mib: peakRssMiB(),
      peak_rss_mib_before_graph1000: rssBefore,
      load_average_1m: round(loadavg()[0], 2),
    };
  },
};
export default bench;
