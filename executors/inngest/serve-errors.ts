// What may a response from serve-inngest say about an error? Its name and message; the stack goes to the log, never the wire.
import { createHmac, timingSafeEqual } from "node:crypto";

/** One error whose stack was taken out of a response: what the log gets instead. */
export interface RemovedStack {
  name?: string;
  message?: string;
  stack: string;
}

/** A V8 stack frame line: indented "at …" ending in a location (`file:1:2`, `(index 0)`, `<anonymous>`, `native`). */
const FRAME_LINE = String.raw`^[ \t]+at [^\n]*(?::\d+:\d+\)?|\(index \d+\)|<anonymous>\)?|\(native\))[ \t]*(?:\n|$)`;
const stripFrames = (text: string) => text.replace(new RegExp(FRAME_LINE, "gm"), "");

/**
 * Returns `body` with every stack trace emptied, and the stacks it removed.
 *
 * The SDK serialises errors (500s, a function's rejection, a failed step's op) as objects marked
 * `__serialized: true` with `name`, `message` and `stack`; their `stack` becomes "" (the form the SDK
 * itself sends for a failed step's data). In an error status every `stack` string is emptied too; in a
 * 2xx only marked errors are touched, so a step output with its own `stack` field travels unchanged.
 * A body that is not JSON loses its "at …" frame lines. An unchanged body is returned as the same string.
 */
export function removeStacks(body: string, status: number): { body: string; removed: RemovedStack[] } {
  const removed: RemovedStack[] = [];
  // A success carries step and run outputs (up to megabytes): only a marked error in it can hold a stack.
  if (status < 400 && !body.includes('"__serialized"')) return { body, removed };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const stripped = stripFrames(body);
    if (stripped !== body) removed.push({ stack: body });
    return { body: stripped, removed };
  }
  const visit = (value: unknown, depth: number): void => {
    if (depth > 64 || value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    const o = value as Record<string, unknown>;
    const isError = o.__serialized === true || status >= 400;
    if (isError && typeof o.stack === "string" && o.stack !== "") {
      removed.push({
        name: typeof o.name === "string" ? o.name : undefined,
        message: typeof o.message === "string" ? o.message : undefined,
        stack: o.stack,
      });
      o.stack = "";
    }
    if (isError && typeof o.message === "string") {
      const message = stripFrames(o.message);
      if (message !== o.message) {
        removed.push({ name: typeof o.name === "string" ? o.name : undefined, stack: o.message });
        o.message = message.trimEnd();
      }
    }
    for (const key of Object.keys(o)) visit(o[key], depth + 1);
  };
  visit(parsed, 0);
  return removed.length === 0 ? { body, removed } : { body: JSON.stringify(parsed), removed };
}

const hmac = (key: string, data: string) =>
  createHmac("sha256", key.replace(/^signkey-\w+-/, ""))
    .update(data)
    .digest("hex");

/**
 * Re-signs a response body that was changed after the SDK signed it (`X-Inngest-Signature: t=<ts>&s=<hmac>`,
 * HMAC-SHA256 of body + ts under the signing key without its prefix). The key is the one whose
 * signature the SDK put on the original body (the current key or the fallback), so Inngest verifies
 * the changed body exactly as it would have verified the original.
 */
export function resignResponse(
  original: string,
  changed: string,
  signature: string,
  keys: readonly string[],
): string | undefined {
  const params = new URLSearchParams(signature);
  const ts = params.get("t") ?? "";
  const sig = Buffer.from(params.get("s") ?? "", "hex");
  const key = keys.find((k) => {
    const expected = Buffer.from(hmac(k, original + ts), "hex");
    return expected.length === sig.length && timingSafeEqual(expected, sig);
  });
  if (!key) return undefined;
  const now = String(Math.round(Date.now() / 1000));
  return `t=${now}&s=${hmac(key, changed + now)}`;
}
