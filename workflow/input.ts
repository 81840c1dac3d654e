// What input does a run start with? The input schema built from the builder's variables, and its check.
import type { Variable } from "./builder.ts";
import type { CompiledWorkflow, JsonSchema } from "./compiled.ts";
import { ErrorCode, NodeError } from "./errors.ts";

/** Builder variable types → JSON Schema type (undefined: any JSON value). Compared case-insensitively. */
const VARIABLE_TYPES: Record<string, string | undefined> = {
  string: "string",
  text: "string",
  number: "number",
  integer: "integer",
  boolean: "boolean",
  object: "object",
  array: "array",
  list: "array",
  json: undefined,
  any: undefined,
};

/** Returns the JSON Schema type of a builder variable type, `null` for "any JSON", undefined when unknown. */
export function variableJsonType(type: string): string | null | undefined {
  const key = type.toLowerCase();
  if (!Object.hasOwn(VARIABLE_TYPES, key)) return undefined;
  return VARIABLE_TYPES[key] ?? null;
}

/** Returns true when `value` has the JSON Schema `type` (null: any value). */
export function hasJsonType(value: unknown, type: string | null): boolean {
  switch (type) {
    case null:
      return true;
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      return false;
  }
}

/**
 * Returns the run input's JSON Schema: an object whose properties are the variables, `required`
 * listing those without a defaultValue, defaults recorded as `default`. With no variables the
 * input is any JSON value: `{}`. Variables are assumed checked (known types, unique names).
 */
export function inputSchemaFromVariables(variables: readonly Variable[]): JsonSchema {
  if (variables.length === 0) return {};
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const v of variables) {
    const type = variableJsonType(v.type);
    const schema: JsonSchema = type ? { type } : {};
    if (v.defaultValue !== undefined) schema.default = v.defaultValue;
    else required.push(v.name);
    properties[v.name] = schema;
  }
  return { type: "object", properties, required, additionalProperties: true };
}

/**
 * Returns the run input with variable defaults applied (a new object; the caller's is untouched).
 * Throws NodeError(INPUT_INVALID) naming every missing or ill-typed variable.
 */
export function prepareInput(workflow: CompiledWorkflow, input: unknown): unknown {
  const schema = workflow.inputSchema as {
    properties?: Record<string, { type?: string; default?: unknown }>;
    required?: string[];
  };
  const properties = schema.properties;
  if (!properties || Object.keys(properties).length === 0) return input;

  const names = Object.keys(properties).sort();
  if (input !== undefined && input !== null && !hasJsonType(input, "object")) {
    throw new NodeError(
      ErrorCode.INPUT_INVALID,
      `run input must be a JSON object with the variables ${names.join(", ")}; got ${describe(input)}`,
    );
  }
  const given = (input ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...given };
  const required = new Set(schema.required ?? []);
  const problems: string[] = [];
  for (const name of names) {
    const prop = properties[name];
    const value = Object.hasOwn(given, name) ? given[name] : undefined;
    if (value === undefined) {
      if (prop.default !== undefined) out[name] = structuredClone(prop.default);
      else if (required.has(name)) problems.push(`variable "${name}" is required`);
      continue;
    }
    if (prop.type && !hasJsonType(value, prop.type))
      problems.push(`variable "${name}" must be ${article(prop.type)}, got ${describe(value)}`);
  }
  if (problems.length > 0)
    throw new NodeError(ErrorCode.INPUT_INVALID, `run input is invalid: ${problems.join("; ")}`, {
      details: { problems },
    });
  return out;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return article(typeof value);
}
