// Which semantics does a document get? `legacy` for what inferpipe's builder saves, `dag` for this project's node types.
import type { ExecutionProfile } from "../compiled.ts";
import { isPlainObject } from "../document.ts";

/** Node types only this project's graph semantics know: one of them makes a document `dag`. */
const DAG_TYPES: ReadonlySet<string> = new Set(["output", "llm", "transform", "branch", "map", "http"]);

/**
 * Returns `legacy` for a document shaped as inferpipe's builder saves it: every node an object with a
 * string id and type, at least one input or ai node, and no node type of this project's own (output,
 * llm, transform, branch, map, http). Anything else is `dag`, including what is not a document at all
 * (the dag validator then says field by field why).
 */
export function profileOf(doc: unknown): ExecutionProfile {
  if (!isPlainObject(doc) || !Array.isArray(doc.nodes)) return "dag";
  let inferpipeNodes = 0;
  for (const node of doc.nodes) {
    if (!isPlainObject(node) || typeof node.id !== "string" || typeof node.type !== "string") return "dag";
    if (DAG_TYPES.has(node.type)) return "dag";
    if (node.type === "input" || node.type === "ai") inferpipeNodes++;
  }
  return inferpipeNodes > 0 ? "legacy" : "dag";
}
