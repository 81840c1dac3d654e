// What are the stable bytes of a JSON value, and their hash? Key order never changes either.
import { createHash } from "node:crypto";
import { configure } from "safe-stable-stringify";

const stringify = configure({ deterministic: true, circularValue: TypeError, bigint: false });

/** Returns JSON with object keys sorted at every depth: equal values give equal bytes. */
export function canonicalJson(value: unknown, indent?: number): string {
  const out = stringify(value, null, indent);
  if (out === undefined) throw new TypeError("value has no JSON form");
  return out;
}

/** Returns the sha256 hex of a string or of a value's canonical JSON. */
export function sha256(value: unknown): string {
  const text = typeof value === "string" ? value : canonicalJson(value);
  return createHash("sha256").update(text).digest("hex");
}
