// Do both executors agree? Every example workflow on the legacy Convex executor and the Inngest one (embedded, mock provider).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Executor } from "../executors/executor.ts";
import { createExecutor } from "../executors/factory.ts";
import { RunRecord } from "../executors/records.ts";
import { compare } from "../parity/compare.ts";
import { explain } from "../parity/explain.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import { defaultRunInput } from "../workflow/legacy/input-task.ts";

const dir = join(import.meta.dirname, "..", "examples");
const inferpipeExamples = readdirSync(join(dir, "inferpipe"))
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.replace(/\.json$/, ""))
  .sort();
const examples = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.replace(/\.json$/, ""))
  .sort();

const quiet = { env: {}, announce: () => {} };
let executors: Record<"convex" | "inngest", Executor> | undefined;
function both() {
  executors ??= {
    convex: createExecutor("convex", quiet),
    inngest: createExecutor("inngest", quiet),
  };
  return executors;
}

async function runOn(executor: Executor, name: string) {
  const compiled = compileWorkflow(JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")));
  if (!compiled.ok) throw new Error(`${name} does not compile: ${JSON.stringify(compiled.errors)}`);
  const input = JSON.parse(readFileSync(join(dir, "inputs", `${name}.json`), "utf8"));
  const runId = `conformance-${name}-${executor.name}`;
  await executor.submit({
    runId,
    workspaceId: "conformance",
    workflow: compiled.compiled,
    input,
    provider: "mock",
  });
  return RunRecord.parse(await executor.waitFor("conformance", runId, { timeoutMs: 60_000 }));
}

describe("conformance: Convex and Inngest executors", () => {
  it("has example workflows to compare", () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it.each(examples)("%s: same status, output, usage and step set on both executors", async (name) => {
    const { convex, inngest } = both();
    const [a, b] = await Promise.all([runOn(convex, name), runOn(inngest, name)]);
    expect(a.executor).toBe("convex");
    expect(b.executor).toBe("inngest");
    expect(b.status).toBe(a.status);
    expect(a.status).toBe("completed");
    expect(b.output).toEqual(a.output);
    expect(b.tokens).toEqual(a.tokens);
    expect(b.costUsd).toBeCloseTo(a.costUsd ?? Number.NaN, 9);
    const stepSet = (r: RunRecord) => r.steps.map((s) => `${s.name} ${s.type} ${s.status}`).sort();
    expect(stepSet(b)).toEqual(stepSet(a));
    for (const step of b.steps) {
      const twin = a.steps.find((s) => s.name === step.name);
      expect(step.output, step.name).toEqual(twin?.output);
    }
  });

  it.each(inferpipeExamples)(
    "inferpipe/%s: the same steps and outputs (wall clock aside) on both executors, with the mock provider",
    async (name) => {
      const { convex, inngest } = both();
      const compiled = compileWorkflow(
        JSON.parse(readFileSync(join(dir, "inferpipe", `${name}.json`), "utf8")),
      );
      if (!compiled.ok) throw new Error(`${name} does not compile: ${JSON.stringify(compiled.errors)}`);
      const run = async (executor: Executor) => {
        const runId = `conformance-inferpipe-${name}-${executor.name}`;
        await executor.submit({
          runId,
          workspaceId: "conformance",
          workflow: compiled.compiled,
          input: defaultRunInput(compiled.compiled),
          provider: "mock",
        });
        return RunRecord.parse(await executor.waitFor("conformance", runId, { timeoutMs: 60_000 }));
      };
      const [a, b] = await Promise.all([run(convex), run(inngest)]);
      expect(a.status).toBe("completed");
      expect(compare(a, b).verdict, explain(compare(a, b))).toBe("match");
      expect(b.steps.map((s) => s.name)).toEqual(a.steps.map((s) => s.name));
    },
  );
});
