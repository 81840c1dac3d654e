// Is the document a builder graph at all, and which of its nodes and edges can the graph checks use?
import { BuilderGraph, type Variable } from "./builder.ts";
import { formatPath, type IssueList, ValidationCode } from "./validation.ts";

/** No real graph nests this deep; deeper values would overflow recursive tools (canonical JSON, schema walks). */
export const MAX_DOCUMENT_DEPTH = 64;

export interface GraphNode {
  /** Position in `nodes`, for issue paths. */
  index: number;
  id: string;
  type: string;
  data: Record<string, unknown>;
}

export interface GraphEdge {
  index: number;
  id: string;
  source: string;
  target: string;
  sourceHandle: string | null;
}

/** The parts of a document the graph checks run on, even when other parts failed the schema. */
export interface GraphParts {
  id?: string;
  name: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  variables: (Variable & { index: number })[];
}

/**
 * Returns the usable parts of a builder document after reporting its schema failures to `issues`, or
 * null when the document is not an object, is too deep, or lacks node and edge lists (then no graph
 * check can say anything useful). Elements that fail the schema but still have ids stay in, so one
 * bad field does not hide every other finding or turn into "unknown node" noise.
 */
export function readGraphParts(doc: unknown, issues: IssueList): GraphParts | null {
  if (!isPlainObject(doc)) {
    issues.add(
      ValidationCode.DOCUMENT_NOT_OBJECT,
      "",
      `the document must be a JSON object { name, nodes, edges }, not ${kindOf(doc)}`,
    );
    return null;
  }
  if (!checkDepth(doc, issues)) return null;

  const parsed = BuilderGraph.safeParse(doc);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path as PropertyKey[];
      issues.add(
        ValidationCode.SCHEMA_INVALID,
        formatPath(path),
        `${subjectOf(doc, path)}: ${issue.message}`,
      );
    }
  }

  if (!Array.isArray(doc.nodes) || !Array.isArray(doc.edges)) return null;
  const nodes: GraphNode[] = [];
  doc.nodes.forEach((n, index) => {
    if (isPlainObject(n) && isNonEmptyString(n.id) && isNonEmptyString(n.type))
      nodes.push({ index, id: n.id, type: n.type, data: isPlainObject(n.data) ? n.data : {} });
  });
  const edges: GraphEdge[] = [];
  doc.edges.forEach((e, index) => {
    if (
      isPlainObject(e) &&
      isNonEmptyString(e.id) &&
      isNonEmptyString(e.source) &&
      isNonEmptyString(e.target)
    )
      edges.push({
        index,
        id: e.id,
        source: e.source,
        target: e.target,
        sourceHandle: typeof e.sourceHandle === "string" ? e.sourceHandle : null,
      });
  });
  const variables: GraphParts["variables"] = [];
  if (Array.isArray(doc.variables)) {
    doc.variables.forEach((v, index) => {
      if (isPlainObject(v) && isNonEmptyString(v.name) && isNonEmptyString(v.type))
        variables.push({ index, name: v.name, type: v.type, defaultValue: v.defaultValue });
    });
  }
  return {
    id: isNonEmptyString(doc.id) ? doc.id : undefined,
    name: typeof doc.name === "string" ? doc.name : "",
    nodes,
    edges,
    variables,
  };
}

/** Reports DOCUMENT_TOO_DEEP and returns false when the document nests deeper than MAX_DOCUMENT_DEPTH. */
export function checkDepth(doc: unknown, issues: IssueList): boolean {
  const deep = tooDeepAt(doc);
  if (!deep) return true;
  issues.add(
    ValidationCode.DOCUMENT_TOO_DEEP,
    formatPath(deep),
    `the document nests deeper than ${MAX_DOCUMENT_DEPTH} levels at ${formatPath(deep) || "its root"}`,
  );
  return false;
}

/** Returns the path of the first value nested deeper than MAX_DOCUMENT_DEPTH, or null. Iterative: junk cannot overflow it. */
function tooDeepAt(doc: unknown): PropertyKey[] | null {
  type Frame = { value: unknown; depth: number; key: PropertyKey; parent: Frame | null };
  const stack: Frame[] = [{ value: doc, depth: 0, key: "", parent: null }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth > MAX_DOCUMENT_DEPTH) {
      const path: PropertyKey[] = [];
      for (let f: Frame | null = frame; f?.parent; f = f.parent) path.unshift(f.key);
      return path;
    }
    // Only objects and arrays are ever pushed.
    const value = frame.value as Record<string, unknown>;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++)
        if (value[i] !== null && typeof value[i] === "object")
          stack.push({ value: value[i], depth: frame.depth + 1, key: i, parent: frame });
    } else {
      for (const k in value) {
        const v = value[k];
        if (v !== null && typeof v === "object")
          stack.push({ value: v, depth: frame.depth + 1, key: k, parent: frame });
      }
    }
  }
  return null;
}

/** Returns who a schema issue is about: `node "summarize" (nodes[2]) position.x`, `edge "e1" (edges[0]) target`, or the field. */
function subjectOf(doc: Record<string, unknown>, path: readonly PropertyKey[]): string {
  const [list, index, ...rest] = path;
  if ((list === "nodes" || list === "edges" || list === "variables") && typeof index === "number") {
    const element = (doc[list] as unknown[])[index];
    const kind = list === "nodes" ? "node" : list === "edges" ? "edge" : "variable";
    const key = list === "variables" ? "name" : "id";
    const name = isPlainObject(element) && isNonEmptyString(element[key]) ? ` "${element[key]}"` : "";
    const field = rest.length > 0 ? ` field ${formatPath(rest)}` : "";
    return `${kind}${name} (${list}[${index}])${field}`;
  }
  return path.length === 0 ? "the document" : `document field ${formatPath(path)}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

/** Returns a short description of a JSON value's kind, for messages. */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** Returns a workflow id from a name: lowercase letters, digits and dashes ("Support triage!" → "support-triage"). */
export function slug(name: string): string {
  return (
    name
      .normalize("NFKD")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 64)
      .replace(/-+$/, "") || "workflow"
  );
}
