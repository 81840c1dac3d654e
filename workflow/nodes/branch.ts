// Which way does a branch go? The truthiness of its condition, as a boolean.
import type { BranchConfig, CompiledNode } from "../compiled.ts";
import { evaluateCondition, nodeScriptOptions } from "../sandbox.ts";
import type { NodeEnv, NodeOutcome } from "../steps.ts";
import { type NodeScope, plainOutcome, scriptInput } from "./scope.ts";

/** Returns `true` or `false`: the walk activates the outgoing edges whose handle matches. */
export async function runBranch(node: CompiledNode, scope: NodeScope, env: NodeEnv): Promise<NodeOutcome> {
  const { condition } = node.config as BranchConfig;
  const options = nodeScriptOptions(env.sandbox, env.script, node.id);
  const output = await evaluateCondition(condition, scope, options);
  return plainOutcome(output, scriptInput(node, scope));
}
