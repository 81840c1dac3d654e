// Which way does a branch go? The truthiness of its condition, as a boolean.
import type { BranchConfig, CompiledNode } from "../compiled.ts";
import { evaluateCondition } from "../sandbox.ts";
import type { NodeEnv, NodeOutcome } from "../steps.ts";
import { type NodeScope, plainOutcome, scriptInput } from "./scope.ts";

/** Returns `true` or `false`: the walk activates the outgoing edges whose handle matches. */
export async function runBranch(node: CompiledNode, scope: NodeScope, env: NodeEnv): Promise<NodeOutcome> {
  const { condition } = node.config as BranchConfig;
  const output = await evaluateCondition(condition, scope, env.sandbox);
  return plainOutcome(output, scriptInput(node, scope));
}
