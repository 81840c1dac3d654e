// Which graphs do the executor benchmarks run? Builder documents (and their compiled form) of chains and fan-outs.

import { mapOverItems } from "../test/graphs.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";

type BuilderDoc = {
  id: string;
  name: string;
  variables: { name: string; type: string; defaultValue?: unknown }[];
  nodes: { id: string; type: string; position: { x: number; y: number }; data: Record<string, unknown> }[];
  edges: { id: string; source: string; target: string }[];
};

const llm = (prompt: string) => ({ model: "gpt-4o-mini", prompt, outputFormat: "text", temperature: 0 });

/** Returns a builder graph: input → `length` llm nodes one after another → output. */
export function chainDoc(length: number): BuilderDoc {
  const nodes: BuilderDoc["nodes"] = [{ id: "input", type: "input", position: { x: 0, y: 0 }, data: {} }];
  const edges: BuilderDoc["edges"] = [];
  let prev = "input";
  for (let i = 1; i <= length; i++) {
    const id = `n${i}`;
    const prompt = i === 1 ? "Step 1 on {{input.topic}}" : `Step ${i} after: {{nodes.${prev}}}`;
    nodes.push({ id, type: "ai", position: { x: i * 10, y: 0 }, data: llm(prompt) });
    edges.push({ id: `e-${prev}-${id}`, source: prev, target: id });
    prev = id;
  }
  nodes.push({ id: "output", type: "output", position: { x: (length + 1) * 10, y: 0 }, data: {} });
  edges.push({ id: `e-${prev}-output`, source: prev, target: "output" });
  return {
    id: `chain-${length}`,
    name: `Chain of ${length}`,
    variables: [{ name: "topic", type: "string", defaultValue: "bench" }],
    nodes,
    edges,
  };
}

/** Returns a builder graph: input → `width` independent llm nodes → one output joining them all. */
export function fanOutDoc(width: number): BuilderDoc {
  const nodes: BuilderDoc["nodes"] = [{ id: "input", type: "input", position: { x: 0, y: 0 }, data: {} }];
  const edges: BuilderDoc["edges"] = [];
  for (let i = 1; i <= width; i++) {
    const id = `f${i}`;
    nodes.push({
      id,
      type: "ai",
      position: { x: 100, y: i * 10 },
      data: llm(`Angle ${i} on {{input.topic}}`),
    });
    edges.push({ id: `e-input-${id}`, source: "input", target: id });
    edges.push({ id: `e-${id}-output`, source: id, target: "output" });
  }
  nodes.push({ id: "output", type: "output", position: { x: 200, y: 0 }, data: {} });
  return {
    id: `fanout-${width}`,
    name: `Fan-out of ${width}`,
    variables: [{ name: "topic", type: "string", defaultValue: "bench" }],
    nodes,
    edges,
  };
}

/** Returns the compiled form of a builder graph; throws with the validator's errors if it has any. */
export function compiled(doc: BuilderDoc): CompiledWorkflow {
  const result = compileWorkflow(doc);
  if (!result.ok)
    throw new Error(`bench graph ${doc.id} is invalid: ${JSON.stringify(result.errors.slice(0, 3))}`);
  return result.compiled;
}

/** Returns a compiled chain of `length` llm nodes (plus input and output). */
export const compiledChain = (length: number): CompiledWorkflow => compiled(chainDoc(length));

/** Returns a compiled fan-out of `width` parallel llm nodes (plus input and output). */
export const compiledFanOut = (width: number): CompiledWorkflow => compiled(fanOutDoc(width));

/** Returns a builder graph: input → one map node running an llm task per item of `input.items` → output. */
export function mapDoc(concurrency = 8): BuilderDoc {
  return mapOverItems({ type: "ai", data: llm("Item {{index}}: {{item}}") }, concurrency, {
    id: "map-bench",
  }) as BuilderDoc;
}

/** Returns a builder graph: input → `rungs` levels of two parallel llm nodes, each reading both of the level before → output. */
export function ladderDoc(rungs: number): BuilderDoc {
  const nodes: BuilderDoc["nodes"] = [{ id: "input", type: "input", position: { x: 0, y: 0 }, data: {} }];
  const edges: BuilderDoc["edges"] = [];
  let prev = ["input"];
  for (let r = 1; r <= rungs; r++) {
    const level = [`l${r}`, `r${r}`];
    level.forEach((id, side) => {
      const reads = prev.map((p) => (p === "input" ? "{{input.topic}}" : `{{nodes.${p}}}`)).join(" / ");
      nodes.push({ id, type: "ai", position: { x: r * 10, y: side * 10 }, data: llm(`Rung ${r}: ${reads}`) });
      for (const p of prev) edges.push({ id: `e-${p}-${id}`, source: p, target: id });
    });
    prev = level;
  }
  nodes.push({ id: "output", type: "output", position: { x: (rungs + 1) * 10, y: 0 }, data: {} });
  for (const p of prev) edges.push({ id: `e-${p}-output`, source: p, target: "output" });
  return {
    id: `ladder-${rungs}`,
    name: `Ladder of ${rungs} rungs`,
    variables: [{ name: "topic", type: "string", defaultValue: "bench" }],
    nodes,
    edges,
  };
}

/** Returns a compiled map over `input.items`. */
export const compiledMap = (concurrency?: number): CompiledWorkflow => compiled(mapDoc(concurrency));

/** Returns a compiled ladder of `rungs` levels of two nodes (2 × rungs + 2 nodes). */
export const compiledLadder = (rungs: number): CompiledWorkflow => compiled(ladderDoc(rungs));
