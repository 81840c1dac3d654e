// Does a map far past Inngest's 1,000 steps per run complete on both executors, with steps that pair by name?
import { describe, expect, it } from "vitest";
import { compiledMap } from "../bench/graphs.ts";
import type { Executor } from "../executors/executor.ts";
import { createExecutor } from "../executors/factory.ts";
import { RunRecord } from "../executors/records.ts";
import { compare } from "../parity/compare.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { MAX_RUN_STEPS } from "../workflow/nodes/map.ts";
import { mapOverItems } from "./graphs.ts";

const quiet = { env: {}, announce: () => {} };
let executors: Record<"convex" | "inngest", Executor> | undefined;
function both() {
  executors ??= { convex: createExecutor("convex", quiet), inngest: createExecutor("inngest", quiet) };
  return executors;
}

let seq = 0;
async function run(executor: Executor, workflow: CompiledWorkflow, input: unknown) {
  const runId = `big-map-${++seq}-${executor.name}`;
  await executor.submit({ runId, workspaceId: "big-map", workflow, input, provider: "mock" });
  return RunRecord.parse(await executor.waitFor("big-map", runId, { timeoutMs: 120_000 }));
}

/** A map whose transform task returns the item and the index scripts see. */
function indexingMap(): CompiledWorkflow {
  const doc = mapOverItems({ type: "transform", data: { script: "return { item, index };" } }, 4, {
    id: "indexing-map",
  });
  const compiled = compileWorkflow(doc);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
  return compiled.compiled;
}

describe("maps past Inngest's step limit", () => {
  it("runs 1,500 items in chunks of two on both executors, scripts seeing each item's own index", async () => {
    const { convex, inngest } = both();
    const workflow = indexingMap();
    const items = Array.from({ length: 1_500 }, (_, i) => `i${i}`);
    const [a, b] = await Promise.all([run(convex, workflow, { items }), run(inngest, workflow, { items })]);
    for (const r of [a, b]) {
      expect(r.status).toBe("completed");
      expect(r.steps.length).toBeLessThanOrEqual(MAX_RUN_STEPS);
      expect(r.output).toEqual(items.map((item, index) => ({ item, index })));
    }
    const names = (r: RunRecord) => r.steps.map((s) => s.name).sort();
    expect(names(b)).toEqual(names(a));
    const chunk = b.steps.find((s) => s.name === "node-each-map-1498-1499");
    expect(chunk).toMatchObject({ nodeId: "each", type: "map", status: "completed" });
    expect(chunk?.output).toEqual([
      { item: "i1498", index: 1498 },
      { item: "i1499", index: 1499 },
    ]);
    expect(compare(a, b, undefined, workflow).verdict).toBe("match");
  }, 120_000);

  it("completes a map of 10,000 items on both executors within 1,000 steps, and they compare as a match", async () => {
    const { convex, inngest } = both();
    const workflow = compiledMap();
    const items = Array.from({ length: 10_000 }, (_, i) => `item ${i}`);
    const [a, b] = await Promise.all([run(convex, workflow, { items }), run(inngest, workflow, { items })]);
    for (const r of [a, b]) {
      expect(r.status).toBe("completed");
      expect(r.steps.length).toBeLessThanOrEqual(MAX_RUN_STEPS);
    }
    // 10,000 outputs are over the records' inline threshold: both keep them by a reference to the same hash.
    const sha = (r: RunRecord) => (r.output as { sha256?: string }).sha256;
    expect(sha(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(sha(b)).toBe(sha(a));
    expect(b.steps.map((s) => s.name)).toContain("node-each-map-0-11");
    expect(b.tokens).toEqual(a.tokens);
    expect(compare(a, b, undefined, workflow).verdict).toBe("match");
  }, 180_000);
});
