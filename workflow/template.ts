// What does `{{nodes.extract.title}}` refer to, and what text does it become? Template parsing and rendering.
import { ErrorCode, NodeError } from "./errors.ts";

/**
 * One `{{ ... }}` reference: its root (`input`, `results`, `nodes`, or inside a map task `item` and
 * `index`), the node id for `nodes`, and the rest of the path.
 */
export interface TemplateRef {
  raw: string;
  root: "input" | "results" | "nodes" | "item" | "index";
  nodeId?: string;
  path: string[];
}

/** The scope a template renders against. `results` and `nodes` are the same object: node id → output. */
export interface TemplateScope {
  input: unknown;
  results: Record<string, unknown>;
  /** Inside a map task: the current item and its position. */
  item?: unknown;
  index?: number;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const SEGMENT = /^[A-Za-z0-9_$-]+$/;

/**
 * Returns the references a template makes, in order. Throws NodeError(TEMPLATE_ERROR) naming the
 * placeholder when one is malformed (unknown root, empty segment).
 */
export function parseTemplate(template: string): TemplateRef[] {
  const refs: TemplateRef[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const raw = match[1];
    const parts = raw.split(".");
    const root = parts[0];
    if (!isRoot(root) || parts.some((p) => !SEGMENT.test(p))) {
      throw new NodeError(
        ErrorCode.TEMPLATE_ERROR,
        `template placeholder {{${raw}}} is not one of {{input…}}, {{results…}}, {{nodes.<id>…}}, {{item…}}, {{index}}`,
      );
    }
    if (root === "nodes" && parts.length < 2) {
      throw new NodeError(ErrorCode.TEMPLATE_ERROR, `template placeholder {{${raw}}} names no node`);
    }
    refs.push(
      root === "nodes"
        ? { raw, root, nodeId: parts[1], path: parts.slice(2) }
        : { raw, root, path: parts.slice(1) },
    );
  }
  return refs;
}

/** Returns the node ids a template refers to through `{{nodes.<id>…}}` (`{{results.<id>…}}` counts too). */
export function referencedNodes(template: string): string[] {
  const ids = new Set<string>();
  for (const ref of parseTemplate(template)) {
    if (ref.root === "nodes" && ref.nodeId) ids.add(ref.nodeId);
    if (ref.root === "results" && ref.path.length > 0) ids.add(ref.path[0]);
  }
  return [...ids];
}

/**
 * Returns the template with each placeholder replaced: a string value is inserted as is, anything
 * else as JSON; a missing value (absent path, skipped node) renders as an empty string. Paths read own
 * properties only, so a key that exists only on a prototype (`toString`, `__proto__`, `constructor`)
 * is missing too.
 */
export function renderTemplate(template: string, scope: TemplateScope): string {
  if (!template.includes("{{")) return template;
  // Parse first so a malformed placeholder fails loudly instead of being left in the text.
  parseTemplate(template);
  return template.replace(PLACEHOLDER, (_m, raw: string) => stringify(lookup(raw, scope)));
}

function isRoot(root: string): root is TemplateRef["root"] {
  return root === "input" || root === "results" || root === "nodes" || root === "item" || root === "index";
}

function lookup(raw: string, scope: TemplateScope): unknown {
  const [root, ...path] = raw.split(".");
  let value: unknown =
    root === "input"
      ? scope.input
      : root === "item"
        ? scope.item
        : root === "index"
          ? scope.index
          : scope.results;
  // Own properties only: `{{nodes.toString}}` or `{{input.constructor}}` would otherwise read Object.prototype.
  for (const key of path) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function stringify(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}
