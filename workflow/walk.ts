// In what order do a workflow's nodes run, which are skipped, and what does the run answer? The graph walk both executors share.
import { type CompiledNode, type CompiledWorkflow, type Incoming, mapItemLabel } from "./compiled.ts";
import { ErrorCode, NodeError } from "./errors.ts";
import { runNode } from "./nodes/index.ts";
import { mapItems, mapOutcome, runMapItems } from "./nodes/map.ts";
import type { NodeScope } from "./nodes/scope.ts";
import type { NodeEnv, NodeOutcome, StepRunner } from "./steps.ts";

export interface WalkOptions {
  /** Nodes in flight at once (a map node counts once; its items follow its own concurrency). Default 8. */
  parallelism?: number;
}

export interface WalkResult {
  /** The output node's value (null when it was skipped). */
  output: unknown;
  /** Node id → output for every node that ran, in topological order; skipped nodes are absent. */
  results: Record<string, unknown>;
  /** Ids of skipped nodes, in topological order. */
  skipped: string[];
}

type State = "pending" | "running" | "completed" | "skipped" | "failed";

/**
 * Walks the compiled graph: runs ready nodes through runner.runStep (bounded parallelism), records
 * skips through runner.skipStep; returns the output node's value. `input` is already prepared
 * (defaults applied).
 *
 * Deterministic given the same step outcomes (the Inngest executor re-enters once per step with
 * memoized results): ready nodes start in topological order, a node sees only its ancestors' results,
 * skips follow from outcomes alone, and after a failure the error of the earliest failed node (in
 * topological order) is thrown once the nodes in flight have settled. Completion order decides
 * timing only.
 */
export async function walkWorkflow(
  workflow: CompiledWorkflow,
  input: unknown,
  runner: StepRunner,
  env: NodeEnv,
  options: WalkOptions = {},
): Promise<WalkResult> {
  const parallelism = Math.max(1, Math.floor(options.parallelism ?? 8));
  const nodes = workflow.topologicallySortedNodes;
  const graph = indexGraph(workflow);
  const state: State[] = nodes.map(() => "pending");
  const outputs = new Map<number, unknown>();
  const waiting = graph.prerequisites.map((p) => p.length);
  const ready: number[] = [];
  const running = new Map<number, Promise<void>>();
  const failures = new Map<number, unknown>();
  let canceled = false;

  const markReady = (i: number) => {
    // Keep `ready` sorted so nodes start in topological order whatever finished first.
    let at = ready.length;
    while (at > 0 && ready[at - 1] > i) at--;
    ready.splice(at, 0, i);
  };
  const settle = (i: number) => {
    for (const j of graph.dependents[i]) if (--waiting[j] === 0) markReady(j);
  };
  nodes.forEach((_, i) => {
    if (waiting[i] === 0) markReady(i);
  });

  const edgeActive = (edge: Incoming): boolean => {
    const from = graph.index.get(edge.from)!;
    if (state[from] === "skipped") return false;
    if (nodes[from].type === "branch" && edge.handle !== null)
      return String(outputs.get(from)) === edge.handle;
    return true;
  };

  const scopeFor = (i: number): NodeScope => {
    const results: Record<string, unknown> = {};
    for (const a of ancestors(i, graph.prerequisites))
      if (outputs.has(a)) results[nodes[a].id] = outputs.get(a);
    const scope: NodeScope = { input, results };
    if (nodes[i].type === "output") {
      scope.activeSources = [...new Set(nodes[i].incoming.filter(edgeActive).map((e) => e.from))].sort();
    }
    return scope;
  };

  const start = (i: number) => {
    state[i] = "running";
    const node = nodes[i];
    const task = runOne(node, scopeFor(i), runner, env).then(
      (outcome) => {
        outputs.set(i, outcome.output);
        state[i] = "completed";
      },
      (err) => {
        failures.set(i, err);
        state[i] = "failed";
      },
    );
    running.set(
      i,
      task.finally(() => {
        running.delete(i);
        if (state[i] === "completed") settle(i);
      }),
    );
  };

  for (;;) {
    while (ready.length > 0 && failures.size === 0 && !canceled) {
      const i = ready[0];
      const node = nodes[i];
      if (node.incoming.length > 0 && !node.incoming.some(edgeActive)) {
        ready.shift();
        state[i] = "skipped";
        try {
          await runner.skipStep(node.label, node);
        } catch (err) {
          failures.set(i, err);
          break;
        }
        settle(i);
        continue;
      }
      if (running.size >= parallelism) break;
      if (env.signal?.aborted) {
        canceled = true;
        break;
      }
      ready.shift();
      start(i);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }

  if (failures.size > 0) throw failures.get(Math.min(...failures.keys()));
  if (canceled) throw new NodeError(ErrorCode.CANCELED, "run canceled");
  const stuck = nodes.filter((_, i) => state[i] === "pending").map((n) => n.id);
  if (stuck.length > 0) {
    throw new NodeError(ErrorCode.INTERNAL, `walk ended with nodes never ready: ${stuck.join(", ")}`);
  }

  const results: Record<string, unknown> = {};
  const skipped: string[] = [];
  nodes.forEach((node, i) => {
    if (state[i] === "completed") results[node.id] = outputs.get(i);
    else skipped.push(node.id);
  });
  const outputIndex = graph.index.get(workflow.outputNodeId)!;
  return { output: outputs.has(outputIndex) ? (outputs.get(outputIndex) ?? null) : null, results, skipped };
}

/** Runs one node as its step; a map node runs its items as steps first, then its own step. */
async function runOne(
  node: CompiledNode,
  scope: NodeScope,
  runner: StepRunner,
  env: NodeEnv,
): Promise<NodeOutcome> {
  if (node.type !== "map") return runner.runStep(node.label, node, () => runNode(node, scope, env));
  let items: unknown[];
  try {
    items = await mapItems(node, scope, env);
  } catch (err) {
    // A bad items expression fails the map's own step, so the failure is recorded where it belongs.
    return runner.runStep(node.label, node, () => Promise.reject(err));
  }
  const itemOutcomes = await runMapItems(node, items, scope, env, (index, work) =>
    runner.runStep(mapItemLabel(node.id, index), node, work),
  );
  return runner.runStep(node.label, node, async () => mapOutcome(items, itemOutcomes));
}

interface GraphIndex {
  index: Map<string, number>;
  /** For each node, the positions of the nodes it waits for (dependencies and edge sources). */
  prerequisites: number[][];
  dependents: number[][];
}

/** Indexes the graph, rejecting a compiled document the walk cannot run (unknown or later prerequisites). */
function indexGraph(workflow: CompiledWorkflow): GraphIndex {
  const nodes = workflow.topologicallySortedNodes;
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  if (index.size !== nodes.length)
    throw new NodeError(ErrorCode.INTERNAL, "compiled workflow repeats a node id");
  if (!index.has(workflow.outputNodeId)) {
    throw new NodeError(ErrorCode.INTERNAL, `output node "${workflow.outputNodeId}" is not in the workflow`);
  }
  const dependents: number[][] = nodes.map(() => []);
  const prerequisites = nodes.map((node, i) => {
    const ids = [...new Set([...node.dependsOn, ...node.incoming.map((e) => e.from)])];
    return ids.map((id) => {
      const at = index.get(id);
      if (at === undefined)
        throw new NodeError(ErrorCode.INTERNAL, `node "${node.id}" depends on unknown node "${id}"`);
      if (at >= i) {
        throw new NodeError(
          ErrorCode.INTERNAL,
          `node "${node.id}" depends on "${id}", which is not sorted before it`,
        );
      }
      dependents[at].push(i);
      return at;
    });
  });
  return { index, prerequisites, dependents };
}

/** Returns the positions of every node `i` transitively waits for, ascending (topological order). */
function ancestors(i: number, prerequisites: number[][]): number[] {
  const seen = new Set<number>();
  const stack = [...prerequisites[i]];
  while (stack.length > 0) {
    const a = stack.pop()!;
    if (seen.has(a)) continue;
    seen.add(a);
    stack.push(...prerequisites[a]);
  }
  return [...seen].sort((a, b) => a - b);
}
