// What does the shared graph walk itself cost per node, and does that stay flat as graphs grow?
import { edge, node } from "../test/graphs.ts";
import type { CompiledNode, CompiledWorkflow } from "../workflow/compiled.ts";
import { createMockProvider } from "../workflow/providers/mock.ts";
import type { NodeEnv, NodeOutcome, StepRunner } from "../workflow/steps.ts";
import { walkWorkflow } from "../workflow/walk.ts";
import { compiled, compiledChain, compiledFanOut } from "./graphs.ts";
import { type Bench, median, round, timeRuns } from "./measure.ts";

const SIZES = [50, 200, 1000];

/**
 * Answers every step at once without running it, as the Inngest executor does for memoized steps
 * when its function re-enters and replays the walk: what is left is the walk's own cost.
 */
const replayRunner: StepRunner = {
  async runStep(label: string): Promise<NodeOutcome> {
    return { output: label, input: null, tokens: null, costUsd: 0, model: null };
  },
  async skipStep() {},
};

/** Runs every step's work at once (mock provider, no latency): the walk plus building scopes and rendering. */
const executeRunner: StepRunner = {
  runStep: (_label: string, _node: CompiledNode, work: () => Promise<NodeOutcome>) => work(),
  async skipStep() {},
};

const env: NodeEnv = {
  provider: createMockProvider(),
  http: { allowHosts: [], timeoutMs: 1000, maxResponseBytes: 1024 },
  secret: () => undefined,
};

/** Returns a compiled ladder: input → rungs of two llm nodes, each reading both nodes of the rung before → output. */
function compiledLadder(size: number): CompiledWorkflow {
  const rungs = Math.max(1, Math.floor((size - 2) / 2));
  const nodes = [node("input", "input")];
  const edges = [];
  let previous = ["input"];
  for (let r = 1; r <= rungs; r++) {
    const rung = [`a${r}`, `b${r}`];
    for (const id of rung) {
      const refs = previous.map((p) => (p === "input" ? "{{input.topic}}" : `{{nodes.${p}}}`)).join(" and ");
      nodes.push(node(id, "ai", { model: "gpt-4o-mini", prompt: `${id} on ${refs}`, temperature: 0 }, r));
      for (const p of previous) edges.push(edge(p, id));
    }
    previous = rung;
  }
  nodes.push(node("output", "output", {}, rungs + 1));
  for (const p of previous) edges.push(edge(p, "output"));
  return compiled({
    id: `ladder-${size}`,
    name: `Ladder of ${size}`,
    variables: [{ name: "topic", type: "string", defaultValue: "bench" }],
    nodes,
    edges,
  });
}

/** Returns the median µs per node of walking `workflow` with `runner` (enough runs to last a moment). */
async function microsPerNode(workflow: CompiledWorkflow, runner: StepRunner): Promise<number> {
  const n = workflow.topologicallySortedNodes.length;
  const times = Math.max(5, Math.ceil(10_000 / n));
  const samples = await timeRuns(() => walkWorkflow(workflow, { topic: "bench" }, runner, env), times, 2);
  return round((median(samples) * 1000) / n, 2);
}

const shapes: Record<string, (size: number) => CompiledWorkflow> = {
  chain: (size) => compiledChain(size - 2),
  fanOut: (size) => compiledFanOut(size - 2),
  ladder: compiledLadder,
};

const bench: Bench = {
  name: "walk",
  async run() {
    const figures: Record<string, unknown> = {};
    for (const [mode, runner] of [
      ["replay", replayRunner],
      ["execute", executeRunner],
    ] as const) {
      for (const [shape, build] of Object.entries(shapes)) {
        const row: Record<number, number> = {};
        for (const size of SIZES) row[size] = await microsPerNode(build(size), runner);
        figures[`${mode} ${shape} µs/node (50, 200, 1000 nodes)`] = SIZES.map((s) => row[s]);
        figures[`${mode} ${shape} growth 1000 over 50`] = round(row[1000] / row[50], 2);
      }
    }
    return figures;
  },
};
export default bench;
