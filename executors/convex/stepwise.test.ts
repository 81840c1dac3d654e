// Does a legacy run on Convex take one action per AI node, each picking up what the earlier ones recorded?
import { describe, expect, it } from "vitest";
import { DEFAULT_RUN_OPTIONS } from "../../convex/cutover/runOptions.ts";
import { compileWorkflow } from "../../workflow/compile.ts";
import { executeRun } from "./execute-run.ts";
import type { CompletedStep, ExecutionPort, StepFinish } from "./port.ts";

function legacyWorkflow(aiNodes: number) {
  const nodes = [
    { id: "input-1", type: "input", position: { x: 0, y: 0 }, data: { textInput: "hello" } },
    ...Array.from({ length: aiNodes }, (_, i) => ({
      id: `ai-${i}`,
      type: "ai",
      position: { x: 100 * (i + 1), y: 0 },
      data: { prompt: `step ${i}`, model: "gpt-4o-mini", outputFormat: "text" },
    })),
  ];
  const compiled = compileWorkflow({ _id: "wf_steps", name: "Steps", nodes, edges: [] });
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
  return compiled.compiled;
}

/** A port over memory standing in for Convex's tables and scheduler: it counts actions and what each ran. */
function memoryPort(workflow: ReturnType<typeof legacyWorkflow>) {
  const steps = new Map<string, { name: string; finish?: StepFinish }>();
  let scheduled = 0;
  let ended: { status: string; outputJson?: string } | null = null;
  const ranPerAction: string[][] = [];
  const port: ExecutionPort = {
    load: async () => ({ provider: "mock", options: DEFAULT_RUN_OPTIONS, workflow, startedAt: 1 }),
    markStarted: async () => true,
    resume: async () => ended === null,
    beginStep: async (s) => {
      ranPerAction.at(-1)!.push(s.name);
      steps.set(s.name, { name: s.name });
      return s.name;
    },
    finishStep: async (s) => {
      steps.get(s.stepRef)!.finish = s;
      return false;
    },
    skipStep: async () => {},
    isCancelRequested: async () => false,
    finishRun: async (end) => {
      ended = end;
    },
    storeBlob: async () => "blob",
    loadBlob: async () => "null",
    completedSteps: async (): Promise<CompletedStep[]> =>
      [...steps.values()]
        .filter((s) => s.finish?.status === "completed")
        .map(({ name, finish }) => ({
          name,
          inputJson: finish!.inputJson,
          outputJson: finish!.outputJson,
          tokens: finish!.tokens,
          costUsd: finish!.costUsd,
          model: finish!.model,
        })),
    continueLater: async () => {
      scheduled++;
    },
    secret: () => undefined,
  };
  return {
    port,
    steps,
    ranPerAction,
    scheduled: () => scheduled,
    ended: () => ended,
  };
}

describe("a legacy run on the Convex executor", () => {
  it("runs one AI node per action and schedules the next, until the last one ends the run", async () => {
    const workflow = legacyWorkflow(3);
    const mem = memoryPort(workflow);
    const input = JSON.stringify({ text: "hello" });
    let actions = 0;
    // The scheduler's part: every continueLater starts one more action.
    for (let continuation = false; ; continuation = true) {
      mem.ranPerAction.push([]);
      const before = mem.scheduled();
      await executeRun(mem.port, input, { continuation });
      actions++;
      if (mem.scheduled() === before) break;
      expect(actions).toBeLessThan(10);
    }
    expect(actions).toBe(3);
    expect(mem.ranPerAction).toEqual([
      ["node-input-1-input", "node-ai-0-ai"],
      ["node-ai-1-ai"],
      ["node-ai-2-ai"],
    ]);
    expect(mem.ended()?.status).toBe("completed");
    // Each action built its prompt from what the one before recorded (read back, not held in memory).
    const second = JSON.parse(mem.steps.get("node-ai-1-ai")!.finish!.inputJson!);
    const firstOutput = mem.steps.get("node-ai-0-ai")!.finish!.outputJson!;
    expect(second.prompt).toContain(JSON.stringify(firstOutput));
    expect(JSON.parse(mem.ended()!.outputJson!)).toEqual(
      JSON.parse(mem.steps.get("node-ai-2-ai")!.finish!.outputJson!),
    );
  });

  it("a dag run stays one action", async () => {
    const compiled = compileWorkflow({
      name: "dag",
      nodes: [
        { id: "in", type: "input", position: { x: 0, y: 0 }, data: {} },
        { id: "a", type: "llm", position: { x: 1, y: 0 }, data: { prompt: "p", model: "gpt-4o-mini" } },
        { id: "out", type: "output", position: { x: 2, y: 0 }, data: {} },
      ],
      edges: [
        { id: "e1", source: "in", target: "a" },
        { id: "e2", source: "a", target: "out" },
      ],
    });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
    const mem = memoryPort(compiled.compiled as ReturnType<typeof legacyWorkflow>);
    mem.ranPerAction.push([]);
    await executeRun(mem.port, "{}");
    expect(mem.scheduled()).toBe(0);
    expect(mem.ended()?.status).toBe("completed");
  });
});
