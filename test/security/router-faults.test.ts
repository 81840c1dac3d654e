// Attack (issue 9 item 10): the follow-up's wait for the primary ran outside the bounded shadow pool (with
// a pool of 2, 100 follow-ups polled at once), and a failing flag store made `dispatch` throw, so the
// primary never ran. The wait now holds a pool slot, and a store failure routes to the Convex primary alone.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Executor, RunRequest, WaitOptions } from "../../executors/executor.ts";
import type { RunRecord } from "../../executors/records.ts";
import { defaultFlagState } from "../../flags/flag.ts";
import { ShadowPool } from "../../shadow/pool.ts";
import { Router, type RunTrigger } from "../../shadow/router.ts";
import type { ControlStore } from "../../store/port.ts";
import { openSqliteStore } from "../../store/sqlite.ts";
import { compileWorkflow } from "../../workflow/compile.ts";
import { chain, node } from "../graphs.ts";

const compiled = compileWorkflow(chain([node("t", "transform", { script: "return input;" })]), {});
if (!compiled.ok) throw new Error("graph");
const workflow = { ...compiled.compiled, workflowId: "wf_faults" };

/** An executor whose runs finish only when the test says so; it counts the waits in progress. */
class HeldExecutor implements Executor {
  readonly submits: RunRequest[] = [];
  waiting = 0;
  maxWaiting = 0;
  #release: (() => void)[] = [];
  constructor(readonly name: "convex" | "inngest") {}
  async submit(request: RunRequest) {
    this.submits.push(request);
    return { runId: request.runId };
  }
  async get(workspaceId: string, runId: string): Promise<RunRecord | null> {
    const r = this.submits.find((s) => s.runId === runId && s.workspaceId === workspaceId);
    if (!r) return null;
    const at = new Date().toISOString();
    return {
      runId,
      workflowId: workflow.workflowId,
      workflowVersionId: workflow.workflowVersionId,
      workspaceId,
      executor: this.name,
      status: "completed",
      input: r.input,
      output: r.input,
      error: null,
      steps: [],
      tokens: { input: 0, output: 0, total: 0 },
      costUsd: 0,
      createdAt: at,
      startedAt: at,
      finishedAt: at,
      durationMs: 0,
      ...(r.shadow ? { shadow: r.shadow } : {}),
    } as unknown as RunRecord;
  }
  async cancel() {}
  async waitFor(workspaceId: string, runId: string, _options?: WaitOptions): Promise<RunRecord> {
    this.waiting++;
    this.maxWaiting = Math.max(this.maxWaiting, this.waiting);
    await new Promise<void>((resolve) => this.#release.push(resolve));
    this.waiting--;
    return (await this.get(workspaceId, runId))!;
  }
  releaseAll() {
    for (const r of this.#release.splice(0)) r();
  }
}

let home: string;
let store: ControlStore;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "cutover-faults-"));
  store = openSqliteStore({ path: join(home, "state.db") });
});
afterEach(async () => {
  await store.close();
  rmSync(home, { recursive: true, force: true });
});

const trigger = (runId: string): RunTrigger => ({
  runId,
  workspaceId: "default",
  workflow,
  input: { n: 1 },
  trigger: "cli",
  provider: "mock",
});

describe("router faults", () => {
  it("100 follow-ups with a pool of 2: at most 2 wait for their primary, the rest are dropped and counted", async () => {
    await store.compareAndSetFlag({
      workflowId: "wf_faults",
      expectedVersion: 0,
      next: { ...defaultFlagState(), stage: "shadow", samplePct: 100 },
      actor: "test",
      reason: "faults",
    });
    const convex = new HeldExecutor("convex");
    const inngest = new HeldExecutor("inngest");
    const pool = new ShadowPool({ maxConcurrent: 2, deadlineMs: 60_000 });
    const router = new Router({ store, executors: { convex, inngest }, pool });
    const dispatches = await Promise.all(
      Array.from({ length: 100 }, (_, i) => router.dispatch(trigger(`r${i}`))),
    );
    expect(dispatches.every((d) => d.shadow === "scheduled")).toBe(true);
    // Let every follow-up reach its wait (or its drop).
    for (let i = 0; i < 20 && pool.counts().dropped < 98; i++) await new Promise((r) => setTimeout(r, 10));
    expect(convex.maxWaiting).toBeLessThanOrEqual(2);
    expect(pool.counts()).toMatchObject({ accepted: 2, dropped: 98, inFlight: 2 });
    const dropped = await store.getPair(dispatches[99].pairId!, "default");
    expect(dropped?.status).toBe("dropped");
    // The two that held slots finish normally once their primaries do.
    const waitUntil = async (cond: () => boolean) => {
      for (let i = 0; i < 200 && !cond(); i++) {
        convex.releaseAll();
        inngest.releaseAll();
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await waitUntil(() => pool.counts().inFlight === 0);
    await Promise.all(dispatches.map((d) => d.settled));
    expect(pool.counts().inFlight).toBe(0);
    // Every caller's primary ran; only the shadows were bounded.
    expect(convex.submits).toHaveLength(100);
    expect(inngest.submits.length).toBeLessThanOrEqual(2);
  });

  it("a primary that never finishes frees the follow-up's slot after primaryWaitMs and counts the pair as abandoned", async () => {
    await store.compareAndSetFlag({
      workflowId: "wf_faults",
      expectedVersion: 0,
      next: { ...defaultFlagState(), stage: "shadow", samplePct: 100 },
      actor: "test",
      reason: "faults",
    });
    const convex = new HeldExecutor("convex");
    const inngest = new HeldExecutor("inngest");
    // waitFor honours its timeout, as both executors do.
    convex.waitFor = (_ws, runId, options) =>
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`run ${runId} did not finish`)), options?.timeoutMs ?? 1e9),
      );
    const pool = new ShadowPool({ maxConcurrent: 1, deadlineMs: 60_000 });
    const router = new Router({ store, executors: { convex, inngest }, pool, primaryWaitMs: 50 });
    const d = await router.dispatch(trigger("r_stuck"));
    expect(await d.settled).toBeNull();
    expect(pool.counts().inFlight).toBe(0);
    expect(router.counts()).toMatchObject({ primaryWaitFailures: 1, followFailures: 1 });
    expect((await store.getPair(d.pairId!, "default"))?.status).toBe("abandoned");
    expect((await store.getResult(d.pairId!, "default"))?.summary).toMatchObject({
      shadowOutcome: "abandoned",
    });
    // The next follow-up gets the slot back.
    expect(await router.dispatch(trigger("r_next")).then((n) => n.shadow)).toBe("scheduled");
  });

  it("a flag store that fails routes to the Convex primary with no shadow, counted, never failing the caller", async () => {
    const broken = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "getFlag" || prop === "getGlobals") {
          return async () => {
            throw new Error("store unreachable: ECONNRESET");
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const convex = new HeldExecutor("convex");
    const inngest = new HeldExecutor("inngest");
    const router = new Router({
      store: broken,
      executors: { convex, inngest },
      pool: new ShadowPool({ maxConcurrent: 2, deadlineMs: 60_000 }),
    });
    const d = await router.dispatch(trigger("r_store_down"));
    expect(d).toMatchObject({ primary: "convex", shadow: "none", pairId: null });
    expect(d.route.reason).toBe("store-unavailable");
    expect(convex.submits.map((s) => s.runId)).toEqual(["r_store_down"]);
    expect(inngest.submits).toEqual([]);
    expect(router.counts().flagStoreFailures).toBe(1);
  });
});
