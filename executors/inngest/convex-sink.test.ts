/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import { describe, expect, it } from "vitest";
import { internal } from "../../convex/_generated/api";
import schema from "../../convex/schema.ts";
import type { CompiledWorkflow } from "../../workflow/compiled.ts";
import type { RunRecord, StepRecord } from "../records.ts";
import { ConvexMirrorSink } from "./convex-sink.ts";
import { mirrorRun } from "./mirror.ts";

const modules = import.meta.glob("../../convex/**/*.ts");

const t0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(t0 + ms).toISOString();

function step(name: string, over: Partial<StepRecord> = {}): StepRecord {
  return {
    nodeId: name.split("-")[1],
    name,
    type: name.split("-")[2],
    status: "completed",
    attempt: 1,
    input: { prompt: "hi" },
    output: "ok",
    error: null,
    tokens: null,
    costUsd: 0,
    model: null,
    startedAt: iso(0),
    finishedAt: iso(10),
    durationMs: 10,
    ...over,
  };
}

function record(over: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: "r1",
    workflowId: "wf",
    workspaceId: "ws1",
    workflowVersionId: "v1",
    executor: "inngest",
    status: "running",
    input: { q: "hi", apiKey: "sk-live-0123456789abcdefghij" },
    output: null,
    error: null,
    tokens: { input: 0, output: 0, total: 0 },
    costUsd: 0,
    createdAt: iso(0),
    startedAt: iso(1),
    finishedAt: null,
    durationMs: null,
    steps: [],
    ...over,
  };
}

/** A source whose record is whatever the test last put there (what InngestExecutor.get would answer). */
function source() {
  const state = { current: null as RunRecord | null };
  return { state, get: async () => state.current };
}

async function tables(t: ReturnType<typeof convexTest>) {
  return await t.run(async (ctx) => ({
    runs: await ctx.db.query("cutover_runs").collect(),
    steps: await ctx.db.query("cutover_steps").collect(),
    logs: await ctx.db.query("cutover_logs").collect(),
  }));
}

describe("ConvexMirrorSink (convex-test)", () => {
  it("keeps one run row and one row per step however often a run is mirrored, redacting secrets", async () => {
    const t = convexTest(schema, modules);
    const sink = new ConvexMirrorSink(t);
    const src = source();
    src.state.current = record({
      steps: [
        step("node-in-input"),
        step("node-ask-llm", { status: "running", output: null, finishedAt: null }),
      ],
    });
    await mirrorRun(src, sink, "ws1", "r1");
    await mirrorRun(src, sink, "ws1", "r1");
    let db = await tables(t);
    expect(db.runs).toHaveLength(1);
    expect(db.runs[0]).toMatchObject({ status: "running", mirroredFrom: "inngest", cancelRequested: false });
    expect(db.steps.map((s) => [s.name, s.status])).toEqual([
      ["node-in-input", "completed"],
      ["node-ask-llm", "running"],
    ]);

    // The llm step failed once, was retried and completed; a secret leaked into its output and error text.
    src.state.current = record({
      status: "completed",
      output: { answer: "done", token: "abc123" },
      finishedAt: iso(50),
      tokens: { input: 5, output: 3, total: 8 },
      costUsd: 0.001,
      steps: [
        step("node-in-input"),
        step("node-ask-llm", {
          attempt: 2,
          output: { text: "key is sk-live-0123456789abcdefghij" },
          tokens: { input: 5, output: 3, total: 8 },
          costUsd: 0.001,
          model: "gpt-4o-mini",
          finishedAt: iso(40),
        }),
      ],
    });
    await mirrorRun(src, sink, "ws1", "r1");
    await mirrorRun(src, sink, "ws1", "r1");
    db = await tables(t);
    expect(db.runs).toHaveLength(1);
    expect(db.runs[0]).toMatchObject({
      status: "completed",
      tokens: { input: 5, output: 3, total: 8 },
      finishedAt: t0 + 50,
      mirroredFrom: "inngest",
    });
    expect(db.steps).toHaveLength(2);
    expect(db.steps.find((s) => s.name === "node-ask-llm")).toMatchObject({
      status: "completed",
      attempt: 2,
      model: "gpt-4o-mini",
    });
    expect(db.logs.map((l) => l.message).sort()).toEqual([
      "run completed",
      "step node-ask-llm completed (attempt 2)",
      "step node-in-input completed (attempt 1)",
    ]);
    const stored = JSON.stringify(db);
    expect(stored).not.toContain("sk-live-0123456789abcdefghij");
    expect(stored).not.toContain("abc123");
    expect(JSON.parse(db.runs[0].inputJson)).toEqual({ q: "hi", apiKey: "[REDACTED]" });
  });

  it("redacts rows written straight to the mutations, not only what mirrorRun already cleaned", async () => {
    const t = convexTest(schema, modules);
    const sink = new ConvexMirrorSink(t);
    await sink.upsertRun({
      workspaceId: "ws1",
      runId: "r1",
      workflowId: "wf",
      workflowVersionId: "v1",
      status: "failed",
      inputJson: JSON.stringify({ password: "hunter2" }),
      error: { code: "PROVIDER_AUTH", message: "rejected Bearer abcdefghijklmnop" },
      tokens: { input: 0, output: 0, total: 0 },
      costUsd: 0,
      createdAt: t0,
    });
    await sink.appendLogOnce({
      workspaceId: "ws1",
      runId: "r1",
      at: t0,
      level: "error",
      message: "Bearer abcdefghijklmnop",
    });
    const stored = JSON.stringify(await tables(t));
    expect(stored).not.toContain("hunter2");
    expect(stored).not.toContain("abcdefghijklmnop");
  });

  it("never overwrites a run the legacy executor owns, nor one in another workspace", async () => {
    const t = convexTest(schema, modules);
    const sink = new ConvexMirrorSink(t);
    await t.run(async (ctx) => {
      await ctx.db.insert("cutover_runs", {
        workspaceId: "ws1",
        runId: "legacy",
        workflowId: "wf",
        workflowVersionId: "v1",
        status: "running",
        provider: "mock",
        inputJson: "{}",
        tokens: { input: 0, output: 0, total: 0 },
        costUsd: 0,
        createdAt: t0,
        cancelRequested: false,
        options: {},
      });
    });
    const src = source();
    src.state.current = record({ runId: "legacy", status: "completed", output: 1 });
    await expect(mirrorRun(src, sink, "ws1", "legacy")).rejects.toThrow(/not executed on Inngest/);
    src.state.current = record({ runId: "r2" });
    await mirrorRun(src, sink, "ws1", "r2");
    src.state.current = record({ runId: "r2", workspaceId: "ws2" });
    // Run ids are per workspace: ws2's r2 is its own run, and ws1's is left as it was.
    await mirrorRun(src, sink, "ws2", "r2");
    const runs = (await tables(t)).runs;
    expect(runs.find((r) => r.runId === "legacy")?.status).toBe("running");
    expect(
      runs
        .filter((r) => r.runId === "r2")
        .map((r) => r.workspaceId)
        .sort(),
    ).toEqual(["ws1", "ws2"]);
  });

  it("gives the mirrored run the provider its index entry recorded", async () => {
    const t = convexTest(schema, modules);
    const workflow = { workflowId: "wf", workflowVersionId: "v1", topologicallySortedNodes: [] };
    await t.mutation(internal.cutover.inngestRuns.put, {
      workspaceId: "ws1",
      runId: "r1",
      eventId: "evt",
      provider: "openai:gpt-4o-mini",
      metaJson: JSON.stringify({ runId: "r1", workspaceId: "ws1", input: {}, createdAt: iso(0) }),
      workflowJson: JSON.stringify(workflow as unknown as CompiledWorkflow),
      kickMirror: false,
    });
    const src = source();
    src.state.current = record();
    await mirrorRun(src, new ConvexMirrorSink(t), "ws1", "r1");
    expect((await tables(t)).runs[0].provider).toBe("openai:gpt-4o-mini");
  });
});
