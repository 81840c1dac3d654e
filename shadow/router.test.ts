import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Executor, RunRequest } from "../executors/executor.ts";
import type { ExecutorName, RunRecord } from "../executors/records.ts";
import { defaultFlagState, type FlagState } from "../flags/flag.ts";
import type { ControlStore } from "../store/port.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { ShadowPool } from "./pool.ts";
import { Router, type RunTrigger } from "./router.ts";

const workflow: CompiledWorkflow = {
  workflowId: "wf_router",
  workflowVersionId: "wfv_1",
  profile: "dag",
  topologicallySortedNodes: [
    { id: "in", type: "input", label: "node-in-input", config: {}, dependsOn: [], incoming: [] },
    {
      id: "ask",
      type: "llm",
      label: "node-ask-llm",
      config: { prompt: "Q: {{input.q}}", model: "gpt-4o-mini", outputFormat: "text" },
      dependsOn: ["in"],
      incoming: [{ from: "in", handle: null }],
    },
    {
      id: "out",
      type: "output",
      label: "node-out-output",
      config: {},
      dependsOn: ["ask"],
      incoming: [{ from: "ask", handle: null }],
    },
  ],
  outputNodeId: "out",
  inputSchema: { type: "object" },
  secrets: [],
};

type Behaviour = "ok" | "throw" | "hang" | "garbage" | "crash-mid-run" | "diverge" | "noisy";

/** An in-memory Executor whose runs complete from the request, or misbehave as told (fault injection). */
class ScriptedExecutor implements Executor {
  readonly runs = new Map<string, RunRecord>();
  submits = 0;
  constructor(
    readonly name: ExecutorName,
    public behaviour: Behaviour = "ok",
  ) {}

  async submit(request: RunRequest) {
    this.submits++;
    if (this.behaviour === "throw") throw new Error("executor exploded on submit");
    if (!this.runs.has(request.runId)) this.runs.set(request.runId, this.#record(request));
    return { runId: request.runId };
  }

  async get(workspaceId: string, runId: string) {
    const run = this.runs.get(runId);
    return run && run.workspaceId === workspaceId ? run : null;
  }

  async cancel(_workspaceId: string, runId: string) {
    const run = this.runs.get(runId);
    if (run) this.runs.set(runId, { ...run, status: "canceled" });
  }

  async waitFor(
    workspaceId: string,
    runId: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<RunRecord> {
    if (this.behaviour === "hang") {
      return new Promise((_resolve, reject) =>
        options.signal?.addEventListener("abort", () => reject(new Error("aborted"))),
      );
    }
    if (this.behaviour === "garbage") return { nonsense: true } as unknown as RunRecord;
    if (this.behaviour === "crash-mid-run") throw new Error("worker crashed mid-run");
    const run = await this.get(workspaceId, runId);
    if (!run) throw new Error(`no run ${runId}`);
    return run;
  }

  #record(request: RunRequest): RunRecord {
    const at = new Date().toISOString();
    const plain = `answer to ${JSON.stringify(request.input)}`;
    // "noisy": every run carries something of its own (as a live model's wording would), also on one executor
    const answer =
      this.behaviour === "diverge"
        ? "a different answer"
        : this.behaviour === "noisy"
          ? `${plain} #${request.runId}`
          : plain;
    const step = (
      nodeId: string,
      type: string,
      input: unknown,
      output: unknown,
      tokens: RunRecord["tokens"] | null,
    ) => ({
      nodeId,
      name: `node-${nodeId}-${type}`,
      type,
      status: "completed" as const,
      attempt: 1,
      input,
      output,
      error: null,
      tokens,
      costUsd: tokens ? 0.0001 : 0,
      model: tokens ? "gpt-4o-mini" : null,
      startedAt: at,
      finishedAt: at,
      durationMs: 1,
    });
    const usage = { input: 10, output: 5, total: 15 };
    return {
      runId: request.runId,
      workflowId: request.workflow.workflowId,
      workspaceId: request.workspaceId,
      workflowVersionId: request.workflow.workflowVersionId,
      executor: this.name,
      status: "completed",
      input: request.input,
      output: answer,
      error: null,
      tokens: usage,
      costUsd: 0.0001,
      createdAt: at,
      startedAt: at,
      finishedAt: at,
      durationMs: 1,
      ...(request.shadow ? { shadow: request.shadow } : {}),
      steps: [
        step("in", "input", request.input, request.input, null),
        step(
          "ask",
          "llm",
          {
            nodeId: "ask",
            model: "gpt-4o-mini",
            prompt: `Q: ${(request.input as { q: string }).q}`,
            outputFormat: "text",
          },
          answer,
          usage,
        ),
        step("out", "output", answer, answer, null),
      ],
    };
  }
}

let home: string;
let store: ControlStore;
let convex: ScriptedExecutor;
let inngest: ScriptedExecutor;

function router(pool = new ShadowPool({ maxConcurrent: 4, deadlineMs: 200 }), noiseBaseline = false) {
  return new Router({
    store,
    executors: { convex, inngest },
    pool,
    noiseBaseline,
  });
}

function trigger(runId: string, q = "why?"): RunTrigger {
  return { runId, workspaceId: "ws_1", workflow, input: { q }, trigger: "cli", provider: "mock" };
}

async function setStage(
  stage: "convex" | "shadow" | "live" | "inngest",
  samplePct = 100,
  extra: Partial<FlagState> = {},
) {
  const current = await store.getFlag(workflow.workflowId);
  await store.compareAndSetFlag({
    workflowId: workflow.workflowId,
    expectedVersion: current?.version ?? 0,
    // Flags are per (workspace, workflow): the triggers' workspace ws_1 gets the stage.
    next: {
      ...defaultFlagState(),
      stage,
      samplePct,
      ...extra,
      workspaceOverrides: { ws_1: { stage, samplePct }, ...extra.workspaceOverrides },
    },
    actor: "test",
    reason: "router test",
  });
}

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "cutover-router-"));
  store = openSqliteStore({ path: join(home, "state.db") });
  convex = new ScriptedExecutor("convex");
  inngest = new ScriptedExecutor("inngest");
});

afterEach(async () => {
  await store.close();
  rmSync(home, { recursive: true, force: true });
});

describe("Router", () => {
  it("sends a workflow without a flag to Convex only", async () => {
    const d = await router().dispatch(trigger("run_a"));
    expect(d).toMatchObject({ primary: "convex", shadow: "none", pairId: null });
    expect(await d.settled).toBeNull();
    expect(inngest.submits).toBe(0);
  });

  it("in shadow stage, compares an agreeing Inngest shadow and stores a match with the flag version", async () => {
    await setStage("shadow");
    const d = await router().dispatch(trigger("run_b"));
    expect(d).toMatchObject({ primary: "convex", shadow: "scheduled", pairId: "pair_ws_1:run_b" });
    const result = await d.settled;
    expect(result?.verdict).toBe("match");
    expect(result?.flagVersion).toBe(1);
    const records = await store.getRunRecords("pair_ws_1:run_b", "ws_1");
    expect(records.primary?.executor).toBe("convex");
    expect(records.shadow?.executor).toBe("inngest");
    expect(records.shadow?.shadow).toEqual({ pairId: "pair_ws_1:run_b", of: "run_b" });
    // replay mode: the shadow answers from a cassette of the primary's responses
    expect(inngest.runs.get("run_b~shadow")).toBeDefined();
  });

  it("in live stage, Inngest answers and Convex shadows", async () => {
    await setStage("live");
    const d = await router().dispatch(trigger("run_live"));
    expect(d.primary).toBe("inngest");
    expect((await d.settled)?.verdict).toBe("match");
    expect(convex.runs.has("run_live~shadow")).toBe(true);
  });

  it("records a real disagreement as a mismatch naming the output", async () => {
    await setStage("shadow");
    inngest.behaviour = "diverge";
    const result = await (await router().dispatch(trigger("run_c"))).settled;
    expect(result?.verdict).toBe("mismatch");
    expect(JSON.stringify(result?.findings)).toContain("a different answer");
  });

  it.each<Behaviour>(["throw", "hang", "garbage", "crash-mid-run"])(
    "keeps the primary's result and latency when the shadow does %s",
    async (behaviour) => {
      await setStage("shadow");
      const baseline = await router().dispatch(trigger("run_base"));
      await baseline.settled;
      inngest.behaviour = behaviour;
      const r = router(new ShadowPool({ maxConcurrent: 4, deadlineMs: 100 }));
      const d = await r.dispatch(trigger("run_fault"));
      let shadowSettled = false;
      void d.settled.then(() => {
        shadowSettled = true;
      });
      const primary = await convex.waitFor("ws_1", "run_fault");
      expect(primary.status).toBe("completed");
      expect(primary.output).toBe(convex.runs.get("run_base")!.output);
      // the caller has its answer before the shadow has even settled: nothing on the primary path waits for it
      expect(shadowSettled).toBe(false);
      const result = await d.settled;
      expect(result?.verdict).toBe(behaviour === "hang" ? "shadow-timeout" : "mismatch");
      expect(result?.findings[0]).toMatchObject({ category: "status" });
    },
  );

  it("creates one pair when the same runId is submitted twice", async () => {
    await setStage("shadow");
    const r = router();
    const first = await r.dispatch(trigger("run_dup"));
    const second = await r.dispatch(trigger("run_dup"));
    const results = await Promise.all([first.settled, second.settled]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(r.counts().duplicates).toBe(1);
    expect(inngest.submits).toBe(1);
  });

  it("with follow off, starts only the primary; followShadow later stores the pair's result", async () => {
    await setStage("shadow");
    const r = router();
    const d = await r.dispatch(trigger("run_later"), { follow: false });
    expect(d).toMatchObject({ primary: "convex", shadow: "scheduled", pairId: "pair_ws_1:run_later" });
    expect(await d.settled).toBeNull();
    expect(inngest.submits).toBe(0);
    expect(await store.getPair("pair_ws_1:run_later")).toBeNull();
    const result = await r.followShadow(trigger("run_later"), d.route);
    expect(result?.verdict).toBe("match");
    expect((await store.getResult("pair_ws_1:run_later"))?.verdict).toBe("match");
    // a second follow-up of the same run (a retried job) stores nothing more
    expect(await r.followShadow(trigger("run_later"), d.route)).toBeNull();
    expect(inngest.submits).toBe(1);
  });

  it("drops and counts shadows beyond the pool's bound", async () => {
    await setStage("shadow");
    inngest.behaviour = "hang";
    const r = router(new ShadowPool({ maxConcurrent: 2, deadlineMs: 100 }));
    const dispatches = await Promise.all(["d1", "d2", "d3", "d4"].map((id) => r.dispatch(trigger(id))));
    const results = await Promise.all(dispatches.map((d) => d.settled));
    expect(results.filter((x) => x?.verdict === "shadow-timeout")).toHaveLength(2);
    expect(r.counts().pool.dropped).toBe(2);
    const dropped = await Promise.all(["d1", "d2", "d3", "d4"].map((id) => store.getPair(`pair_ws_1:${id}`)));
    expect(dropped.filter((p) => p?.status === "dropped")).toHaveLength(2);
  });

  it("with a slot source that refuses, stores the pair as dropped and counts it, without a shadow", async () => {
    await setStage("shadow");
    const asked: string[] = [];
    const released: string[] = [];
    const r = new Router({
      store,
      executors: { convex, inngest },
      pool: new ShadowPool({ maxConcurrent: 4, deadlineMs: 200 }),
      slots: {
        acquire: async (pairId) => {
          asked.push(pairId);
          return false;
        },
        release: async (pairId) => {
          released.push(pairId);
        },
      },
    });
    const d = await r.dispatch(trigger("run_noslot"));
    expect(await d.settled).toBeNull();
    expect(asked).toEqual(["pair_ws_1:run_noslot"]);
    expect(released).toEqual([]);
    expect(inngest.submits).toBe(0);
    expect((await store.getPair("pair_ws_1:run_noslot"))?.status).toBe("dropped");
    expect(await store.getResult("pair_ws_1:run_noslot")).toBeNull();
    expect(r.counts()).toMatchObject({ noSlot: 1, followFailures: 0 });
    // The primary ran as it would have without a shadow.
    expect(convex.runs.get("run_noslot")?.status).toBe("completed");
  });

  it("holds a store slot while the shadow runs and frees it once the pair settles, also after a timeout", async () => {
    await setStage("shadow");
    const slots = {
      acquire: (pairId: string) => store.acquireShadowSlot("shadows", 1, 60_000, pairId),
      release: (pairId: string) => store.releaseShadowSlot("shadows", pairId),
    };
    const r = new Router({
      store,
      executors: { convex, inngest },
      pool: new ShadowPool({ maxConcurrent: 4, deadlineMs: 100 }),
      slots,
    });
    inngest.behaviour = "hang";
    const hung = await r.dispatch(trigger("run_slot_a"));
    await vi.waitFor(() => expect(inngest.submits).toBe(1));
    // While the first shadow hangs, it holds the only slot: a second pair is dropped.
    const second = await r.dispatch(trigger("run_slot_b"));
    expect(await second.settled).toBeNull();
    expect((await store.getPair("pair_ws_1:run_slot_b"))?.status).toBe("dropped");
    expect((await hung.settled)?.verdict).toBe("shadow-timeout");
    inngest.behaviour = "ok";
    const third = await r.dispatch(trigger("run_slot_c"));
    expect((await third.settled)?.verdict).toBe("match");
    expect(await store.acquireShadowSlot("shadows", 1, 60_000, "probe")).toBe(true);
    expect(r.counts().noSlot).toBe(1);
  });

  it("does not run a live-mode shadow once the day's budget is spent", async () => {
    await setStage("shadow", 100, { shadowProvider: "live", dailyBudgetUsd: 0.00015 });
    const r = router();
    expect((await (await r.dispatch(trigger("b1"))).settled)?.verdict).toBe("match");
    expect((await (await r.dispatch(trigger("b2"))).settled)?.verdict).toBe("match");
    expect(await (await r.dispatch(trigger("b3"))).settled).toBeNull();
    expect(r.counts().overBudget).toBe(1);
    expect((await store.getPair("pair_ws_1:b3"))?.status).toBe("budget-exhausted");
  });

  it("with a noise baseline, does not count what differs between two primary runs (live mode)", async () => {
    await setStage("shadow", 100, { shadowProvider: "live", dailyBudgetUsd: 10 });
    convex.behaviour = "noisy";
    inngest.behaviour = "noisy";
    const without = await (await router().dispatch(trigger("n1"))).settled;
    expect(without?.verdict).toBe("mismatch");
    const withBaseline = await (await router(undefined, true).dispatch(trigger("n2"))).settled;
    expect(withBaseline?.verdict).toBe("match");
    expect(convex.runs.has("n2~noise")).toBe(true);
    const policy = withBaseline!.policy as { noisePaths: string[] };
    expect(policy.noisePaths).toContain("$.output");
    expect(JSON.stringify(withBaseline?.findings)).toContain("noise");
  });
});
