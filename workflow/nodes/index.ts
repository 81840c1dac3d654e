// Which task runs a node? The registry both executors go through, dispatching on the compiled type.
import type { CompiledNode, CompiledNodeType } from "../compiled.ts";
import { ErrorCode, NodeError } from "../errors.ts";
import { runLegacyAi } from "../legacy/ai-task.ts";
import type { NodeEnv, NodeOutcome } from "../steps.ts";
import { runBranch } from "./branch.ts";
import { runHttp } from "./http.ts";
import { runInput } from "./input.ts";
import { runLlm } from "./llm.ts";
import { runMap } from "./map.ts";
import { runOutput } from "./output.ts";
import type { NodeScope } from "./scope.ts";
import { runTransform } from "./transform.ts";

export type NodeTask = (node: CompiledNode, scope: NodeScope, env: NodeEnv) => Promise<NodeOutcome>;

const TASKS: Record<CompiledNodeType, NodeTask> = {
  input: runInput,
  llm: runLlm,
  ai: runLegacyAi,
  transform: runTransform,
  branch: runBranch,
  map: (node, scope, env) => runMap(node, scope, env),
  http: runHttp,
  output: runOutput,
};

/** Returns the node's outcome in this scope. A map runs its items inline here; the walk runs them as steps. */
export async function runNode(node: CompiledNode, scope: NodeScope, env: NodeEnv): Promise<NodeOutcome> {
  const task = Object.hasOwn(TASKS, node.type) ? TASKS[node.type] : undefined;
  if (!task) throw new NodeError(ErrorCode.INTERNAL, `node "${node.id}" has unknown type "${node.type}"`);
  return task(node, scope, env);
}

export type { NodeScope } from "./scope.ts";
