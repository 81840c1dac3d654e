// Will the legacy executor run this document, and as what? The legacy profile's validator and compiler.
import { canonicalJson, sha256 } from "../../lib/canonical.ts";
import { findModel, isAudioModel } from "../catalog.ts";
import {
  type CompiledNode,
  type CompiledWorkflow,
  type LegacyAiConfig,
  type LegacyInputConfig,
  stepLabel,
} from "../compiled.ts";
import { checkDepth, isPlainObject, slug } from "../document.ts";
import { orderGraph } from "../graph-order.ts";
import {
  ValidationCode as Code,
  formatPath,
  IssueList,
  isReservedName,
  reservedNameMessage,
  type ValidationIssue,
  WarningCode as Warning,
} from "../validation.ts";
import { usesChatCompletions } from "./endpoint.ts";
import { legacyJsonSchema, uiPropsOf } from "./schema.ts";

export const DEFAULT_PROMPT = "Default prompt";
export const DEFAULT_MODEL = "gpt-4o-mini";
export const DEFAULT_INPUT_TEXT = "Default input text";

export type LegacyCompileResult =
  | { ok: true; compiled: CompiledWorkflow; warnings: ValidationIssue[] }
  | { ok: false; errors: ValidationIssue[]; warnings: ValidationIssue[] };

interface DocNode {
  index: number;
  id: string;
  type: string;
  x: number;
  data: Record<string, unknown>;
}

/**
 * Returns the compiled legacy workflow (the input node, then the AI nodes in x order as a chain), with
 * a warning for everything the legacy does that the document's author may not expect; or errors for
 * what the legacy refuses too (no input node) and what no executor can carry (duplicate or reserved ids).
 * `doc` is known to be an object with a `nodes` array.
 */
export function compileLegacy(doc: Record<string, unknown>): LegacyCompileResult {
  const errors = new IssueList();
  const warnings = new IssueList();
  if (!checkDepth(doc, errors)) return { ok: false, errors: errors.list(), warnings: [] };
  const nodes = readNodes(doc.nodes as unknown[], errors);

  const input = nodes.find((n) => n.type === "input");
  if (!input)
    errors.add(
      Code.MISSING_INPUT_NODE,
      "nodes",
      'the workflow has no input node, so the legacy executor refuses to run it ("No input node found")',
    );
  for (const n of nodes) {
    if (n.type === "input" && n !== input)
      warnings.add(
        Warning.NODE_IGNORED,
        formatPath(["nodes", n.index]),
        `input node "${n.id}" is not used: the legacy starts from the first input node ("${input?.id}")`,
      );
    else if (n.type !== "input" && n.type !== "ai")
      warnings.add(
        Warning.NODE_IGNORED,
        formatPath(["nodes", n.index, "type"]),
        `node "${n.id}" has type "${n.type}", which the legacy executor does not run (it only runs input and ai nodes)`,
      );
  }
  // Array.prototype.sort is stable: ties keep document order, as in the builder.
  const ai = nodes.filter((n) => n.type === "ai").sort((a, b) => a.x - b.x);
  checkEdges(doc.edges, nodes, ai, warnings);

  const chain: CompiledNode[] = [];
  if (input) chain.push(inputNode(input));
  for (const n of ai) chain.push(aiNode(n, chain.at(-1)?.id, warnings));

  if (errors.count > 0 || !input) return { ok: false, errors: errors.list(), warnings: warnings.list() };
  const withoutVersion = {
    workflowId: workflowIdOf(doc),
    profile: "legacy" as const,
    topologicallySortedNodes: chain,
    outputNodeId: chain.at(-1)!.id,
    inputSchema: {},
    secrets: [],
  };
  const workflowVersionId = `wfv_${sha256(canonicalJson(withoutVersion)).slice(0, 24)}`;
  return { ok: true, compiled: { ...withoutVersion, workflowVersionId }, warnings: warnings.list() };
}

/** Returns the document's workflow id: inferpipe's `_id`, else an `id`, else the name as a slug. */
export function workflowIdOf(doc: Record<string, unknown>): string {
  for (const key of ["_id", "id"]) {
    const v = doc[key];
    if (typeof v === "string" && v.trim() !== "") return v;
  }
  return slug(typeof doc.name === "string" ? doc.name : "");
}

/** Returns the nodes the legacy can see (an id and a type), reporting ids no executor can carry. */
function readNodes(list: unknown[], errors: IssueList): DocNode[] {
  const out: DocNode[] = [];
  const seen = new Map<string, number>();
  list.forEach((n, index) => {
    if (!isPlainObject(n) || typeof n.id !== "string" || typeof n.type !== "string") {
      errors.add(
        Code.SCHEMA_INVALID,
        formatPath(["nodes", index]),
        `nodes[${index}] needs a string id and a string type`,
      );
      return;
    }
    const at = formatPath(["nodes", index, "id"]);
    if (n.id === "" || n.id.length > 128)
      errors.add(Code.NODE_ID_INVALID, at, `node id ${JSON.stringify(n.id)} must have 1 to 128 characters`);
    else if (isReservedName(n.id)) errors.add(Code.RESERVED_NAME, at, reservedNameMessage("node id", n.id));
    const first = seen.get(n.id);
    if (first !== undefined) {
      errors.add(
        Code.DUPLICATE_NODE_ID,
        at,
        `node id "${n.id}" is used by nodes[${first}] and nodes[${index}]; steps are named by id, so each needs its own`,
      );
      return;
    }
    seen.set(n.id, index);
    const position = isPlainObject(n.position) ? n.position : {};
    out.push({
      index,
      id: n.id,
      type: n.type,
      x: typeof position.x === "number" ? position.x : Number.NaN,
      data: isPlainObject(n.data) ? n.data : {},
    });
  });
  return out;
}

function inputNode(n: DocNode): CompiledNode {
  const config: LegacyInputConfig = { defaultInput: { text: n.data.textInput || DEFAULT_INPUT_TEXT } };
  return { id: n.id, type: "input", label: stepLabel(n.id, "input"), config, dependsOn: [], incoming: [] };
}

/** Returns the AI node with the builder's defaults applied, warning where a default or a surprise applies. */
function aiNode(n: DocNode, previous: string | undefined, warnings: IssueList): CompiledNode {
  const at = (field: string) => formatPath(["nodes", n.index, "data", field]);
  const { data } = n;
  const prompt = String(data.prompt || DEFAULT_PROMPT);
  if (!data.prompt)
    warnings.add(
      Warning.LEGACY_DEFAULT_USED,
      at("prompt"),
      `ai node "${n.id}" has no prompt: the legacy sends "${DEFAULT_PROMPT}"`,
    );
  const model = String(data.model || DEFAULT_MODEL);
  if (!data.model)
    warnings.add(
      Warning.LEGACY_DEFAULT_USED,
      at("model"),
      `ai node "${n.id}" names no model: the legacy uses ${DEFAULT_MODEL}`,
    );
  if (isAudioModel(model) || /(transcribe|tts|whisper)/i.test(model))
    warnings.add(
      Warning.MODEL_NOT_FOR_TEXT,
      at("model"),
      `ai node "${n.id}" uses ${model}, an audio model: the legacy sends it a text ${usesChatCompletions(model) ? "chat completion" : "Responses API"} request, which OpenAI refuses`,
    );
  else if (!isPriced(model))
    warnings.add(
      Warning.MODEL_UNPRICED,
      at("model"),
      `ai node "${n.id}" uses ${model}, which has no price in the catalog (workflow/models.json): its calls are recorded with cost null`,
    );
  const outputFormat = data.outputFormat === "json" ? "json" : "text";
  if (data.outputFormat !== undefined && data.outputFormat !== "json" && data.outputFormat !== "text")
    warnings.add(
      Warning.LEGACY_DEFAULT_USED,
      at("outputFormat"),
      `ai node "${n.id}" has outputFormat ${JSON.stringify(data.outputFormat)}: the legacy treats it as text`,
    );
  const config: LegacyAiConfig = { prompt, model, outputFormat };
  if (outputFormat === "json") {
    const uiProps = uiPropsOf(data.schema);
    warnSchema(n, data.schema, uiProps, warnings);
    config.uiProps = uiProps;
    config.schema = legacyJsonSchema(uiProps);
  }
  return {
    id: n.id,
    type: "ai",
    label: stepLabel(n.id, "ai"),
    config,
    dependsOn: previous === undefined ? [] : [previous],
    incoming: [],
  };
}

function isPriced(model: string): boolean {
  return findModel(model) !== undefined;
}

/** Warns where the legacy fills a JSON node's schema in: no schema, ENUM without values, ARR without items, OBJ without children. */
function warnSchema(n: DocNode, schema: unknown, props: unknown[], warnings: IssueList): void {
  const base = ["nodes", n.index, "data", "schema"];
  if (props.length === 0) {
    warnings.add(
      Warning.LEGACY_DEFAULT_USED,
      formatPath(base),
      `ai node "${n.id}" is a JSON node ${schema === undefined ? "without a schema" : "whose schema has no properties"}: the legacy asks for an empty object`,
    );
    return;
  }
  const walk = (list: unknown[], path: PropertyKey[]) => {
    list.forEach((p, i) => {
      const at = [...path, i];
      if (!isPlainObject(p)) return;
      const name = `field "${String(p.name)}"`;
      if (p.type === "ENUM" && !(Array.isArray(p.enum) && p.enum.length > 0))
        warnings.add(
          Warning.LEGACY_DEFAULT_USED,
          formatPath(at),
          `ai node "${n.id}" ${name} is an ENUM without values: the legacy asks for "A" or "B"`,
        );
      if (p.type === "ARR" && !p.items)
        warnings.add(
          Warning.LEGACY_DEFAULT_USED,
          formatPath(at),
          `ai node "${n.id}" ${name} is an ARR without items: the legacy accepts an array of anything`,
        );
      if (p.type === "OBJ") {
        const children = Array.isArray(p.properties) ? p.properties : [];
        if (children.length === 0)
          warnings.add(
            Warning.LEGACY_DEFAULT_USED,
            formatPath(at),
            `ai node "${n.id}" ${name} is an OBJ without fields: the legacy asks for an empty object`,
          );
        walk(children, [...at, "properties"]);
      }
    });
  };
  walk(props, [...base, "properties"]);
}

/** Warns about what the legacy ignores in the edges: unconnected nodes, cycles, and an order other than x order. */
function checkEdges(
  edges: unknown,
  nodes: readonly DocNode[],
  ai: readonly DocNode[],
  warnings: IssueList,
): void {
  const ids = new Set(nodes.map((n) => n.id));
  const deps = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  const touched = new Set<string>();
  for (const e of Array.isArray(edges) ? edges : []) {
    if (!isPlainObject(e) || typeof e.source !== "string" || typeof e.target !== "string") continue;
    if (!ids.has(e.source) || !ids.has(e.target)) continue;
    touched.add(e.source);
    touched.add(e.target);
    deps.get(e.target)!.push(e.source);
  }
  for (const n of nodes)
    if ((n.type === "ai" || n.type === "input") && !touched.has(n.id) && nodes.length > 1)
      warnings.add(
        Warning.NODE_NOT_CONNECTED,
        formatPath(["nodes", n.index]),
        `node "${n.id}" has no edge: the legacy ignores edges and runs it ${n.type === "ai" ? "in x order" : "as the input"} all the same`,
      );
  const { cycles } = orderGraph([...ids], deps);
  for (const cycle of cycles)
    warnings.add(
      Warning.CYCLE_IGNORED,
      formatPath(["nodes", nodes.find((n) => n.id === cycle[0])!.index]),
      `edges form a cycle (${[...cycle, cycle[0]].map((id) => `"${id}"`).join(" → ")}): the legacy ignores edges and runs each AI node once, in x order`,
    );
  // The legacy gives each AI node the output of the one before it in x order: an edge from elsewhere is ignored.
  ai.forEach((n, i) => {
    const sources = deps.get(n.id)!;
    const previous = i === 0 ? nodes.find((m) => m.type === "input")?.id : ai[i - 1].id;
    if (sources.length === 0 || previous === undefined || sources.includes(previous)) return;
    warnings.add(
      Warning.EDGE_ORDER_IGNORED,
      formatPath(["nodes", n.index]),
      `ai node "${n.id}" is connected from ${sources.map((id) => `"${id}"`).join(", ")}, but the legacy runs AI nodes in x order and gives it the output of "${previous}"`,
    );
  });
  if (ai.some((n) => Number.isNaN(n.x)))
    warnings.add(
      Warning.LEGACY_DEFAULT_USED,
      "nodes",
      "an ai node has no numeric position.x: its place in the run order is undefined in the legacy",
    );
}
