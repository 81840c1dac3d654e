// Does a failed run's error carry the function's step summary, so REST v1 readers get its timeline?
import { NonRetriableError } from "inngest";
import { describe, expect, it } from "vitest";
import type { CompiledWorkflow } from "../../workflow/compiled.ts";
import type { StepRecord } from "../records.ts";
import { withStepSummary } from "./orchestrator.ts";
import { stepsOfFailure } from "./record.ts";
import { fromInngestError } from "./step-error.ts";

const node = (id: string, type: string, deps: string[]) => ({
  id,
  type,
  label: `node-${id}-${type}`,
  config: {},
  dependsOn: deps,
  incoming: deps.map((from) => ({ from, handle: null })),
});
const graph = {
  workflowId: "wf",
  workflowVersionId: "v1",
  topologicallySortedNodes: [
    node("in", "input", []),
    node("ask", "llm", ["in"]),
    node("out", "output", ["ask"]),
  ],
  outputNodeId: "out",
  inputSchema: {},
  secrets: [],
} as unknown as CompiledWorkflow;
const order = new Map(graph.topologicallySortedNodes.map((n, i) => [n.id, i]));
const done: StepRecord = {
  nodeId: "in",
  name: "node-in-input",
  type: "input",
  status: "completed",
  attempt: 1,
  input: null,
  output: { q: "hi" },
  error: null,
  tokens: null,
  costUsd: 0,
  model: null,
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: "2026-01-01T00:00:00.010Z",
  durationMs: 10,
};

/** The JSON Inngest keeps for a thrown error: name, message, stack, code and cause. */
const asInngestKeepsIt = (err: Error) =>
  JSON.parse(JSON.stringify({ name: err.name, message: err.message, stack: err.stack, cause: err.cause }));

describe("a failed run's error", () => {
  it("carries the steps that ran and the step Inngest named as failed, keeping its class and code", () => {
    // What step.run throws in the function once a step has failed for good (Inngest's StepError).
    const stepError = Object.assign(
      new NonRetriableError("PROVIDER_BAD_REQUEST: 400 from provider", {
        cause: { code: "PROVIDER_BAD_REQUEST", message: "400 from provider" },
      }),
      { stepId: "node-ask-llm" },
    );
    const thrown = withStepSummary(stepError, graph, [done], order) as Error;
    expect(thrown).toBe(stepError);
    expect(thrown).toBeInstanceOf(NonRetriableError);
    const output = asInngestKeepsIt(thrown);
    expect(fromInngestError(output)).toEqual({ code: "PROVIDER_BAD_REQUEST", message: "400 from provider" });
    expect(stepsOfFailure(output).map((s) => [s.name, s.status, s.error?.code ?? null])).toEqual([
      ["node-in-input", "completed", null],
      ["node-ask-llm", "failed", "PROVIDER_BAD_REQUEST"],
    ]);
  });

  it("leaves values that are not errors as they are", () => {
    expect(withStepSummary("boom", graph, [done], order)).toBe("boom");
  });
});
