// Is a builder graph valid, and what exactly will the executors run? Save-time checks and the compiled workflow.
import { canonicalJson, sha256 } from "../lib/canonical.ts";
import { allowHostsFromEnv } from "./allow-hosts.ts";
import { NODE_TYPES } from "./builder.ts";
import { compileNodeConfig, type GraphContext, SecretTable } from "./compile-node.ts";
import {
  type CompiledNode,
  type CompiledNodeType,
  type CompiledWorkflow,
  type ExecutionProfile,
  type Incoming,
  type NodeConfig,
  stepLabel,
} from "./compiled.ts";
import { type GraphEdge, type GraphNode, type GraphParts, readGraphParts, slug } from "./document.ts";

export { slug } from "./document.ts";

import { compareIds, orderGraph } from "./graph-order.ts";
import { hasJsonType, inputSchemaFromVariables, variableJsonType } from "./input.ts";
import { compileLegacy } from "./legacy/compile.ts";
import { profileOf } from "./legacy/profile.ts";
import {
  ValidationCode as Code,
  formatPath,
  IssueList,
  isReservedName,
  reservedNameMessage,
  type ValidationIssue,
} from "./validation.ts";

export { ValidationCode, type ValidationIssue } from "./validation.ts";

/**
 * `profile` is the semantics the document gets (known even when it is invalid); `warnings` never stop
 * a run: they say what the legacy profile will do that the author may not expect.
 */
export type CompileResult =
  | {
      ok: true;
      profile: ExecutionProfile;
      compiled: CompiledWorkflow;
      secretValues: Record<string, string>;
      warnings: ValidationIssue[];
    }
  | { ok: false; profile: ExecutionProfile; errors: ValidationIssue[]; warnings: ValidationIssue[] };

export interface CompileOptions {
  /** Hosts http nodes may call; CUTOVER_HTTP_ALLOW_HOSTS (read at call time) when absent. */
  allowHosts?: readonly string[];
}

/** Node ids are carried in templates ({{nodes.<id>}}) and step names, so they keep to these characters. */
const NODE_ID = /^[A-Za-z0-9_$-]{1,128}$/;

/**
 * Returns the compiled workflow and the secret values its references name, or every problem found
 * (all checks run; nothing stops at the first error). `doc` is an untrusted builder document.
 */
export function compileWorkflow(doc: unknown, options: CompileOptions = {}): CompileResult {
  if (profileOf(doc) === "legacy") {
    const legacy = compileLegacy(doc as Record<string, unknown>);
    return legacy.ok ? { ...legacy, profile: "legacy", secretValues: {} } : { ...legacy, profile: "legacy" };
  }
  const issues = new IssueList();
  const parts = readGraphParts(doc, issues);
  if (!parts) return { ok: false, profile: "dag", errors: issues.list(), warnings: [] };

  const nodes = checkNodes(parts, issues);
  const { incoming, deps } = checkEdges(parts.edges, nodes, issues);
  checkEnds(nodes, incoming, issues);
  checkVariables(parts, issues);

  const ctx: GraphContext = {
    issues,
    nodeIds: new Set(nodes.keys()),
    allowHosts: options.allowHosts ?? allowHostsFromEnv(),
    secrets: new SecretTable(),
  };
  // Configs compile in id order so secret names (and their clash suffixes) do not depend on document order.
  const configs = new Map<string, NodeConfig | null>();
  for (const id of [...nodes.keys()].sort(compareIds)) {
    const { node, type } = nodes.get(id)!;
    if (!type) continue;
    const { config, refs } = compileNodeConfig(node, type, ctx);
    configs.set(id, config);
    for (const ref of refs) {
      if (ref === id)
        issues.add(
          Code.SELF_LOOP,
          formatPath(["nodes", node.index, "data"]),
          `node "${id}" refers to its own result in a template`,
        );
      else deps.get(id)!.add(ref);
    }
  }

  const ids = [...nodes.keys()];
  const { order, cycles } = orderGraph(ids, new Map(ids.map((id) => [id, [...deps.get(id)!]])));
  for (const cycle of cycles) {
    issues.add(
      Code.CYCLE,
      formatPath(["nodes", nodes.get(cycle[0])!.node.index]),
      `nodes ${[...cycle, cycle[0]].map((id) => `"${id}"`).join(" → ")} form a cycle (through edges or template references)`,
    );
  }

  if (issues.count > 0) return { ok: false, profile: "dag", errors: issues.list(), warnings: [] };

  const topologicallySortedNodes: CompiledNode[] = order.map((id) => {
    const type = nodes.get(id)!.type!;
    return {
      id,
      type,
      label: stepLabel(id, type),
      config: configs.get(id)!,
      dependsOn: [...deps.get(id)!].sort(compareIds),
      incoming: incoming.get(id)!.sort(compareIncoming),
    };
  });
  const outputNodeId = [...nodes.values()].find((n) => n.type === "output")!.node.id;
  const withoutVersion = {
    workflowId: parts.id ?? slug(parts.name),
    profile: "dag" as const,
    topologicallySortedNodes,
    outputNodeId,
    inputSchema: inputSchemaFromVariables(parts.variables),
    secrets: Object.keys(ctx.secrets.values).sort(compareIds),
  };
  const workflowVersionId = `wfv_${sha256(canonicalJson(withoutVersion)).slice(0, 24)}`;
  return {
    ok: true,
    profile: "dag",
    compiled: { ...withoutVersion, workflowVersionId },
    secretValues: { ...ctx.secrets.values },
    warnings: [],
  };
}

interface KnownNode {
  node: GraphNode;
  /** The compiled type; undefined for an unknown type (already reported). */
  type?: CompiledNodeType;
}

/** Returns the nodes by id (first of any duplicates), reporting bad ids, duplicates and unknown types. */
function checkNodes(parts: GraphParts, issues: IssueList): Map<string, KnownNode> {
  const nodes = new Map<string, KnownNode>();
  for (const node of parts.nodes) {
    const at = `nodes[${node.index}]`;
    if (!NODE_ID.test(node.id))
      issues.add(
        Code.NODE_ID_INVALID,
        `${at}.id`,
        `node id ${JSON.stringify(node.id)} may only use letters, digits, _ $ - (at most 128)`,
      );
    else if (isReservedName(node.id))
      issues.add(Code.RESERVED_NAME, `${at}.id`, reservedNameMessage("node id", node.id));
    const type = compiledType(node.type);
    if (!type)
      issues.add(
        Code.UNKNOWN_NODE_TYPE,
        `${at}.type`,
        `node "${node.id}" has type "${node.type}", not one of ${NODE_TYPES.join(", ")}`,
      );
    const first = nodes.get(node.id);
    if (first) {
      issues.add(
        Code.DUPLICATE_NODE_ID,
        `${at}.id`,
        `node id "${node.id}" is used by nodes[${first.node.index}] and nodes[${node.index}]`,
      );
      continue;
    }
    nodes.set(node.id, { node, type });
  }
  return nodes;
}

function compiledType(type: string): CompiledNodeType | undefined {
  if (type === "ai") return "llm";
  return (NODE_TYPES as readonly string[]).includes(type) ? (type as CompiledNodeType) : undefined;
}

/**
 * Returns each node's incoming edges and dependencies, reporting duplicate ids and edges, unknown
 * endpoints, self-loops, bad branch handles and edges into the input or out of the output.
 */
function checkEdges(edges: readonly GraphEdge[], nodes: ReadonlyMap<string, KnownNode>, issues: IssueList) {
  const incoming = new Map<string, Incoming[]>();
  const deps = new Map<string, Set<string>>();
  for (const id of nodes.keys()) {
    incoming.set(id, []);
    deps.set(id, new Set());
  }
  const edgeIds = new Map<string, number>();
  const links = new Map<string, string>();
  for (const edge of edges) {
    const at = `edges[${edge.index}]`;
    const name = `edge "${edge.id}"`;
    const firstIndex = edgeIds.get(edge.id);
    if (firstIndex !== undefined)
      issues.add(
        Code.DUPLICATE_EDGE_ID,
        `${at}.id`,
        `edge id "${edge.id}" is used by edges[${firstIndex}] and edges[${edge.index}]`,
      );
    else edgeIds.set(edge.id, edge.index);

    const source = nodes.get(edge.source);
    const target = nodes.get(edge.target);
    if (!source)
      issues.add(
        Code.EDGE_UNKNOWN_SOURCE,
        `${at}.source`,
        `${name} starts at node "${edge.source}", which does not exist`,
      );
    if (!target)
      issues.add(
        Code.EDGE_UNKNOWN_TARGET,
        `${at}.target`,
        `${name} ends at node "${edge.target}", which does not exist`,
      );
    if (!source || !target) continue;
    if (edge.source === edge.target) {
      issues.add(Code.SELF_LOOP, at, `${name} leads from node "${edge.source}" back to itself`);
      continue;
    }
    if (target.type === "input")
      issues.add(Code.EDGE_INTO_INPUT, `${at}.target`, `${name} leads into input node "${edge.target}"`);
    if (source.type === "output")
      issues.add(Code.EDGE_FROM_OUTPUT, `${at}.source`, `${name} leaves output node "${edge.source}"`);

    let handle: Incoming["handle"] = null;
    if (source.type === "branch") {
      if (edge.sourceHandle !== "true" && edge.sourceHandle !== "false") {
        issues.add(
          Code.BRANCH_BAD_HANDLE,
          `${at}.sourceHandle`,
          `${name} leaves branch "${edge.source}" by handle ${JSON.stringify(edge.sourceHandle)}, not "true" or "false"`,
        );
      } else handle = edge.sourceHandle;
    }
    const link = `${edge.source}\u0000${handle}\u0000${edge.target}`;
    const twin = links.get(link);
    if (twin !== undefined) {
      issues.add(Code.DUPLICATE_EDGE, at, `${name} repeats edge "${twin}" (${edge.source} → ${edge.target})`);
      continue;
    }
    links.set(link, edge.id);
    incoming.get(edge.target)!.push({ from: edge.source, handle });
    deps.get(edge.target)!.add(edge.source);
  }
  return { incoming, deps };
}

/** Reports a missing, repeated or unconnected input/output node. */
function checkEnds(
  nodes: ReadonlyMap<string, KnownNode>,
  incoming: ReadonlyMap<string, Incoming[]>,
  issues: IssueList,
) {
  for (const kind of ["input", "output"] as const) {
    const found = [...nodes.values()].filter((n) => n.type === kind);
    if (found.length === 0)
      issues.add(
        kind === "input" ? Code.MISSING_INPUT_NODE : Code.MISSING_OUTPUT_NODE,
        "nodes",
        `the graph has no ${kind} node (exactly one node of type "${kind}" is needed)`,
      );
    if (found.length > 1)
      issues.add(
        kind === "input" ? Code.MULTIPLE_INPUT_NODES : Code.MULTIPLE_OUTPUT_NODES,
        formatPath(["nodes", found[1].node.index]),
        `the graph has ${found.length} ${kind} nodes (${found.map((n) => `"${n.node.id}"`).join(", ")}); exactly one is allowed`,
      );
  }
  for (const { node, type } of nodes.values())
    if (type === "output" && incoming.get(node.id)!.length === 0)
      issues.add(
        Code.OUTPUT_NOT_CONNECTED,
        formatPath(["nodes", node.index]),
        `output node "${node.id}" has no incoming edge, so the run could never produce an output`,
      );
}

/** Reports duplicate variable names, unknown types and defaults of the wrong type. */
function checkVariables(parts: GraphParts, issues: IssueList): void {
  const seen = new Set<string>();
  for (const v of parts.variables) {
    const at = formatPath(["variables", v.index]);
    if (isReservedName(v.name))
      issues.add(Code.RESERVED_NAME, `${at}.name`, reservedNameMessage("variable", v.name));
    if (seen.has(v.name))
      issues.add(Code.DUPLICATE_VARIABLE, `${at}.name`, `variable "${v.name}" is declared more than once`);
    seen.add(v.name);
    const type = variableJsonType(v.type);
    if (type === undefined) {
      issues.add(
        Code.VARIABLE_UNKNOWN_TYPE,
        `${at}.type`,
        `variable "${v.name}" has type "${v.type}", not one of string, text, number, integer, boolean, object, array, list, json, any`,
      );
      continue;
    }
    if (v.defaultValue !== undefined && !hasJsonType(v.defaultValue, type))
      issues.add(
        Code.VARIABLE_BAD_DEFAULT,
        `${at}.defaultValue`,
        `variable "${v.name}" has type ${v.type} but its defaultValue is ${JSON.stringify(v.defaultValue)}`,
      );
  }
}

function compareIncoming(a: Incoming, b: Incoming): number {
  return compareIds(a.from, b.from) || compareIds(a.handle ?? "", b.handle ?? "");
}
