// What can be wrong with a builder graph, and how is each problem reported? Validation codes and the issue list.

/** One problem found at save time: a stable code, where it is (`nodes[2].data.prompt`), and a message naming the culprit. */
export interface ValidationIssue {
  code: string;
  path: string;
  message: string;
}

/** Every code `compileWorkflow` reports. Codes are stable: tools and the corpus key on them. */
export const ValidationCode = {
  // --- the document itself
  /** The document is not a JSON object (null, an array, a string, ...). */
  DOCUMENT_NOT_OBJECT: "DOCUMENT_NOT_OBJECT",
  /** The document nests deeper than MAX_DOCUMENT_DEPTH levels: no real graph does, and deep values break recursive tools. */
  DOCUMENT_TOO_DEEP: "DOCUMENT_TOO_DEEP",
  /** A field is missing or has the wrong type for the builder format (one issue per zod issue, with its path). */
  SCHEMA_INVALID: "SCHEMA_INVALID",
  /** More issues than MAX_ISSUES were found; the rest are counted, not listed. */
  TOO_MANY_ERRORS: "TOO_MANY_ERRORS",

  // --- ids and types
  /** Two nodes share an id. */
  DUPLICATE_NODE_ID: "DUPLICATE_NODE_ID",
  /** Two edges share an id. */
  DUPLICATE_EDGE_ID: "DUPLICATE_EDGE_ID",
  /** Two edges join the same source handle to the same target. */
  DUPLICATE_EDGE: "DUPLICATE_EDGE",
  /** A node id has characters templates and step names cannot carry (allowed: letters, digits, _ $ -). */
  NODE_ID_INVALID: "NODE_ID_INVALID",
  /** A node's type is not one of input, ai, llm, transform, branch, map, http, output. */
  UNKNOWN_NODE_TYPE: "UNKNOWN_NODE_TYPE",
  /** A node id or variable name is `__proto__`, `constructor` or `prototype` (see RESERVED_NAMES). */
  RESERVED_NAME: "RESERVED_NAME",

  // --- graph structure
  /** The graph has no input node. */
  MISSING_INPUT_NODE: "MISSING_INPUT_NODE",
  /** The graph has more than one input node. */
  MULTIPLE_INPUT_NODES: "MULTIPLE_INPUT_NODES",
  /** The graph has no output node. */
  MISSING_OUTPUT_NODE: "MISSING_OUTPUT_NODE",
  /** The graph has more than one output node. */
  MULTIPLE_OUTPUT_NODES: "MULTIPLE_OUTPUT_NODES",
  /** The output node has no incoming edge, so the run could never produce an output. */
  OUTPUT_NOT_CONNECTED: "OUTPUT_NOT_CONNECTED",
  /** An edge leads into the input node, which only ever yields the run input. */
  EDGE_INTO_INPUT: "EDGE_INTO_INPUT",
  /** An edge leaves the output node: nothing may run after the run's answer. */
  EDGE_FROM_OUTPUT: "EDGE_FROM_OUTPUT",
  /** An edge's source is not a node of the graph. */
  EDGE_UNKNOWN_SOURCE: "EDGE_UNKNOWN_SOURCE",
  /** An edge's target is not a node of the graph. */
  EDGE_UNKNOWN_TARGET: "EDGE_UNKNOWN_TARGET",
  /** An edge (or a template reference) leads from a node to itself. */
  SELF_LOOP: "SELF_LOOP",
  /** Nodes depend on each other in a circle (through edges or template references); the message lists them in order. */
  CYCLE: "CYCLE",

  // --- variables (the run input)
  /** Two variables share a name. */
  DUPLICATE_VARIABLE: "DUPLICATE_VARIABLE",
  /** A variable's type is not one of string, text, number, integer, boolean, object, array, list, json, any. */
  VARIABLE_UNKNOWN_TYPE: "VARIABLE_UNKNOWN_TYPE",
  /** A variable's defaultValue does not have the variable's type. */
  VARIABLE_BAD_DEFAULT: "VARIABLE_BAD_DEFAULT",

  // --- llm (ai) nodes and map llm tasks
  /** An llm node has no prompt (missing, empty or not a string). */
  LLM_NO_PROMPT: "LLM_NO_PROMPT",
  /** An llm node names no model. */
  LLM_NO_MODEL: "LLM_NO_MODEL",
  /** An llm node names a model outside the catalog (workflow/models.json). */
  MODEL_NOT_IN_CATALOG: "MODEL_NOT_IN_CATALOG",
  /** `outputFormat: "json"` without a valid UI-prop schema (empty, duplicate names, ENUM without values, ARR without items, OBJ without properties). */
  OUTPUT_SCHEMA_INVALID: "OUTPUT_SCHEMA_INVALID",

  // --- templates
  /** A `{{nodes.<id>}}` / `{{results.<id>}}` placeholder names a node the graph does not have. */
  TEMPLATE_UNKNOWN_NODE: "TEMPLATE_UNKNOWN_NODE",
  /** A placeholder is not one of {{input…}}, {{results…}}, {{nodes.<id>…}} (in map tasks also {{item…}}, {{index}}). */
  TEMPLATE_MALFORMED: "TEMPLATE_MALFORMED",

  // --- scripts (checked by parsing, never run)
  /** A transform node (or map transform task) has no script. */
  TRANSFORM_NO_SCRIPT: "TRANSFORM_NO_SCRIPT",
  /** A transform body, branch condition or map items expression does not parse. */
  SCRIPT_SYNTAX: "SCRIPT_SYNTAX",

  // --- branch
  /** A branch node has no condition. */
  BRANCH_NO_CONDITION: "BRANCH_NO_CONDITION",
  /** An edge leaving a branch has a sourceHandle other than "true" or "false". */
  BRANCH_BAD_HANDLE: "BRANCH_BAD_HANDLE",

  // --- map
  /** A map node has no items expression. */
  MAP_NO_ITEMS: "MAP_NO_ITEMS",
  /** A map node has no task. */
  MAP_NO_TASK: "MAP_NO_TASK",
  /** A map task is not an llm/ai or transform node config. */
  MAP_BAD_TASK: "MAP_BAD_TASK",
  /** A map concurrency is not an integer from 1 to 100. */
  MAP_BAD_CONCURRENCY: "MAP_BAD_CONCURRENCY",

  // --- http
  /** An http node has no URL. */
  HTTP_NO_URL: "HTTP_NO_URL",
  /** An http URL does not parse, is not http(s), carries credentials, or has a template in its host. */
  HTTP_BAD_URL: "HTTP_BAD_URL",
  /** An http URL's host is not on the allow-list (options.allowHosts or CUTOVER_HTTP_ALLOW_HOSTS). */
  HTTP_HOST_NOT_ALLOWED: "HTTP_HOST_NOT_ALLOWED",
  /** An http method other than GET, POST, PUT, PATCH, DELETE, HEAD. */
  HTTP_BAD_METHOD: "HTTP_BAD_METHOD",
  /** A secret-looking value in an http URL or body, where it would end up in the compiled bytes (move it to a header). */
  SECRET_INLINE: "SECRET_INLINE",

  // --- any node field
  /** A node data field has the wrong type or an out-of-range value (temperature, outputFormat, headers, ...). */
  FIELD_INVALID: "FIELD_INVALID",
} as const;
export type ValidationCode = (typeof ValidationCode)[keyof typeof ValidationCode];

/** Codes of warnings: the document runs, and each says what will happen that its author may not expect. */
export const WarningCode = {
  /** A node has no edge to or from the rest of the graph (the legacy runs it in x order all the same). */
  NODE_NOT_CONNECTED: "NODE_NOT_CONNECTED",
  /** Edges form a cycle; the legacy ignores edges and runs the AI nodes once each, in x order. */
  CYCLE_IGNORED: "CYCLE_IGNORED",
  /** The edges imply another order than the x order the legacy runs the AI nodes in. */
  EDGE_ORDER_IGNORED: "EDGE_ORDER_IGNORED",
  /** A node of a type the legacy does not run (it is skipped), or a second input node (the first one is used). */
  NODE_IGNORED: "NODE_IGNORED",
  /** A model OpenAI serves for audio only (transcribe, tts): a text or JSON call to it fails at run time. */
  MODEL_NOT_FOR_TEXT: "MODEL_NOT_FOR_TEXT",
  /** A model the catalog has no price for (or does not know): its calls get cost null. */
  MODEL_UNPRICED: "MODEL_UNPRICED",
  /** A field is missing or odd and the legacy uses its default (prompt, model, output format, schema parts). */
  LEGACY_DEFAULT_USED: "LEGACY_DEFAULT_USED",
} as const;
export type WarningCode = (typeof WarningCode)[keyof typeof WarningCode];

/**
 * Names a node id or variable may not take. Ids and names become keys of plain objects (the results by
 * node id, the run input, the input schema's properties), and these keys belong to JavaScript itself:
 * `results["__proto__"] = x` replaces the object's prototype instead of storing x, and `constructor` or
 * `prototype` read something no node or input ever wrote.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** True when `name` is one of RESERVED_NAMES. */
export function isReservedName(name: string): boolean {
  return RESERVED_NAMES.has(name);
}

/** Returns the RESERVED_NAME message for a node id or variable name: what it is, and why it is refused. */
export function reservedNameMessage(what: "node id" | "variable", name: string): string {
  return `${what} "${name}" is reserved: ${[...RESERVED_NAMES].map((n) => `"${n}"`).join(", ")} are JavaScript object internals, so a value stored under that name would be lost or read from the object's prototype (rename it)`;
}

/** Beyond this many issues the list ends with one TOO_MANY_ERRORS issue: 5 MB of junk must not print 100,000 lines. */
export const MAX_ISSUES = 500;

/** Collects issues, keeping at most MAX_ISSUES and counting the rest. */
export class IssueList {
  readonly items: ValidationIssue[] = [];
  private dropped = 0;

  add(code: ValidationCode | WarningCode, path: string, message: string): void {
    if (this.items.length < MAX_ISSUES) this.items.push({ code, path, message });
    else this.dropped++;
  }

  get count(): number {
    return this.items.length + this.dropped;
  }

  /** Returns the issues, with a final TOO_MANY_ERRORS issue when some were dropped. */
  list(): ValidationIssue[] {
    if (this.dropped === 0) return this.items;
    return [
      ...this.items,
      {
        code: ValidationCode.TOO_MANY_ERRORS,
        path: "",
        message: `${this.dropped} more issues not listed (first ${MAX_ISSUES} shown)`,
      },
    ];
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Returns a readable path for segments: `nodes[2].data["x-y"]`; "" for the document itself. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else {
      const key = String(s);
      out += IDENTIFIER.test(key) ? (out === "" ? key : `.${key}`) : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}
