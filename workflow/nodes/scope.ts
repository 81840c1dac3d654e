// What may a node read while it runs? The scope the walk hands to each node task.
import type { CompiledNode } from "../compiled.ts";
import type { NodeOutcome } from "../steps.ts";

/**
 * The run input, the results of the node's ancestors (node id → output; skipped nodes absent), and
 * inside a map task the current item and its position. Only ancestors are visible, so what a node
 * reads never depends on which unrelated node happened to finish first.
 */
export interface NodeScope {
  input: unknown;
  results: Record<string, unknown>;
  item?: unknown;
  index?: number;
  /** For the output node: the sources of its active incoming edges, sorted (default: every source with a result). */
  activeSources?: string[];
}

/** Returns the outcome of a node that used no model: no tokens, no cost. */
export function plainOutcome(output: unknown, input: unknown): NodeOutcome {
  return { output, input, tokens: null, costUsd: 0, model: null };
}

/**
 * Returns the outputs of the node's direct dependencies that ran (what a script or template mostly
 * reads). Only own entries of the results count: a skipped node with the id `toString` is absent, not
 * Object.prototype's function.
 */
export function dependencyOutputs(node: CompiledNode, scope: NodeScope): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const id of node.dependsOn) if (Object.hasOwn(scope.results, id)) view[id] = scope.results[id];
  return view;
}

/** Returns the step input of a script run: the dependencies' outputs, plus item and index inside a map. */
export function scriptInput(node: CompiledNode, scope: NodeScope): unknown {
  if (scope.index !== undefined) return { item: scope.item ?? null, index: scope.index };
  return { nodes: dependencyOutputs(node, scope) };
}
