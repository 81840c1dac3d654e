// Is one node's `data` valid for its type, and what config does it compile to? Per-type checks, all reported.
import { isSecretKey, redactString } from "../lib/redact.ts";
import { isHostAllowed } from "./allow-hosts.ts";
import type { UiProp } from "./builder.ts";
import { findModel, modelNames } from "./catalog.ts";
import type {
  BranchConfig,
  CompiledNodeType,
  HttpConfig,
  LlmConfig,
  MapConfig,
  NodeConfig,
  SecretRef,
  TransformConfig,
} from "./compiled.ts";
import { isPlainObject, kindOf } from "./document.ts";
import { expressionSyntaxError, functionBodySyntaxError } from "./script-syntax.ts";
import { parseTemplate } from "./template.ts";
import { checkUiProps, uiPropsToJsonSchema } from "./ui-schema.ts";
import { ValidationCode as Code, formatPath, type IssueList, type ValidationCode } from "./validation.ts";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];
export const DEFAULT_MAP_CONCURRENCY = 4;

/** What every node check needs from the whole graph. */
export interface GraphContext {
  issues: IssueList;
  nodeIds: ReadonlySet<string>;
  allowHosts: readonly string[];
  secrets: SecretTable;
}

/** The names given to secret header values, and the values (which never enter the compiled bytes). */
export class SecretTable {
  readonly values: Record<string, string> = {};

  /** Returns the name under which `value` is kept: NODE_HEADER in [A-Z0-9_], suffixed _2, _3… on a clash. */
  add(nodeId: string, header: string, value: string): string {
    const base =
      `${nodeId}_${header}`
        .toUpperCase()
        .replace(/[^A-Z0-9]+/g, "_")
        .replace(/^_+|_+$/g, "") || "SECRET";
    let name = base;
    for (let n = 2; Object.hasOwn(this.values, name); n++) name = `${base}_${n}`;
    this.values[name] = value;
    return name;
  }
}

/** Where a check is looking: who it reports about and the path of the data object it reads. */
interface Site {
  ctx: GraphContext;
  nodeId: string;
  /** `node "summarize"`, or `node "each" task` inside a map. */
  subject: string;
  path: PropertyKey[];
  /** Inside a map task {{item…}} and {{index}} are in scope. */
  inMapTask: boolean;
  /** Node ids the node's templates refer to (known ones only): they become dependencies. */
  refs: Set<string>;
}

/** A node's compiled config (null when its data has errors) and the node ids its templates refer to. */
export interface NodeCompilation {
  config: NodeConfig | null;
  refs: string[];
}

/** Returns the node's compiled config, reporting every problem of its `data` to `ctx.issues`. */
export function compileNodeConfig(
  node: { index: number; id: string; data: Record<string, unknown> },
  type: CompiledNodeType,
  ctx: GraphContext,
): NodeCompilation {
  const site: Site = {
    ctx,
    nodeId: node.id,
    subject: `node "${node.id}"`,
    path: ["nodes", node.index, "data"],
    inMapTask: false,
    refs: new Set(),
  };
  const before = ctx.issues.count;
  const config = compileByType(type, node.data, site);
  return { config: ctx.issues.count === before ? config : null, refs: [...site.refs] };
}

function compileByType(type: CompiledNodeType, data: Record<string, unknown>, site: Site): NodeConfig {
  switch (type) {
    case "llm":
      return compileLlm(data, site);
    case "transform":
      return compileTransform(data, site);
    case "branch":
      return compileBranch(data, site);
    case "map":
      return compileMap(data, site);
    case "http":
      return compileHttp(data, site);
    case "input":
    case "output":
    // The dag compiler never sees `ai` (it compiles to llm); legacy ai nodes compile in workflow/legacy/.
    case "ai":
      return {};
  }
}

function report(site: Site, code: ValidationCode, field: PropertyKey[], message: string): void {
  const fieldPath = formatPath(["data", ...field]);
  site.ctx.issues.add(code, formatPath([...site.path, ...field]), `${site.subject} ${fieldPath}: ${message}`);
}

/** Returns what a required text field held instead: "nothing", "a blank string", "a number"… */
function describeValue(value: unknown): string {
  return typeof value === "string" ? "a blank string" : kindOf(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

function compileLlm(data: Record<string, unknown>, site: Site): LlmConfig {
  const { prompt, model } = data;
  if (!nonEmptyString(prompt))
    report(site, Code.LLM_NO_PROMPT, ["prompt"], `an llm node needs a prompt (got ${describeValue(prompt)})`);
  else checkTemplate(prompt, ["prompt"], site);

  if (!nonEmptyString(model))
    report(site, Code.LLM_NO_MODEL, ["model"], `an llm node needs a model (got ${describeValue(model)})`);
  else if (!findModel(model))
    report(
      site,
      Code.MODEL_NOT_IN_CATALOG,
      ["model"],
      `model "${model}" is not in the catalog (workflow/models.json): use one of ${modelNames().join(", ")}`,
    );

  const outputFormat = data.outputFormat ?? "text";
  if (outputFormat !== "text" && outputFormat !== "json")
    report(
      site,
      Code.FIELD_INVALID,
      ["outputFormat"],
      `must be "text" or "json", not ${JSON.stringify(outputFormat)}`,
    );

  const config: LlmConfig = {
    prompt: String(prompt ?? ""),
    model: String(model ?? ""),
    outputFormat: outputFormat === "json" ? "json" : "text",
  };

  if (outputFormat === "json") {
    const schema = data.schema;
    const props = isPlainObject(schema) ? schema.properties : undefined;
    if (props === undefined) {
      report(
        site,
        Code.OUTPUT_SCHEMA_INVALID,
        ["schema"],
        `outputFormat "json" needs a schema with properties (data.schema.properties), got ${kindOf(schema)}`,
      );
    } else {
      const problems = checkUiProps(props);
      for (const p of problems)
        report(site, Code.OUTPUT_SCHEMA_INVALID, ["schema", "properties", ...p.at], p.message);
      if (problems.length === 0) config.schema = uiPropsToJsonSchema(props as UiProp[]);
    }
  }

  if (data.temperature !== undefined) {
    const t = data.temperature;
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0 || t > 2)
      report(
        site,
        Code.FIELD_INVALID,
        ["temperature"],
        `must be a number from 0 to 2, not ${JSON.stringify(t)}`,
      );
    else config.temperature = t;
  }

  const systemKey =
    data.system !== undefined ? "system" : data.systemPrompt !== undefined ? "systemPrompt" : null;
  if (systemKey) {
    const system = data[systemKey];
    if (typeof system !== "string")
      report(site, Code.FIELD_INVALID, [systemKey], `must be a string (got ${kindOf(system)})`);
    else if (system !== "") {
      checkTemplate(system, [systemKey], site);
      config.system = system;
    }
  }

  if (data.api !== undefined) {
    if (data.api !== "chat" && data.api !== "responses")
      report(
        site,
        Code.FIELD_INVALID,
        ["api"],
        `must be "chat" or "responses", not ${JSON.stringify(data.api)}`,
      );
    else config.api = data.api;
  }
  return config;
}

function compileTransform(data: Record<string, unknown>, site: Site): TransformConfig {
  const script = data.script;
  if (!nonEmptyString(script)) {
    report(
      site,
      Code.TRANSFORM_NO_SCRIPT,
      ["script"],
      `a transform needs a script (got ${describeValue(script)})`,
    );
    return { script: "" };
  }
  const error = functionBodySyntaxError(script);
  if (error) report(site, Code.SCRIPT_SYNTAX, ["script"], `script does not parse: ${error}`);
  return { script };
}

function compileBranch(data: Record<string, unknown>, site: Site): BranchConfig {
  const condition = data.condition;
  if (!nonEmptyString(condition)) {
    report(
      site,
      Code.BRANCH_NO_CONDITION,
      ["condition"],
      `a branch needs a condition (got ${describeValue(condition)})`,
    );
    return { condition: "" };
  }
  checkExpression(condition, ["condition"], "condition", site);
  return { condition };
}

function checkExpression(expression: string, field: PropertyKey[], what: string, site: Site): void {
  const error = expressionSyntaxError(expression);
  if (!error) return;
  const hint = expression.trim().startsWith("{{")
    ? " (write a JavaScript expression such as input.items, not a {{template}})"
    : "";
  report(site, Code.SCRIPT_SYNTAX, field, `${what} is not a valid JavaScript expression: ${error}${hint}`);
}

function compileMap(data: Record<string, unknown>, site: Site): MapConfig {
  const items = data.items;
  if (!nonEmptyString(items))
    report(
      site,
      Code.MAP_NO_ITEMS,
      ["items"],
      `a map needs an items expression (got ${describeValue(items)})`,
    );
  else checkExpression(items, ["items"], "items", site);

  const concurrency = data.concurrency ?? DEFAULT_MAP_CONCURRENCY;
  if (
    typeof concurrency !== "number" ||
    !Number.isInteger(concurrency) ||
    concurrency < 1 ||
    concurrency > 100
  )
    report(
      site,
      Code.MAP_BAD_CONCURRENCY,
      ["concurrency"],
      `must be an integer from 1 to 100, not ${JSON.stringify(concurrency)}`,
    );

  const config: MapConfig = {
    items: String(items ?? ""),
    task: { type: "transform", config: { script: "" } },
    concurrency: typeof concurrency === "number" ? concurrency : DEFAULT_MAP_CONCURRENCY,
  };
  const task = data.task;
  if (task === undefined || task === null) {
    report(site, Code.MAP_NO_TASK, ["task"], "a map needs a task (an inline llm or transform node config)");
    return config;
  }
  if (!isPlainObject(task) || (task.type !== "llm" && task.type !== "ai" && task.type !== "transform")) {
    const type = isPlainObject(task) ? JSON.stringify(task.type) : kindOf(task);
    report(
      site,
      Code.MAP_BAD_TASK,
      ["task"],
      `the task must be an llm, ai or transform node config, not ${type}`,
    );
    return config;
  }
  // The builder nests the task's fields under `data` like a node; hand-written graphs put them inline.
  const nested = isPlainObject(task.data);
  const taskData = nested ? (task.data as Record<string, unknown>) : task;
  const taskSite: Site = {
    ...site,
    subject: `${site.subject} task`,
    path: [...site.path, "task", ...(nested ? ["data"] : [])],
    inMapTask: true,
  };
  config.task =
    task.type === "transform"
      ? { type: "transform", config: compileTransform(taskData, taskSite) }
      : { type: "llm", config: compileLlm(taskData, taskSite) };
  return config;
}

function compileHttp(data: Record<string, unknown>, site: Site): HttpConfig {
  const rawMethod = data.method ?? "GET";
  const method = typeof rawMethod === "string" ? rawMethod.toUpperCase() : "";
  if (!HTTP_METHODS.includes(method))
    report(
      site,
      Code.HTTP_BAD_METHOD,
      ["method"],
      `method ${JSON.stringify(rawMethod)} is not one of ${HTTP_METHODS.join(", ")}`,
    );

  const url = data.url;
  if (!nonEmptyString(url))
    report(site, Code.HTTP_NO_URL, ["url"], `an http node needs a url (got ${describeValue(url)})`);
  else checkUrl(url.trim(), site);

  const headers = compileHeaders(data.headers, site);

  const config: HttpConfig = {
    method,
    url: typeof url === "string" ? url.trim() : "",
    headers,
    sideEffecting: method !== "GET",
  };
  if (data.body !== undefined && data.body !== null) {
    forEachString(data.body, ["body"], (text, field) => {
      checkTemplate(text, field, site);
      if (redactString(text) !== text)
        report(
          site,
          Code.SECRET_INLINE,
          field,
          "holds a secret-looking value; send secrets in a header instead",
        );
    });
    config.body = structuredClone(data.body);
  }
  return config;
}

function checkUrl(url: string, site: Site): void {
  const authority = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(url);
  if (authority?.[2].includes("{{")) {
    report(site, Code.HTTP_BAD_URL, ["url"], `the host of ${url} must be literal, not a template`);
    return;
  }
  checkTemplate(url, ["url"], site);
  let parsed: URL;
  try {
    // Placeholders in the path or query are filled at run time; any text stands in for them here.
    parsed = new URL(url.replace(/\{\{[^{}]*\}\}/g, "x"));
  } catch {
    report(site, Code.HTTP_BAD_URL, ["url"], `${JSON.stringify(url)} is not a valid URL`);
    return;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    report(
      site,
      Code.HTTP_BAD_URL,
      ["url"],
      `${url} must use http or https, not ${parsed.protocol.slice(0, -1)}`,
    );
    return;
  }
  if (parsed.username || parsed.password) {
    report(site, Code.HTTP_BAD_URL, ["url"], "the URL carries credentials; send them in a header instead");
    return;
  }
  if (redactString(url) !== url) {
    report(
      site,
      Code.SECRET_INLINE,
      ["url"],
      "holds a secret-looking value; send secrets in a header instead",
    );
    return;
  }
  const allow = site.ctx.allowHosts;
  if (!isHostAllowed(parsed.hostname, allow))
    report(
      site,
      Code.HTTP_HOST_NOT_ALLOWED,
      ["url"],
      allow.length === 0
        ? `host ${parsed.hostname} is not allowed: no hosts are (set CUTOVER_HTTP_ALLOW_HOSTS)`
        : `host ${parsed.hostname} is not on the allow-list (${allow.join(", ")})`,
    );
}

/** Headers as an object, or the builder's list of { key, value } rows; secret values become references. */
function compileHeaders(raw: unknown, site: Site): Record<string, string | SecretRef> {
  const out: Record<string, string | SecretRef> = {};
  if (raw === undefined || raw === null) return out;
  const rows: [string, unknown, PropertyKey[]][] = [];
  if (isPlainObject(raw)) {
    for (const [k, v] of Object.entries(raw)) rows.push([k, v, ["headers", k]]);
  } else if (Array.isArray(raw)) {
    raw.forEach((row, i) => {
      const key = isPlainObject(row) ? (row.key ?? row.name) : undefined;
      if (typeof key !== "string" || key === "")
        report(site, Code.FIELD_INVALID, ["headers", i], "a header row needs a key and a value");
      else rows.push([key, (row as Record<string, unknown>).value, ["headers", i, "value"]]);
    });
  } else {
    report(site, Code.FIELD_INVALID, ["headers"], `must be an object of header values (got ${kindOf(raw)})`);
    return out;
  }
  for (const [key, value, field] of [...rows].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    if (typeof value !== "string") {
      report(site, Code.FIELD_INVALID, field, `header ${key} must be a string (got ${kindOf(value)})`);
      continue;
    }
    checkTemplate(value, field, site);
    const secret = (isSecretKey(key) && !value.includes("{{")) || redactString(value) !== value;
    out[key] = secret ? { $secret: site.ctx.secrets.add(site.nodeId, key, value) } : value;
  }
  return out;
}

/** Reports malformed placeholders and references to unknown nodes; records the known references. */
function checkTemplate(text: string, field: PropertyKey[], site: Site): void {
  if (!text.includes("{{")) return;
  let refs: ReturnType<typeof parseTemplate>;
  try {
    refs = parseTemplate(text);
  } catch (err) {
    report(site, Code.TEMPLATE_MALFORMED, field, (err as Error).message);
    return;
  }
  for (const ref of refs) {
    if ((ref.root === "item" || ref.root === "index") && !site.inMapTask) {
      report(site, Code.TEMPLATE_MALFORMED, field, `{{${ref.raw}}} is only in scope inside a map task`);
      continue;
    }
    const id = ref.root === "nodes" ? ref.nodeId : ref.root === "results" ? ref.path[0] : undefined;
    if (id === undefined) continue;
    if (!site.ctx.nodeIds.has(id))
      report(
        site,
        Code.TEMPLATE_UNKNOWN_NODE,
        field,
        `{{${ref.raw}}} refers to node "${id}", which the graph does not have`,
      );
    else site.refs.add(id);
  }
}

function forEachString(
  value: unknown,
  at: PropertyKey[],
  visit: (text: string, at: PropertyKey[]) => void,
): void {
  if (typeof value === "string") visit(value, at);
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) forEachString(value[i], [...at, i], visit);
  } else if (isPlainObject(value))
    for (const [k, v] of Object.entries(value)) forEachString(v, [...at, k], visit);
}
