// Is a model's JSON answer what the node asked for? Parses and validates llm output against the node's schema.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { canonicalJson } from "../../lib/canonical.ts";
import { redactString } from "../../lib/redact.ts";
import type { JsonSchema } from "../compiled.ts";
import { ErrorCode, NodeError } from "../errors.ts";

// strict: false because builder schemas carry UI keywords (titles, descriptions) ajv's strict mode rejects.
const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(schema: JsonSchema, nodeId: string): ValidateFunction {
  const key = canonicalJson(schema);
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (err) {
      throw new NodeError(
        ErrorCode.PROVIDER_CONFIG,
        `node "${nodeId}": its JSON output schema is not a valid JSON Schema: ${(err as Error).message}`,
      );
    }
    compiled.set(key, validate);
  }
  return validate;
}

/** Returns "$.a.b[0]"-style paths for an ajv instancePath ("/a/b/0"). */
function readablePath(instancePath: string, missing?: string): string {
  const parts = instancePath.split("/").slice(1);
  if (missing !== undefined) parts.push(missing);
  let out = "$";
  for (const raw of parts) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(part)
      ? `[${part}]`
      : /^[A-Za-z_$][\w$]*$/.test(part)
        ? `.${part}`
        : `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** Returns one `{ path, message }` per schema failure, paths pointing at the offending value. */
export function describeErrors(errors: readonly ErrorObject[]): { path: string; message: string }[] {
  return errors.map((e) => {
    if (e.keyword === "required") {
      return { path: readablePath(e.instancePath, String(e.params.missingProperty)), message: "is required" };
    }
    if (e.keyword === "enum") {
      return {
        path: readablePath(e.instancePath),
        message: `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
      };
    }
    if (e.keyword === "additionalProperties") {
      return {
        path: readablePath(e.instancePath, String(e.params.additionalProperty)),
        message: "is not allowed",
      };
    }
    return { path: readablePath(e.instancePath), message: e.message ?? e.keyword };
  });
}

/** Returns `value` when it satisfies `schema`; throws PROVIDER_SCHEMA_VIOLATION listing every failing path. */
export function validateOutput(value: unknown, schema: JsonSchema, nodeId: string): unknown {
  const validate = validatorFor(schema, nodeId);
  if (validate(value)) return value;
  const failures = describeErrors(validate.errors ?? []);
  const list = failures.map((f) => `${f.path} ${f.message}`).join("; ");
  throw new NodeError(
    ErrorCode.PROVIDER_SCHEMA_VIOLATION,
    `node "${nodeId}": the model's JSON does not match the node's schema: ${list}`,
    { details: { failures } },
  );
}

/**
 * Returns the parsed and validated JSON answer. Text that is not JSON is PROVIDER_MALFORMED_OUTPUT; a
 * schema violation is PROVIDER_SCHEMA_VIOLATION; neither is retryable (the same request tends to give
 * the same answer — the node's prompt or schema needs fixing).
 */
export function parseJsonOutput(text: string, schema: JsonSchema | undefined, nodeId: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const excerpt = redactString(text.length > 120 ? `${text.slice(0, 120)}…` : text);
    throw new NodeError(
      ErrorCode.PROVIDER_MALFORMED_OUTPUT,
      `node "${nodeId}": the model's answer is not JSON (${(err as Error).message}): ${JSON.stringify(excerpt)}`,
    );
  }
  return schema ? validateOutput(value, schema, nodeId) : value;
}
