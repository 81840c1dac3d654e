// What does a transform node compute? Its script's return value, from the sandbox.
import type { CompiledNode, TransformConfig } from "../compiled.ts";
import { nodeScriptOptions, runScript } from "../sandbox.ts";
import type { NodeEnv, NodeOutcome } from "../steps.ts";
import { type NodeScope, plainOutcome, scriptInput } from "./scope.ts";

/** Returns the JSON value the script returns; the step input is what it read. */
export async function runTransformConfig(
  node: CompiledNode,
  config: TransformConfig,
  scope: NodeScope,
  env: NodeEnv,
): Promise<NodeOutcome> {
  const options = nodeScriptOptions(env.sandbox, env.script, node.id, scope.index);
  const output = await runScript(config.script, scope, options);
  return plainOutcome(output, scriptInput(node, scope));
}

/** Runs a transform node. */
export async function runTransform(node: CompiledNode, scope: NodeScope, env: NodeEnv): Promise<NodeOutcome> {
  return runTransformConfig(node, node.config as TransformConfig, scope, env);
}
