// What does the run answer? The output node's value, from its active incoming edges.
import type { CompiledNode } from "../compiled.ts";
import type { NodeOutcome } from "../steps.ts";
import { type NodeScope, plainOutcome } from "./scope.ts";

/**
 * Returns the single active source's result, or with several an object keyed by the active sources'
 * ids (sorted, so key order never depends on completion order).
 */
export async function runOutput(node: CompiledNode, scope: NodeScope): Promise<NodeOutcome> {
  const sources =
    scope.activeSources ?? [...new Set(node.incoming.map((e) => e.from))].filter((id) => id in scope.results);
  const sorted = [...new Set(sources)].sort();
  const output =
    sorted.length === 0
      ? null
      : sorted.length === 1
        ? (scope.results[sorted[0]] ?? null)
        : Object.fromEntries(sorted.map((id) => [id, scope.results[id] ?? null]));
  return plainOutcome(output, { sources: sorted });
}
