// What JSON Schema does the builder's UI-prop list mean, and is the list well-formed? Conversion and checks.
import type { UiProp } from "./builder.ts";
import type { JsonSchema } from "./compiled.ts";

const UI_TYPES = new Set(["STR", "NUM", "BOOL", "ENUM", "OBJ", "ARR"]);

/**
 * Returns the JSON Schema of an object whose fields are `props`: `required` lists the props marked
 * required, and no other fields are allowed (what OpenAI structured outputs and the mock both honour).
 */
export function uiPropsToJsonSchema(props: UiProp[]): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const prop of props) properties[prop.name] = propSchema(prop);
  return {
    type: "object",
    properties,
    required: props.filter((p) => p.required === true).map((p) => p.name),
    additionalProperties: false,
  };
}

function propSchema(prop: UiProp): JsonSchema {
  const described = (schema: JsonSchema): JsonSchema =>
    prop.description ? { ...schema, description: prop.description } : schema;
  switch (prop.type) {
    case "STR":
      return described({ type: "string" });
    case "NUM":
      return described({ type: "number" });
    case "BOOL":
      return described({ type: "boolean" });
    case "ENUM":
      return described({ type: "string", enum: [...(prop.enum ?? [])] });
    case "OBJ":
      return described(uiPropsToJsonSchema(prop.properties ?? []));
    case "ARR":
      return described({ type: "array", items: prop.items ? propSchema(prop.items) : {} });
  }
}

/** One problem in a UI-prop list: where (segments below the list) and what. */
export interface UiPropProblem {
  at: (string | number)[];
  message: string;
}

/**
 * Returns every problem of an untrusted UI-prop list (empty list, missing or duplicate names, unknown
 * types, ENUM without values, ARR without items, OBJ without properties); an empty array means
 * `uiPropsToJsonSchema` may be given it.
 */
export function checkUiProps(raw: unknown): UiPropProblem[] {
  const problems: UiPropProblem[] = [];
  checkList(raw, [], problems);
  return problems;
}

function checkList(raw: unknown, at: (string | number)[], problems: UiPropProblem[]): void {
  if (!Array.isArray(raw)) {
    problems.push({ at, message: "must be a list of fields" });
    return;
  }
  if (raw.length === 0) {
    problems.push({ at, message: "must list at least one field" });
    return;
  }
  const seen = new Set<string>();
  raw.forEach((prop, i) => {
    const name = checkProp(prop, [...at, i], problems, true);
    if (name === undefined) return;
    if (seen.has(name))
      problems.push({ at: [...at, i, "name"], message: `field name "${name}" is used twice` });
    seen.add(name);
  });
}

/** Returns the prop's name when it has one. Array items need no name: they are not a field. */
function checkProp(
  prop: unknown,
  at: (string | number)[],
  problems: UiPropProblem[],
  named: boolean,
): string | undefined {
  if (!prop || typeof prop !== "object" || Array.isArray(prop)) {
    problems.push({ at, message: "must be a field object { name, type }" });
    return undefined;
  }
  const p = prop as Record<string, unknown>;
  const name = typeof p.name === "string" && p.name !== "" ? p.name : undefined;
  if (named && name === undefined) problems.push({ at: [...at, "name"], message: "field has no name" });
  const label = name === undefined ? "field" : `field "${name}"`;
  if (p.description !== undefined && typeof p.description !== "string")
    problems.push({ at: [...at, "description"], message: `${label}: description must be a string` });
  if (p.required !== undefined && typeof p.required !== "boolean")
    problems.push({ at: [...at, "required"], message: `${label}: required must be true or false` });
  if (typeof p.type !== "string" || !UI_TYPES.has(p.type)) {
    problems.push({
      at: [...at, "type"],
      message: `${label}: type ${JSON.stringify(p.type)} is not one of STR, NUM, BOOL, ENUM, OBJ, ARR`,
    });
    return name;
  }
  if (p.type === "ENUM") {
    const values = p.enum;
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== "string"))
      problems.push({
        at: [...at, "enum"],
        message: `${label}: ENUM needs a non-empty list of string values`,
      });
  }
  if (p.type === "ARR") {
    if (p.items === undefined) problems.push({ at: [...at, "items"], message: `${label}: ARR needs items` });
    else checkProp(p.items, [...at, "items"], problems, false);
  }
  if (p.type === "OBJ") {
    if (p.properties === undefined)
      problems.push({ at: [...at, "properties"], message: `${label}: OBJ needs properties` });
    else checkList(p.properties, [...at, "properties"], problems);
  }
  return name;
}
