import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileWorkflow } from "./compile.ts";
import type { CompiledNode } from "./compiled.ts";
import { prepareInput } from "./input.ts";
import { createMockProvider } from "./providers/mock.ts";
import type { NodeEnv, NodeOutcome, StepRunner } from "./steps.ts";
import { walkWorkflow } from "./walk.ts";

// The compiler's output, run by the walk: every example workflow from examples/ end to end (mock provider).
const examples = join(import.meta.dirname, "..", "examples");
const names = readdirSync(examples)
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.replace(/\.json$/, ""));

function recordingRunner() {
  const steps: Array<{ label: string; status: string; outcome?: NodeOutcome }> = [];
  const runner: StepRunner = {
    async runStep(label: string, _node: CompiledNode, work: () => Promise<NodeOutcome>) {
      const outcome = await work();
      steps.push({ label, status: "completed", outcome });
      return outcome;
    },
    async skipStep(label: string) {
      steps.push({ label, status: "skipped" });
    },
  };
  return { runner, steps };
}

describe("compiled examples through the walk", () => {
  it.each(names)("%s runs to an output, the same twice", async (name) => {
    const doc = JSON.parse(readFileSync(join(examples, `${name}.json`), "utf8"));
    const compiled = compileWorkflow(doc, { allowHosts: ["api.example.com"] });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
    const input = prepareInput(
      compiled.compiled,
      JSON.parse(readFileSync(join(examples, "inputs", `${name}.json`), "utf8")),
    );
    const env: NodeEnv = {
      provider: createMockProvider(),
      http: { allowHosts: ["api.example.com"], timeoutMs: 1000, maxResponseBytes: 1 << 20 },
      secret: () => undefined,
    };
    const first = recordingRunner();
    const result = await walkWorkflow(compiled.compiled, input, first.runner, env);
    expect(result.output).not.toBeNull();
    expect(result.output).not.toBeUndefined();
    const ran = compiled.compiled.topologicallySortedNodes.filter((n) => !result.skipped.includes(n.id));
    for (const node of ran) expect(first.steps.some((s) => s.label === node.label)).toBe(true);

    const second = recordingRunner();
    expect(await walkWorkflow(compiled.compiled, input, second.runner, env)).toEqual(result);
    const byLabel = (steps: typeof first.steps) => Object.fromEntries(steps.map((s) => [s.label, s]));
    expect(byLabel(second.steps)).toEqual(byLabel(first.steps));
  });

  it("branch example: the enterprise ticket escalates and the reply side is skipped", async () => {
    const doc = JSON.parse(readFileSync(join(examples, "branch.json"), "utf8"));
    const compiled = compileWorkflow(doc, { allowHosts: [] });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
    const input = prepareInput(
      compiled.compiled,
      JSON.parse(readFileSync(join(examples, "inputs", "branch.json"), "utf8")),
    );
    const env: NodeEnv = {
      provider: createMockProvider(),
      http: { allowHosts: [], timeoutMs: 1000, maxResponseBytes: 1 << 20 },
      secret: () => undefined,
    };
    const { runner, steps } = recordingRunner();
    const result = await walkWorkflow(compiled.compiled, input, runner, env);
    expect(result.results.isUrgent).toBe(true);
    expect(result.skipped).toContain("reply");
    expect(steps.find((s) => s.label === "node-reply-llm")?.status).toBe("skipped");
  });
});
