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
          return await runItem(index, () => runMapTask(node, scope, item, index, env));
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
