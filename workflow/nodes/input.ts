// What does the input node yield? The run input, already checked and given its defaults at run start.
import type { CompiledNode } from "../compiled.ts";
import type { NodeOutcome } from "../steps.ts";
import { type NodeScope, plainOutcome } from "./scope.ts";

/** Returns the run input as the node's output. */
export async function runInput(_node: CompiledNode, scope: NodeScope): Promise<NodeOutcome> {
  return plainOutcome(scope.input, scope.input);
}
