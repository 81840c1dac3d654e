// What do the Convex executor's tests run? Small builder graphs and an executor over a fresh embedded runtime.
import type { RunOptions } from "../../convex/cutover/runOptions.ts";
import { compileWorkflow } from "../../workflow/compile.ts";
import type { CompiledWorkflow } from "../../workflow/compiled.ts";
import { createEmbeddedBackend } from "./embedded-backend.ts";
import { ConvexExecutor } from "./executor.ts";

type Node = { id: string; type: string; data?: Record<string, unknown> };

/** Returns a builder document: the nodes in a line, input first and output last, joined by edges in order. */
export function lineDoc(id: string, middle: Node[], variables: unknown[] = []): unknown {
  const nodes = [{ id: "input", type: "input" }, ...middle, { id: "output", type: "output" }].map((n, i) => ({
    id: n.id,
    type: n.type,
    position: { x: i * 100, y: 0 },
    data: n.data ?? {},
  }));
  const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i].id, target: n.id }));
  return { id, name: id, variables, nodes, edges };
}

/** Returns the compiled workflow; throws with the validator's errors when the document is invalid. */
export function compileOrThrow(doc: unknown): CompiledWorkflow {
  const result = compileWorkflow(doc);
  if (!result.ok) throw new Error(`test graph is invalid: ${JSON.stringify(result.errors)}`);
  return result.compiled;
}

export const llmNode = (id: string, prompt: string, extra: Record<string, unknown> = {}): Node => ({
  id,
  type: "ai",
  data: { model: "gpt-4o-mini", prompt, outputFormat: "text", ...extra },
});
export const transformNode = (id: string, script: string): Node => ({
  id,
  type: "transform",
  data: { script },
});

/**
 * Returns a ConvexExecutor over a fresh embedded runtime loading `modules` (under vitest:
 * `import.meta.glob("../../convex/**\/*.ts")`), with fast retries unless options say otherwise.
 */
export function embeddedExecutor(
  modules: Record<string, () => Promise<unknown>>,
  runOptions: Partial<RunOptions> = {},
  defaultProvider = "mock",
) {
  const backend = createEmbeddedBackend(modules, 5);
  const executor = new ConvexExecutor({
    backend,
    runOptions: { backoffBaseMs: 2, backoffMaxMs: 20, cancelPollMs: 20, ...runOptions },
    defaultProvider,
  });
  return { backend, executor, t: backend.t };
}
