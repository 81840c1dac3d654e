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
  "authtoken",
  "xauthtoken",
  "apitoken",
  "sessiontoken",
  "privatekey",
  "secretkey",
  "accesskey",
  "secretaccesskey",
]);

/** Secret-looking values inside any string: provider keys, bearer tokens, Inngest keys. */
const SECRET_VALUE_PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\bsignkey-[a-z]+-[A-Za-z0-9]{8,}/g,
  /\b(prod|dev|preview)[:|][A-Za-z0-9-]+\|[A-Za-z0-9=+/]{20,}/g,
];

/**
 * Header names whose values are secret: authorization, cookies, and anything naming a token, secret,
 * key, auth or password (`X-Auth-Token`, `X-Custom-Auth`, `api-key`, `X-API-Key`). Broad on purpose: a
 * header is a credential far more often than not when its name says so, and a miss leaks the value.
 */
const DEFAULT_SECRET_HEADER = /authorization|cookie|token|secret|key|auth|password|passwd/i;

/** The environment variable an operator extends DEFAULT_SECRET_HEADER with: a regex source, matched case-insensitively. */
export const SECRET_HEADER_PATTERN_ENV = "CUTOVER_SECRET_HEADER_PATTERN";

/** CUTOVER_SECRET_HEADER_PATTERN is not a valid regular expression. */
export class SecretPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretPatternError";
  }
}

// The operator's pattern, compiled once per distinct value of the variable (read when first needed, never at import).
let operatorPattern: { source: string | undefined; pattern: RegExp | null } = {
  source: undefined,
  pattern: null,
};

/**
 * Returns the operator's extra header pattern from CUTOVER_SECRET_HEADER_PATTERN (null when unset or
 * blank). Throws SecretPatternError naming the variable when it does not compile: redaction never
 * carries on without the pattern the operator asked for.
 */
export function operatorSecretHeaderPattern(env: NodeJS.ProcessEnv = process.env): RegExp | null {
  const source = env[SECRET_HEADER_PATTERN_ENV];
  if (source === operatorPattern.source) return operatorPattern.pattern;
  let pattern: RegExp | null = null;
  if (source !== undefined && source.trim() !== "") {
    try {
      pattern = new RegExp(source, "i");
    } catch (err) {
      throw new SecretPatternError(
        `${SECRET_HEADER_PATTERN_ENV}=${JSON.stringify(source)} is not a valid regular expression: ${(err as Error).message}`,
      );
    }
  }
  operatorPattern = { source, pattern };
  return pattern;
}

/**
 * True when a header's value is secret by its name: the one place that decides it (the compiler moves
 * such values out of the graph, records and logs show them as [REDACTED]). DEFAULT_SECRET_HEADER, plus
 * the operator's CUTOVER_SECRET_HEADER_PATTERN; throws SecretPatternError when that is invalid.
 */
export function isSecretHeader(name: string): boolean {
  if (DEFAULT_SECRET_HEADER.test(name) || isSecretField(name)) return true;
  return operatorSecretHeaderPattern()?.test(name) ?? false;
}

/**
 * True when `key` names a secret header. Kept for callers written before isSecretHeader (the compiler's
 * http headers); new code calls isSecretHeader.
 * @deprecated use isSecretHeader
 */
export function isSecretKey(key: string): boolean {
  return isSecretHeader(key);
}

// A key of any object (not only headers) whose value is secret: exact names, so `author` or `maxTokens`
// in a model's output stay readable.
function isSecretField(key: string): boolean {
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
 * Inside an object under a `headers` key, every header that isSecretHeader names is a secret key too.
 */
export function redact<T>(value: T, extraPaths: readonly string[] = []): T {
  const paths = extraPaths.map((p) => p.split("."));
  return walk(value, [], paths, false) as T;
}

function walk(value: unknown, at: string[], paths: string[][], inHeaders: boolean): unknown {
  if (paths.some((p) => matches(p, at))) return REDACTED;
  if (typeof value === "string") return redactString(value);
  if (Array.isArray(value)) return value.map((v, i) => walk(v, [...at, String(i)], paths, false));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const secret = inHeaders ? isSecretHeader(k) : isSecretField(k);
      const safe =
        secret && v !== null && v !== undefined && typeof v !== "object"
          ? REDACTED
          : walk(v, [...at, k], paths, k.toLowerCase() === "headers");
      // A JSON key "__proto__" stays a key of the copy (an assignment would replace its prototype).
      if (k === "__proto__")
        Object.defineProperty(out, k, { value: safe, enumerable: true, writable: true, configurable: true });
      else out[k] = safe;
    }
    return out;
  }
  return value;
}

function matches(pattern: string[], at: string[]): boolean {
  if (pattern.length !== at.length) return false;
  return pattern.every((p, i) => p === "*" || p === at[i]);
}
