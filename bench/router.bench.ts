// What does the router add to the primary's path? p50/p99 against calling the executor directly, also while shadows hang.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Executor, RunRequest } from "../executors/executor.ts";
import type { ExecutorName, RunRecord } from "../executors/records.ts";
import { defaultFlagState } from "../flags/flag.ts";
import { ShadowPool } from "../shadow/pool.ts";
import { Router } from "../shadow/router.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { type Bench, peakRssMiB, quantile, round } from "./measure.ts";

const N = 3000;

const workflow: CompiledWorkflow = {
  profile: "dag",
  workflowId: "wf_bench_router",
  workflowVersionId: "wfv_bench",
  topologicallySortedNodes: [
    { id: "in", type: "input", label: "node-in-input", config: {}, dependsOn: [], incoming: [] },
    {
      id: "out",
      type: "output",
      label: "node-out-output",
      config: {},
      dependsOn: ["in"],
      incoming: [{ from: "in", handle: null }],
    },
  ],
  outputNodeId: "out",
  inputSchema: {},
  secrets: [],
};

/** An executor that does nothing: submit and waitFor answer at once (or, `hang`, waitFor never answers). */
class NoOpExecutor implements Executor {
  readonly #runs = new Map<string, RunRecord>();
  constructor(
    readonly name: ExecutorName,
    readonly hang = false,
  ) {}
  async submit(request: RunRequest) {
    const at = new Date().toISOString();
    this.#runs.set(request.runId, {
      runId: request.runId,
      workflowId: request.workflow.workflowId,
      workspaceId: request.workspaceId,
      workflowVersionId: request.workflow.workflowVersionId,
      executor: this.name,
      status: "completed",
      input: request.input,
      output: request.input,
      error: null,
      tokens: { input: 0, output: 0, total: 0 },
      costUsd: 0,
      createdAt: at,
      startedAt: at,
      finishedAt: at,
      durationMs: 0,
      steps: [],
    });
    return { runId: request.runId };
  }
  async get(_ws: string, runId: string) {
    return this.#runs.get(runId) ?? null;
  }
  async cancel() {}
  async waitFor(_ws: string, runId: string, options: { signal?: AbortSignal } = {}) {
    if (this.hang) {
      return new Promise<RunRecord>((_r, reject) =>
        options.signal?.addEventListener("abort", () => reject(new Error("aborted"))),
      );
    }
    return this.#runs.get(runId)!;
  }
}

async function latencies(n: number, call: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 200; i++) await call(-i - 1); // warm-up
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    // Requests arrive on their own turns of the event loop; background work runs between them.
    await new Promise((next) => setImmediate(next));
    const t0 = performance.now();
    await call(i);
    out.push(performance.now() - t0);
  }
  return out;
}

const bench: Bench = {
  name: "router",
  async run() {
    const dir = mkdtempSync(join(tmpdir(), "cutover-bench-router-"));
    const store = openSqliteStore({ path: join(dir, "state.db") });
    try {
      await store.compareAndSetFlag({
        workflowId: workflow.workflowId,
        expectedVersion: 0,
        next: { ...defaultFlagState(), stage: "shadow", samplePct: 100 },
        actor: "bench",
        reason: "router overhead benchmark",
      });
      const figures: Record<string, unknown> = {};
      const scenarios = [
        { tag: "noShadowSampled", samplePct: 0, hang: false },
        { tag: "shadowOk", samplePct: 100, hang: false },
        { tag: "shadowHangs", samplePct: 100, hang: true },
      ];
      for (const { tag, samplePct, hang } of scenarios) {
        const current = await store.getFlag(workflow.workflowId);
        await store.compareAndSetFlag({
          workflowId: workflow.workflowId,
          expectedVersion: current!.version,
          next: { ...defaultFlagState(), stage: "shadow", samplePct },
          actor: "bench",
          reason: `router overhead benchmark: ${tag}`,
        });
        const convex = new NoOpExecutor("convex");
        const inngest = new NoOpExecutor("inngest", hang);
        const router = new Router({
          store,
          executors: { convex, inngest },
          pool: new ShadowPool({ maxConcurrent: 16, deadlineMs: 2_000 }),
        });
        const request = (i: number) => ({
          runId: `${tag}_direct_${i}`,
          workspaceId: "ws",
          workflow,
          input: { i },
          provider: "mock",
        });
        const direct = await latencies(N, (i) => convex.submit(request(i)));
        const followUps: Promise<unknown>[] = [];
        const routed = await latencies(N, async (i) => {
          const d = await router.dispatch({
            ...request(i),
            runId: `${tag}_routed_${i}`,
            trigger: "internal",
          });
          followUps.push(d.settled);
        });
        const added = (q: number) => round(quantile(routed, q) - quantile(direct, q), 4);
        figures[`${tag}.directP50Ms`] = round(quantile(direct, 0.5), 4);
        figures[`${tag}.routedP50Ms`] = round(quantile(routed, 0.5), 4);
        figures[`${tag}.routedP99Ms`] = round(quantile(routed, 0.99), 4);
        figures[`${tag}.addedP50Ms`] = added(0.5);
        figures[`${tag}.addedP99Ms`] = added(0.99);
        // the background follow-ups (pairs, shadows, results) finish before the next round
        await Promise.all(followUps);
        figures[`${tag}.pool`] = router.counts().pool;
      }
      figures.goalAddedP99Ms = 0.5;
      figures.peakRssMiB = peakRssMiB();
      return figures;
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
