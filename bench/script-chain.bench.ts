// Does a script's cost grow with the number of its ancestors? A chain of transform nodes, each returning 2 KB and
// reading only the node before it, walked with the real sandbox: per-node cost at 50 and at 800 nodes.
// Goal (issue 14 item 6): the chain of 800 costs per node within 1.5× of the chain of 50.
import { createExecutor } from "../executors/factory.ts";
import { edge, node } from "../test/graphs.ts";
import type { CompiledNode, CompiledWorkflow } from "../workflow/compiled.ts";
import { createMockProvider } from "../workflow/providers/mock.ts";
import type { NodeEnv, NodeOutcome, StepRunner } from "../workflow/steps.ts";
import { walkWorkflow } from "../workflow/walk.ts";
import { compiled } from "./graphs.ts";
import { type Bench, median, round } from "./measure.ts";

const SIZES = [50, 200, 800];
const GOAL_RATIO = 1.5;

/** Returns input → `length` transforms (each 2 KB out, reading the one before) → output, compiled. */
export function compiledScriptChain(length: number): CompiledWorkflow {
  const nodes = [node("input", "input")];
  const edges = [];
  let prev = "input";
  for (let i = 1; i <= length; i++) {
    const id = `t${i}`;
    const script =
      i === 1
        ? 'return { step: 1, pad: "x".repeat(2000) };'
        : `return { step: results.${prev}.step + 1, pad: results.${prev}.pad };`;
    nodes.push(node(id, "transform", { script }, i));
    edges.push(edge(prev, id));
    prev = id;
  }
  nodes.push(node("output", "output", {}, length + 1));
  edges.push(edge(prev, "output"));
  return compiled({
    id: `script-chain-${length}`,
    name: `Script chain of ${length}`,
    variables: [],
    nodes,
    edges,
  });
}

/** Runs every step's work at once: the walk, the scopes and the sandboxed scripts. */
const runner: StepRunner = {
  runStep: (_label: string, _node: CompiledNode, work: () => Promise<NodeOutcome>) => work(),
  async skipStep() {},
};

const env: NodeEnv = {
  provider: createMockProvider(),
  http: { allowHosts: [], timeoutMs: 1000, maxResponseBytes: 1024 },
  secret: () => undefined,
};

/** Returns the CPU ms per transform node (process.cpuUsage, all threads: the sandbox workers too) over a few walks. */
async function cpuMsPerNode(length: number): Promise<{ cpuMsPerNode: number; wallMsPerNode: number }> {
  const workflow = compiledScriptChain(length);
  const walks = Math.max(3, Math.ceil(2000 / length));
  await walkWorkflow(workflow, {}, runner, env); // warm: workers started, code compiled
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < walks; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await walkWorkflow(workflow, {}, runner, env);
    wall.push((performance.now() - t0) / length);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000 / length);
    if ((result.output as { step?: number } | null)?.step !== length)
      throw new Error(`chain of ${length} ended with ${JSON.stringify(result.output).slice(0, 80)}`);
  }
  return { cpuMsPerNode: round(median(cpu)), wallMsPerNode: round(median(wall)) };
}

/** Returns the CPU ms per node of one run of the chain on an embedded executor (a short chain warms it first). */
async function executorCpuMsPerNode(name: "convex" | "inngest", length: number): Promise<number> {
  const executor = createExecutor(name);
  let seq = 0;
  const run = async (n: number) => {
    const runId = `script-chain-${name}-${n}-${++seq}`;
    await executor.submit({ runId, workspaceId: "bench", workflow: compiledScriptChain(n), input: {} });
    const record = await executor.waitFor("bench", runId, { timeoutMs: 600_000 });
    if (record.status !== "completed") throw new Error(`${name} chain of ${n}: ${record.error?.message}`);
  };
  await run(10);
  const c0 = process.cpuUsage();
  await run(length);
  const c = process.cpuUsage(c0);
  return round((c.user + c.system) / 1000 / length);
}

const bench: Bench = {
  name: "script-chain",
  async run() {
    const figures: Record<string, unknown> = { outputBytes: 2000 };
    const per: Record<number, { cpuMsPerNode: number; wallMsPerNode: number }> = {};
    for (const size of SIZES) {
      per[size] = await cpuMsPerNode(size);
      figures[`chain${size}`] = per[size];
    }
    const ratio = round(per[800].cpuMsPerNode / per[50].cpuMsPerNode, 2);
    figures.cpuRatio800to50 = ratio;
    figures.goalRatio = GOAL_RATIO;
    figures.goalMet = ratio <= GOAL_RATIO;
    // The same chains through both executors (one run each, so noisier): the walk's figure above is the goal's.
    for (const name of ["convex", "inngest"] as const) {
      const at50 = await executorCpuMsPerNode(name, 50);
      const at800 = await executorCpuMsPerNode(name, 800);
      figures[name] = {
        chain50CpuMsPerNode: at50,
        chain800CpuMsPerNode: at800,
        ratio: round(at800 / at50, 2),
      };
    }
    if (!figures.goalMet)
      console.error(`script-chain: per-node CPU at 800 is ${ratio}× that at 50 (goal ≤ ${GOAL_RATIO}×)`);
    return figures;
  },
};
export default bench;
