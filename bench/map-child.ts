// How long and how much memory does a map of N items take on one executor? Run in its own process by
// inngest-executor.bench.ts, so the peak RSS it prints is this map's alone.
import { performance } from "node:perf_hooks";
import { convexModules } from "../executors/convex/modules.ts";
import { embeddedExecutor } from "../executors/convex/testing.ts";
import type { Executor } from "../executors/executor.ts";
import { EmbeddedInngestExecutor } from "../executors/inngest/embedded.ts";
import { nodeEnvFactory } from "../executors/inngest/node-env.ts";
import { compiledMap } from "./graphs.ts";
import { peakRssMiB } from "./measure.ts";

process.env.CUTOVER_LOG_LEVEL ??= "silent";
const [which, count] = process.argv.slice(2);
const items = Array.from({ length: Number(count) }, (_, i) => `item ${i}`);
const executor: Executor =
  which === "convex"
    ? embeddedExecutor(convexModules, { parallelism: 8 }, "mock").executor
    : new EmbeddedInngestExecutor({ env: nodeEnvFactory({ defaultProvider: "mock" }), retries: 0 });
const rssBefore = peakRssMiB();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await executor.submit({
  runId: "map",
  workspaceId: "bench",
  workflow: compiledMap(),
  input: { items },
  provider: "mock",
});
const record = await executor.waitFor("bench", "map");
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({
    status: record.status,
    error: record.error,
    steps: record.steps.length,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMiB: peakRssMiB(),
    rssBeforeRunMiB: rssBefore,
  })}\n`,
);
process.exit(0);
