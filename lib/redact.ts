// What may be logged or stored? Returns copies of values with secrets replaced, before anything leaves memory.

export const REDACTED = "[REDACTED]";

/** Keys whose values are secret wherever they appear (compared case-insensitively, ignoring - and _). */
const SECRET_KEYS = new Set([
  "authorization",
  "proxyauthorization",
  "apikey",
  "xapikey",
  "openaiapikey",
  "password",
  "passwd",
  "secret",
  "clientsecret",
  "accesstoken",
  "refreshtoken",
  "idtoken",
  "token",
  "signingkey",
  "eventkey",
  "inngestsigningkey",
  "inngesteventkey",
  "convexdeploykey",
  "deploykey",
  "adminkey",
  "cookie",
  "setcookie",
]);

/** Secret-looking values inside any string: provider keys, bearer tokens, Inngest keys. */
const SECRET_VALUE_PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\bsignkey-[a-z]+-[A-Za-z0-9]{8,}/g,
  /\b(prod|dev|preview)[:|][A-Za-z0-9-]+\|[A-Za-z0-9=+/]{20,}/g,
];

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, ""));
}

/** Returns the string with secret-looking substrings replaced. */
export function redactString(value: string): string {
  let out = value;
  for (const pattern of SECRET_VALUE_PATTERNS) out = out.replace(pattern, REDACTED);
  return out;
}

/**
 * Returns a deep copy of `value` with secret keys, secret-looking strings and every path in
 * `extraPaths` (dot paths such as "input.customer.ssn", `*` matching any key) replaced by [REDACTED].
 */
export function redact<T>(value: T, extraPaths: readonly string[] = []): T {
  const paths = extraPaths.map((p) => p.split("."));
  return walk(value, [], paths) as T;
}

function walk(value: unknown, at: string[], paths: string[][]): unknown {
  if (paths.some((p) => matches(p, at))) return REDACTED;
  if (typeof value === "string") return redactString(value);
  if (Array.isArray(value)) return value.map((v, i) => walk(v, [...at, String(i)], paths));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        isSecretKey(k) && v !== null && v !== undefined && typeof v !== "object"
          ? REDACTED
          : walk(v, [...at, k], paths);
    }
    return out;
  }
  return value;
}

function matches(pattern: string[], at: string[]): boolean {
  if (pattern.length !== at.length) return false;
  return pattern.every((p, i) => p === "*" || p === at[i]);
}
