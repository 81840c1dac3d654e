// Do runs on the embedded Convex runtime stay under Convex's limits (16 MiB read per transaction, 1 MiB documents) at any payload size?
import { describe, expect, it } from "vitest";
import { compileOrThrow, embeddedExecutor } from "../executors/convex/testing.ts";
import { EmbeddedInngestExecutor } from "../executors/inngest/embedded.ts";
import { nodeEnvFactory } from "../executors/inngest/node-env.ts";
import { PayloadRef, RunRecord } from "../executors/records.ts";
import { compare } from "../parity/compare.ts";
import { runRecord } from "../store/contract.ts";
import { convexStore } from "../store/convex.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { chain, edge, llmData, node, type TestEdge, type TestNode } from "./graphs.ts";

const modules = import.meta.glob("../convex/**/*.ts");
const MiB = 1 << 20;

/** input → `width` llm nodes each reading the whole input text → output. */
function fanOut(width: number): CompiledWorkflow {
  const nodes: TestNode[] = [node("input", "input")];
  const edges: TestEdge[] = [];
  for (let i = 1; i <= width; i++) {
    nodes.push(node(`f${i}`, "ai", llmData(`Angle ${i} on {{input.text}}`), i));
    edges.push(edge("input", `f${i}`), edge(`f${i}`, "output"));
  }
  nodes.push(node("output", "output", {}, width + 1));
  return compileOrThrow({
    id: `fan-${width}`,
    name: "fan",
    variables: [{ name: "text", type: "string" }],
    nodes,
    edges,
  });
}

async function onConvex(workflow: CompiledWorkflow, input: unknown, runId: string) {
  const convex = embeddedExecutor(modules);
  await convex.executor.submit({ runId, workspaceId: "limits", workflow, input });
  return {
    ...convex,
    record: RunRecord.parse(await convex.executor.waitFor("limits", runId, { timeoutMs: 120_000 })),
  };
}

async function onInngest(workflow: CompiledWorkflow, input: unknown, runId: string) {
  const inngest = new EmbeddedInngestExecutor({
    env: nodeEnvFactory({ defaultProvider: "mock" }),
    retries: 0,
  });
  await inngest.submit({ runId, workspaceId: "limits", workflow, input, provider: "mock" });
  return RunRecord.parse(await inngest.waitFor("limits", runId, { timeoutMs: 120_000 }));
}

/** The largest document of every cutover table, in bytes of JSON (Convex's own measure is close to it). */
async function largestDocument(t: ReturnType<typeof embeddedExecutor>["t"]): Promise<number> {
  let max = 0;
  for (const table of [
    "cutover_runs",
    "cutover_steps",
    "cutover_runControls",
    "cutover_pairRuns",
    "cutover_textChunks",
  ]) {
    // In pages: the test's own reads are transactions under the same limits.
    let cursor: string | null = null;
    do {
      const page: { page: unknown[]; isDone: boolean; continueCursor: string } = await t.run((ctx) =>
        ctx.db.query(table as never).paginate({ cursor, numItems: 8 }),
      );
      for (const doc of page.page) max = Math.max(max, JSON.stringify(doc).length);
      cursor = page.isDone ? null : page.continueCursor;
    } while (cursor !== null);
  }
  return max;
}

/** Asserts that the parity result names the difference, if the executors' records differ at all. */
function expectNamedDifferences(a: RunRecord, b: RunRecord, workflow: CompiledWorkflow) {
  const parity = compare(a, b, undefined, workflow);
  if (b.status !== a.status) {
    expect(parity.verdict).toBe("mismatch");
    expect(JSON.stringify(parity.findings)).toContain(b.error?.code ?? a.error?.code ?? "status");
  }
  for (const f of parity.findings.filter((x) => x.severity === "major" || x.severity === "critical")) {
    expect(f.message.length).toBeGreaterThan(0);
  }
  return parity;
}

describe("Convex's limits on the embedded runtime", () => {
  it("a 2 MB input runs to completion with the input by reference, every document under 1 MiB", async () => {
    const workflow = compileOrThrow(
      chain([node("sum", "ai", llmData("Summarize {{input.text}}"), 1)], { id: "big-input" }),
    );
    const input = { text: "x".repeat(2_000_000) };
    const { record, t } = await onConvex(workflow, input, "big-input");
    expect(record.status).toBe("completed");
    const ref = PayloadRef.parse(record.input);
    expect(ref.bytes).toBeGreaterThan(2_000_000);
    expect(await largestDocument(t)).toBeLessThan(MiB);
    // The unredacted input the action ran with is gone once the run ended.
    const runDoc = await t.run(async (ctx) => (await ctx.db.query("cutover_runs").collect())[0]);
    expect(runDoc.executionInputRef).toBeUndefined();
    expect(runDoc.executionInputJson).toBeUndefined();

    // The pair record stored for it is small too.
    const store = convexStore(t);
    await store.putPair({
      pairId: "p-big",
      workspaceId: "limits",
      workflowId: workflow.workflowId,
      primaryRunId: record.runId,
      shadowRunId: null,
      status: "waiting",
      createdAt: new Date(0).toISOString(),
    } as never);
    await store.putRunRecord("p-big", "primary", record);
    expect(await largestDocument(t)).toBeLessThan(MiB);

    const inngest = await onInngest(workflow, input, "big-input");
    expectNamedDifferences(record, inngest, workflow);
  }, 180_000);

  it("an 80-wide fan-out over a 250 KiB input completes; the run ends without reading every step", async () => {
    const workflow = fanOut(80);
    const input = { text: "y".repeat(250 * 1024) };
    const { record, t } = await onConvex(workflow, input, "wide");
    expect(record.status).toBe("completed");
    expect(record.steps).toHaveLength(82);
    // Totals kept on the run's control document equal the sum over its steps.
    const sum = record.steps.reduce((n, s) => n + (s.tokens?.total ?? 0), 0);
    expect(record.tokens.total).toBe(sum);
    expect(await largestDocument(t)).toBeLessThan(MiB);

    // The pair record of a run this wide stays under 1 MiB (payloads by reference, named by field).
    const store = convexStore(t);
    await store.putPair({
      pairId: "p-wide",
      workspaceId: "limits",
      workflowId: workflow.workflowId,
      primaryRunId: record.runId,
      shadowRunId: null,
      status: "waiting",
      createdAt: new Date(0).toISOString(),
    } as never);
    await store.putRunRecord("p-wide", "primary", record);
    expect(await largestDocument(t)).toBeLessThan(MiB);
    const stored = (await store.getRunRecords("p-wide")).primary!;
    expect(JSON.stringify(stored).length).toBeLessThan(MiB);
    const stepInput = PayloadRef.parse(stored.steps[1].input);
    expect(stepInput.$ref).toBe("run:limits/wide#steps[1].input");

    const inngest = await onInngest(workflow, input, "wide");
    expectNamedDifferences(record, inngest, workflow);
  }, 240_000);

  it("a shadow carrying a 1.5 MB cassette and 1.5 MB of side-effect outputs starts and runs, both by reference", async () => {
    const { executor, t } = embeddedExecutor(modules);
    const workflow = compileOrThrow(
      chain([node("t", "transform", { script: "return input.text + '!';" }, 1)], { id: "shadow-big" }),
    );
    const pad = "p".repeat(1_500_000);
    await executor.submit({
      runId: "shadow-big",
      workspaceId: "limits",
      workflow,
      input: { text: "short" },
      shadow: { pairId: "p-shadow", of: "primary-1" },
      replay: {
        version: 1,
        entries: { unused: { request: { pad } as never, result: { text: "x" } as never } },
      },
      sideEffectOutputs: { unused: pad },
    });
    const record = RunRecord.parse(await executor.waitFor("limits", "shadow-big", { timeoutMs: 60_000 }));
    expect(record.status).toBe("completed");
    expect(record.output).toBe("short!");
    expect(await largestDocument(t)).toBeLessThan(MiB);
    const runDoc = await t.run(async (ctx) => (await ctx.db.query("cutover_runs").collect())[0]);
    expect(runDoc.replayRef).toBeUndefined();
    expect(runDoc.sideEffectOutputsRef).toBeUndefined();
  });

  it("a pair record over 256 K characters is kept in parts and read back whole", async () => {
    const { t } = embeddedExecutor(modules);
    const store = convexStore(t);
    await store.putPair({
      pairId: "p-parts",
      workspaceId: "ws1",
      workflowId: "wf1",
      primaryRunId: "run-1",
      shadowRunId: null,
      status: "waiting",
      createdAt: new Date(0).toISOString(),
    } as never);
    // 40 steps of 60 KB each: every payload under the by-reference threshold, the record 2.4 MB.
    const steps = Array.from({ length: 40 }, (_, i) => ({
      nodeId: `n${i}`,
      name: `node-n${i}-transform`,
      type: "transform",
      status: "completed" as const,
      attempt: 1,
      input: null,
      output: "z".repeat(60_000),
      error: null,
      tokens: null,
      costUsd: 0,
      model: null,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
    }));
    const record = runRecord({ steps });
    await store.putRunRecord("p-parts", "primary", record);
    await store.putRunRecord("p-parts", "primary", record);
    expect((await store.getRunRecords("p-parts")).primary).toEqual(record);
    expect(await largestDocument(t)).toBeLessThan(MiB);
  });

  it("a document over 1 MiB is refused by the embedded runtime, as by a deployment", async () => {
    const { t } = embeddedExecutor(modules);
    await expect(
      t.mutation(
        // Any write will do: a log line of 1.1 MB through the runtime's own insert.
        (await import("../convex/_generated/api.js")).internal.cutover.parity.putRunRecord,
        { pairId: "none", role: "primary", workspaceId: "w", runId: "r", recordJson: "x" },
      ),
    ).resolves.toMatchObject({ ok: false });
    await expect(
      t.run(async (ctx) => {
        await ctx.db.insert(
          "cutover_logs" as never,
          {
            workspaceId: "w",
            runId: "r",
            at: 0,
            level: "info",
            message: "m".repeat(1_100_000),
          } as never,
        );
      }),
    ).rejects.toThrow(/Document is too large/);
  });
});
