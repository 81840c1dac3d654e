// How does a map node fan out? Its items, one task per item at bounded concurrency, results in input order.
import pLimit from "p-limit";
import type { CompiledNode, MapConfig } from "../compiled.ts";
import { ErrorCode, NodeError } from "../errors.ts";
import { evaluateExpression, nodeScriptOptions } from "../sandbox.ts";
import type { NodeEnv, NodeOutcome } from "../steps.ts";
import { runLlmConfig } from "./llm.ts";
import { type NodeScope, plainOutcome } from "./scope.ts";
import { runTransformConfig } from "./transform.ts";

/** Runs one item's task as a step; the walk passes the executor's runner, the registry runs it inline. */
export type RunItem = (index: number, work: () => Promise<NodeOutcome>) => Promise<NodeOutcome>;

/** Returns the array the items expression yields; throws MAP_ITEMS_NOT_ARRAY naming the node otherwise. */
export async function mapItems(node: CompiledNode, scope: NodeScope, env: NodeEnv): Promise<unknown[]> {
  const { items } = node.config as MapConfig;
  const value = await evaluateExpression(items, scope, nodeScriptOptions(env.sandbox, env.script, node.id));
  if (!Array.isArray(value)) {
    const got = value === null ? "null" : value === undefined ? "undefined" : typeof value;
    throw new NodeError(
      ErrorCode.MAP_ITEMS_NOT_ARRAY,
      `map node "${node.id}": items expression \`${items}\` yielded ${got}, not an array`,
    );
  }
  return value;
}

/** Returns the outcome of the map's task for one item (`item` and `index` in scope). */
export async function runMapTask(
  node: CompiledNode,
  scope: NodeScope,
  item: unknown,
  index: number,
  env: NodeEnv,
): Promise<NodeOutcome> {
  const { task } = node.config as MapConfig;
  const itemScope: NodeScope = { input: scope.input, results: scope.results, item, index };
  if (task.type === "llm") return runLlmConfig(node.id, task.config, itemScope, env);
  return runTransformConfig(node, task.config, itemScope, env);
}

/**
 * Returns each item's outcome in input order, with at most `concurrency` tasks in flight. After a
 * failure (or cancellation) no new item starts; once the started ones settle, the failure of the
 * lowest index is thrown, so the error does not depend on which item failed first in time.
 */
export async function runMapItems(
  node: CompiledNode,
  items: readonly unknown[],
  scope: NodeScope,
  env: NodeEnv,
  runItem: RunItem,
  /** The index of `items[0]` among the map's items (a chunk's first item): what scripts see as `index`. */
  offset = 0,
): Promise<NodeOutcome[]> {
  const { concurrency } = node.config as MapConfig;
  const limit = pLimit(Math.max(1, Math.floor(concurrency) || 1));
  const failures = new Map<number, unknown>();
  let stopped = false;
  const outcomes = await Promise.all(
    items.map((item, index) =>
      limit(async () => {
        if (stopped) return undefined;
        if (env.signal?.aborted) {
          stopped = true;
          failures.set(index, canceled(node));
          return undefined;
        }
        try {
          return await runItem(index, () => runMapTask(node, scope, item, offset + index, env));
        } catch (err) {
          stopped = true;
          failures.set(index, err);
          return undefined;
        }
      }),
    ),
  );
  if (failures.size > 0) throw failures.get(Math.min(...failures.keys()));
  return outcomes as NodeOutcome[];
}

/**
 * The most steps the walk lets one run take. Production Inngest allows 1,000 steps per run; this leaves
 * room for retries' bookkeeping and for a graph edited to a few more nodes between compile and run.
 */
export const MAX_RUN_STEPS = 900;

/**
 * Returns how many items each of a map's steps runs: 1 (a step per item, `node-<id>-map-<i>`) while the
 * run's steps stay within MAX_RUN_STEPS, else the least chunk size that keeps them there (a step per chunk,
 * `node-<id>-map-<first>-<last>`). The run's other steps are its nodes (one each, a map's own included);
 * the room left is shared equally by its map nodes. Both executors plan alike, so their steps pair by name.
 */
export function mapChunkSize(itemCount: number, nodeCount: number, mapNodeCount: number): number {
  const room = Math.floor((MAX_RUN_STEPS - nodeCount) / Math.max(1, mapNodeCount));
  if (room <= 0) return Math.max(1, itemCount);
  return itemCount <= room ? 1 : Math.ceil(itemCount / room);
}

/**
 * Returns one chunk's outcome from its items' outcomes: the items' outputs in order, their inputs in order,
 * usage summed (cost unknown when any item's is), the model of its first item.
 */
export function chunkOutcome(itemOutcomes: readonly NodeOutcome[]): NodeOutcome {
  let input = 0;
  let output = 0;
  let counted = false;
  let costUsd: number | null = 0;
  for (const o of itemOutcomes) {
    if (o.tokens) {
      counted = true;
      input += o.tokens.input;
      output += o.tokens.output;
    }
    costUsd = costUsd === null || o.costUsd === null ? null : costUsd + o.costUsd;
  }
  const first = itemOutcomes[0];
  return {
    output: itemOutcomes.map((o) => o.output),
    input: itemOutcomes.map((o) => o.input),
    tokens: counted ? { input, output, total: input + output } : null,
    costUsd: costUsd === null ? null : Math.round(costUsd * 1e9) / 1e9,
    model: first?.model ?? null,
    ...(first?.settings && { settings: first.settings }),
    ...(itemOutcomes.some((o) => o.sideEffecting) && { sideEffecting: true }),
  };
}

/** Returns the map node's own outcome: item outputs in order; usage stays on the item steps. */
export function mapOutcome(items: readonly unknown[], itemOutcomes: readonly NodeOutcome[]): NodeOutcome {
  return plainOutcome(
    itemOutcomes.map((o) => o.output),
    { items },
  );
}

/** Runs a map node end to end without an executor (items run inline). */
export async function runMap(
  node: CompiledNode,
  scope: NodeScope,
  env: NodeEnv,
  runItem: RunItem = (_index, work) => work(),
): Promise<NodeOutcome> {
  const items = await mapItems(node, scope, env);
  return mapOutcome(items, await runMapItems(node, items, scope, env, runItem));
}

function canceled(node: CompiledNode): NodeError {
  return new NodeError(ErrorCode.CANCELED, `run canceled before map node "${node.id}" finished its items`);
}
