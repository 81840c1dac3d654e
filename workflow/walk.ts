// In what order do a workflow's nodes run, which are skipped, and what does the run answer? The graph walk both executors share.
import { type CompiledNode, type CompiledWorkflow, mapChunkLabel, mapItemLabel } from "./compiled.ts";
import { ErrorCode, NodeError } from "./errors.ts";
import { runNode } from "./nodes/index.ts";
import { chunkOutcome, mapChunkSize, mapItems, mapOutcome, runMapItems } from "./nodes/map.ts";
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
  const steps: StepBudget = {
    nodeCount: nodes.length,
    mapNodeCount: nodes.filter((n) => n.type === "map").length,
  };
  const graph = indexGraph(workflow);
  const visibleTo = ancestorFinder(graph.prerequisites);
  const state: State[] = nodes.map(() => "pending");
  const outputs = new Map<number, unknown>();
  const waiting = graph.prerequisites.map((p) => p.length);
  // Ready nodes start lowest position first, so nodes start in topological order whatever finished first.
  const ready = new MinHeap();
  let running = 0;
  // Set by each settling node; the loop sleeps on it instead of racing every node in flight.
  let woken = false;
  let wake: (() => void) | null = null;
  const failures = new Map<number, unknown>();
  let canceled = false;

  const settle = (i: number) => {
    for (const j of graph.dependents[i]) if (--waiting[j] === 0) ready.push(j);
  };
  for (let i = 0; i < nodes.length; i++) if (waiting[i] === 0) ready.push(i);

  const edgeActive = (i: number, e: number): boolean => {
    const from = graph.sources[i][e];
    if (state[from] === "skipped") return false;
    const handle = nodes[i].incoming[e].handle;
    if (nodes[from].type === "branch" && handle !== null) return String(outputs.get(from)) === handle;
    return true;
  };
  const anyEdgeActive = (i: number): boolean => {
    for (let e = 0; e < graph.sources[i].length; e++) if (edgeActive(i, e)) return true;
    return false;
  };

  const scopeFor = (i: number): NodeScope => {
    // Built on first read: a replayed step (memoized on Inngest) never runs its work, so never pays for it.
    let results: Record<string, unknown> | undefined;
    const scope: NodeScope = {
      input,
      get results() {
        if (results === undefined) {
          results = {};
          for (const a of visibleTo(i)) if (outputs.has(a)) results[nodes[a].id] = outputs.get(a);
        }
        return results;
      },
    };
    if (nodes[i].type === "output") {
      const active = nodes[i].incoming.filter((_, e) => edgeActive(i, e)).map((edge) => edge.from);
      scope.activeSources = [...new Set(active)].sort();
    }
    return scope;
  };

  const start = (i: number) => {
    state[i] = "running";
    const node = nodes[i];
    running++;
    const done = () => {
      running--;
      woken = true;
      wake?.();
    };
    runOne(node, scopeFor(i), runner, env, steps).then(
      (outcome) => {
        outputs.set(i, outcome.output);
        state[i] = "completed";
        settle(i);
        done();
      },
      (err) => {
        failures.set(i, err);
        state[i] = "failed";
        done();
      },
    );
  };

  for (;;) {
    while (ready.size > 0 && failures.size === 0 && !canceled) {
      const i = ready.peek();
      const node = nodes[i];
      if (node.incoming.length > 0 && !anyEdgeActive(i)) {
        ready.pop();
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
      if (running >= parallelism) break;
      if (env.signal?.aborted) {
        canceled = true;
        break;
      }
      ready.pop();
      start(i);
    }
    if (running === 0) break;
    if (!woken) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
    woken = false;
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

/** What the step plan of a map needs to know of its run: how many nodes, and how many of them are maps. */
interface StepBudget {
  nodeCount: number;
  mapNodeCount: number;
}

/**
 * Runs one node as its step; a map node runs its items as steps first, then its own step. A map with more
 * items than the run's step budget leaves room for runs its items in chunks, a step per chunk
 * (`node-<id>-map-<first>-<last>`, see mapChunkSize), each chunk's items at the map's concurrency.
 */
async function runOne(
  node: CompiledNode,
  scope: NodeScope,
  runner: StepRunner,
  env: NodeEnv,
  budget: StepBudget,
): Promise<NodeOutcome> {
  if (node.type !== "map") return runner.runStep(node.label, node, () => runNode(node, scope, env));
  let items: unknown[];
  try {
    items = await mapItems(node, scope, env);
  } catch (err) {
    // A bad items expression fails the map's own step, so the failure is recorded where it belongs.
    return runner.runStep(node.label, node, () => Promise.reject(err));
  }
  const size = mapChunkSize(items.length, budget.nodeCount, budget.mapNodeCount);
  if (size === 1) {
    const itemOutcomes = await runMapItems(node, items, scope, env, (index, work) =>
      runner.runStep(mapItemLabel(node.id, index), node, work),
    );
    return runner.runStep(node.label, node, async () => mapOutcome(items, itemOutcomes));
  }
  // Chunks are the units now: they run at the map's concurrency, each running its items one after another.
  const chunks = Array.from({ length: Math.ceil(items.length / size) }, (_, c) =>
    items.slice(c * size, (c + 1) * size),
  );
  const chunkOutcomes = await runMapItems(node, chunks, scope, env, (c, _work) => {
    const first = c * size;
    return runner.runStep(mapChunkLabel(node.id, first, first + chunks[c].length - 1), node, async () => {
      const outcomes = await runMapItems(
        { ...node, config: { ...(node.config as object), concurrency: 1 } } as CompiledNode,
        chunks[c],
        scope,
        env,
        (_i, work) => work(),
        first,
      );
      return chunkOutcome(outcomes);
    });
  });
  const itemOutcomes = chunkOutcomes.flatMap((chunk) =>
    (chunk.output as unknown[]).map((output, i) => ({
      ...chunk,
      output,
      input: (chunk.input as unknown[])[i],
    })),
  );
  return runner.runStep(node.label, node, async () => mapOutcome(items, itemOutcomes));
}

interface GraphIndex {
  index: Map<string, number>;
  /** For each node, the positions of the nodes it waits for (dependencies and edge sources). */
  prerequisites: number[][];
  dependents: number[][];
  /** For each node, the position of each incoming edge's source (parallel to `incoming`). */
  sources: number[][];
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
  const sources = nodes.map((node) => node.incoming.map((e) => index.get(e.from)!));
  return { index, prerequisites, dependents, sources };
}

/**
 * Returns a function giving the positions of every node `i` transitively waits for, ascending
 * (topological order). One mark array serves every lookup, so a lookup costs the ancestors it finds
 * and their edges, never a pass over the whole graph.
 */
function ancestorFinder(prerequisites: number[][]): (i: number) => Int32Array {
  const mark = new Uint32Array(prerequisites.length);
  let visit = 0;
  return (i) => {
    visit++;
    const found: number[] = [];
    const stack = [i];
    while (stack.length > 0) {
      for (const p of prerequisites[stack.pop()!]) {
        if (mark[p] === visit) continue;
        mark[p] = visit;
        found.push(p);
        stack.push(p);
      }
    }
    return Int32Array.from(found).sort();
  };
}

/** A binary min-heap of node positions: which ready node starts next. */
class MinHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  /** Returns the smallest position without removing it. */
  peek(): number {
    return this.items[0];
  }
  push(x: number): void {
    const a = this.items;
    let at = a.push(x) - 1;
    while (at > 0) {
      const up = (at - 1) >> 1;
      if (a[up] <= x) break;
      a[at] = a[up];
      at = up;
    }
    a[at] = x;
  }
  /** Removes and returns the smallest position. */
  pop(): number {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      let at = 0;
      for (;;) {
        let child = 2 * at + 1;
        if (child >= a.length) break;
        if (child + 1 < a.length && a[child + 1] < a[child]) child++;
        if (a[child] >= last) break;
        a[at] = a[child];
        at = child;
      }
      a[at] = last;
    }
    return top;
  }
}
