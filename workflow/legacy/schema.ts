// What structure does a legacy JSON node ask for? The builder's UI props as the legacy turns them into zod and JSON Schema.
import { zodSchema } from "ai";
import { z } from "zod/v3";
import type { JsonSchema } from "../compiled.ts";

/** One UI prop as the builder saves it; anything may be missing or odd, and the legacy rejects none of it. */
interface LooseProp {
  name?: unknown;
  type?: unknown;
  required?: unknown;
  properties?: unknown;
  enum?: unknown;
  items?: unknown;
}

function propsOf(value: unknown): LooseProp[] {
  return Array.isArray(value) ? (value as LooseProp[]) : [];
}

function zodForProp(prop: LooseProp): z.ZodTypeAny {
  switch (prop?.type) {
    case "STR":
      return z.string();
    case "NUM":
      return z.number();
    case "BOOL":
      return z.boolean();
    case "ENUM": {
      const values = Array.isArray(prop.enum) && prop.enum.length > 0 ? prop.enum : ["A", "B"];
      return z.enum(values as [string, ...string[]]);
    }
    case "ARR":
      return z.array(prop.items ? zodForProp(prop.items as LooseProp) : z.any());
    case "OBJ":
      return objectOf(propsOf(prop.properties));
    default:
      return z.any();
  }
}

/** A field is required unless `required === false`; a repeated name keeps its first place and its last type. */
function objectOf(props: LooseProp[]): z.ZodObject<z.ZodRawShape> {
  const shape: Record<string, z.ZodTypeAny> = {};
  for (const prop of props) {
    const type = zodForProp(prop);
    shape[String(prop?.name)] = prop?.required === false ? type.optional() : type;
  }
  return z.object(shape);
}

/** Returns the zod (v3) object the legacy validates a JSON node's answer with; `uiSchema` is `data.schema` as saved. */
export function legacyZodSchema(uiProps: unknown[] | undefined): z.ZodObject<z.ZodRawShape> {
  return objectOf(propsOf(uiProps));
}

/** Returns the UI props of a node's `data.schema` as the legacy reads them (`schema?.properties`, anything else: none). */
export function uiPropsOf(schema: unknown): unknown[] {
  const props =
    schema !== null && typeof schema === "object"
      ? (schema as { properties?: unknown }).properties
      : undefined;
  return Array.isArray(props) ? props : [];
}

/** Returns the JSON Schema the legacy sends for these props (the AI SDK's own conversion of the zod schema). */
export function legacyJsonSchema(uiProps: unknown[]): JsonSchema {
  return zodSchema(legacyZodSchema(uiProps)).jsonSchema as JsonSchema;
}
