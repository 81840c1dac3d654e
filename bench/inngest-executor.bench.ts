// What does the Inngest executor cost? Per-node overhead of the embedded runner as chains, fan-outs and
// ladders grow, a map of 10,000 items on each executor, and REST calls per waited run.
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { convexModules } from "../executors/convex/modules.ts";
import { embeddedExecutor } from "../executors/convex/testing.ts";
import type { Executor } from "../executors/executor.ts";
import { createInngestClient } from "../executors/inngest/client.ts";
import { EmbeddedInngestExecutor } from "../executors/inngest/embedded.ts";
import { InngestExecutor } from "../executors/inngest/executor.ts";
import { nodeEnvFactory } from "../executors/inngest/node-env.ts";
import { MemoryBlobStore } from "../executors/inngest/payload.ts";
import { InngestRestClient } from "../executors/inngest/rest.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { compiledChain, compiledFanOut, compiledLadder } from "./graphs.ts";
import { type Bench, median, round } from "./measure.ts";

let seq = 0;

async function wallMs(executor: Executor, workflow: CompiledWorkflow): Promise<number> {
  const runId = `bench-${++seq}`;
  const t0 = performance.now();
  await executor.submit({ runId, workspaceId: "bench", workflow, input: {}, provider: "mock" });
  const record = await executor.waitFor("bench", runId);
  const ms = performance.now() - t0;
  if (record.status !== "completed")
    throw new Error(`bench run ${runId} ${record.status}: ${record.error?.message}`);
  return ms;
}

/** Returns the median milliseconds per node of `runs` chain runs of `length` llm nodes. */
async function perNode(executor: Executor, length: number, runs: number): Promise<number> {
  const chain = compiledChain(length);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await wallMs(executor, chain));
  return median(samples) / chain.topologicallySortedNodes.length;
}

/** Returns the median CPU milliseconds per node (this process, all threads) of `runs` runs of `workflow`. */
async function cpuPerNode(executor: Executor, workflow: CompiledWorkflow, runs: number) {
  const samples: number[] = [];
  let wall = 0;
  let executions: number | undefined;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    wall = await wallMs(executor, workflow);
    const c = process.cpuUsage(c0);
    samples.push((c.user + c.system) / 1000);
    if (executor instanceof EmbeddedInngestExecutor)
      executions = executor.statsOf(`bench-${seq}`)?.executions;
  }
  const nodes = workflow.topologicallySortedNodes.length;
  return { cpu: median(samples) / nodes, wall: wall / nodes, executions };
}

/** Runs a map of `count` items on `executor` in a child process (bench/map-child.ts); returns what it measured. */
function mapInChild(executor: "inngest" | "convex", count: number) {
  const child = fileURLToPath(new URL("./map-child.ts", import.meta.url));
  const out = execFileSync(process.execPath, [...process.execArgv, child, executor, String(count)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 20,
  });
  const figures = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as {
    status: string;
    error: unknown;
    steps: number;
    wallMs: number;
    cpuMs: number;
    peakRssMiB: number;
  };
  if (figures.status !== "completed")
    throw new Error(`map of ${count} on ${executor}: ${JSON.stringify(figures)}`);
  return figures;
}

/** Counts REST calls for one run of `steps` steps that finishes after `runningPolls` polls see it running (no jobs are read). */
async function apiCallsPerRun(steps: number, runningPolls: number) {
  const API = "https://api.bench.inngest";
  const EVENTS = "https://events.bench.inngest";
  let polls = 0;
  const server = setupServer(
    http.post(`${EVENTS}/e/:key`, () => HttpResponse.json({ ids: ["01EVT"], status: 200 })),
    http.get(`${API}/v1/events/01EVT/runs`, () =>
      HttpResponse.json({ data: [{ run_id: "01RUN", status: "Running" }] }),
    ),
    http.get(`${API}/v1/runs/01RUN`, () =>
      HttpResponse.json({
        data: { run_id: "01RUN", status: ++polls > runningPolls ? "Completed" : "Running" },
      }),
    ),
  );
  server.listen({ onUnhandledRequest: "error" });
  try {
    const rest = new InngestRestClient({ baseUrl: API, key: "signkey-bench-00000000", pollCooldownMs: 0 });
    const waits: number[] = [];
    const executor = new InngestExecutor({
      client: createInngestClient({ INNGEST_EVENT_KEY: "bench", INNGEST_BASE_URL: EVENTS }),
      rest,
      payloads: { blobs: new MemoryBlobStore(), thresholdBytes: 256 * 1024 },
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const workflow = compiledChain(steps);
    await executor.submit({ runId: "api-bench", workspaceId: "bench", workflow, input: {} });
    await executor.waitFor("bench", "api-bench");
    // The jobs endpoint lists queue items, not steps: the timeline comes from the run's own output.
    return { calls: rest.requests, polls, goal: 1 + polls, waits };
  } finally {
    server.close();
  }
}

const bench: Bench = {
  name: "inngest-executor",
  async run() {
    const inngest = new EmbeddedInngestExecutor({
      env: nodeEnvFactory({ defaultProvider: "mock" }),
      retries: 0,
    });
    await perNode(inngest, 10, 1); // warm-up: module loading, JIT
    const ms50 = await perNode(inngest, 50, 3);
    const ms100 = await perNode(inngest, 100, 3);
    const ms200 = await perNode(inngest, 200, 2);
    const executions200 = inngest.statsOf(`bench-${seq}`)?.executions;

    const { executor: convex } = embeddedExecutor(convexModules, { parallelism: 8 }, "mock");
    await convex.get("bench", "warm-key");
    await perNode(convex, 10, 1);
    const convex200 = await perNode(convex, 200, 2);

    // Parallel steps. Widths and depths stop at 1,000 steps in all (Inngest's limit per run): width 998 is
    // 998 parallel nodes plus input and output, a ladder of 499 rungs is 998 nodes plus input and output.
    await cpuPerNode(inngest, compiledFanOut(10), 2); // warm-up
    const fan: Record<number, Awaited<ReturnType<typeof cpuPerNode>>> = {};
    for (const [width, runs] of [
      [10, 5],
      [50, 3],
      [200, 3],
      [998, 2],
    ] as const)
      fan[width] = await cpuPerNode(inngest, compiledFanOut(width), runs);
    const ladder = await cpuPerNode(inngest, compiledLadder(499), 2);

    const mapInngest = mapInChild("inngest", 10_000);
    const mapConvex = mapInChild("convex", 10_000);

    const api = await apiCallsPerRun(120, 6);
    return {
      embedded_chain50_ms_per_node: round(ms50),
      embedded_chain100_ms_per_node: round(ms100),
      embedded_chain200_ms_per_node: round(ms200),
      // Linear cost keeps this near 1: checkpointing runs a chain in one execution, where replay-per-step grew with length.
      embedded_growth_200_vs_50: round(ms200 / ms50, 2),
      embedded_chain200_executions: executions200,
      convex_chain200_ms_per_node: round(convex200),
      embedded_fanout10_cpu_ms_per_node: round(fan[10].cpu),
      embedded_fanout50_cpu_ms_per_node: round(fan[50].cpu),
      embedded_fanout200_cpu_ms_per_node: round(fan[200].cpu),
      embedded_fanout998_cpu_ms_per_node: round(fan[998].cpu),
      // Goal ≤ 3: parallel groups run inside the execution that found them, so width adds no re-entries.
      embedded_fanout_growth_998_vs_10: round(fan[998].cpu / fan[10].cpu, 2),
      embedded_fanout998_executions: fan[998].executions,
      embedded_fanout998_wall_ms_per_node: round(fan[998].wall),
      // Goal ≤ 2 ms: 499 rungs of two parallel nodes, each reading both of the rung before (1,000 nodes).
      embedded_ladder1000_cpu_ms_per_node: round(ladder.cpu),
      embedded_ladder1000_executions: ladder.executions,
      // Goal ≤ 30 s wall and ≤ 500 MiB peak RSS each, measured in a child process per executor.
      map10000_inngest_wall_s: round(mapInngest.wallMs / 1000, 2),
      map10000_inngest_cpu_s: round(mapInngest.cpuMs / 1000, 2),
      map10000_inngest_peak_rss_mib: mapInngest.peakRssMiB,
      map10000_inngest_steps: mapInngest.steps,
      map10000_convex_wall_s: round(mapConvex.wallMs / 1000, 2),
      map10000_convex_cpu_s: round(mapConvex.cpuMs / 1000, 2),
      map10000_convex_peak_rss_mib: mapConvex.peakRssMiB,
      map10000_convex_steps: mapConvex.steps,
      waitfor_120_steps_api_calls: api.calls,
      waitfor_120_steps_goal_calls: api.goal,
      waitfor_polls: api.polls,
      waitfor_poll_waits_ms: api.waits.map((w) => round(w, 0)),
    };
  },
};
export default bench;
