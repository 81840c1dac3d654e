// Where does a workflow secret come from? One per-workspace namespace of environment variables, the only source either executor reads.

/**
 * Every workflow secret lives in an environment variable named `CUTOVER_SECRET_<WORKSPACE>__<NAME>`: the
 * workspace id upper-cased, a double underscore, then the secret's name as the compiler gave it (a header
 * `{ "$secret": NAME }`). Set by an operator where the run executes (`npx convex env set` on a deployment,
 * the `serve-inngest` host's environment for Inngest).
 *
 * Why the double underscore: neither part may contain one (both are `[A-Z0-9]` runs joined by single
 * underscores), so a variable name splits back into exactly one (workspace, name) pair. A tenant whose
 * node ids and header names form `B_C` in workspace `a` reaches `CUTOVER_SECRET_A__B_C`, never workspace
 * `a_b`'s `C` (`CUTOVER_SECRET_A_B__C`), and no name reaches a variable outside the namespace: every
 * variable it can form starts with the prefix and holds a `__`, which none of the deployment's own
 * settings (`CUTOVER_*`, `OPENAI_*`, `CONVEX_*`, `INNGEST_*`) does.
 */
export const SECRET_ENV_PREFIX = "CUTOVER_SECRET_";

/** Workspace ids that can hold secrets: lower-case letters and digits, runs joined by single underscores. */
const WORKSPACE = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;
/** Secret names as the compiler makes them: upper-case letters and digits, runs joined by single underscores. */
const NAME = /^[A-Z0-9]+(?:_[A-Z0-9]+)*$/;
/** Longest variable name formed (Convex accepts 256). */
const MAX_VARIABLE = 256;

/** Why a (workspace, name) pair has no variable: the message names what to change. */
export class SecretScopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretScopeError";
  }
}

/**
 * Returns the environment variable that holds `name` for `workspaceId`; throws SecretScopeError when the
 * workspace id is not in the one form that upper-cases without ambiguity (`ws-a` and `ws_a`, or `WS` and
 * `ws`, would share variables), or the name is not one the compiler makes.
 */
export function secretVariable(workspaceId: string, name: string): string {
  if (!WORKSPACE.test(workspaceId)) {
    throw new SecretScopeError(
      `workspace ${JSON.stringify(workspaceId)} cannot hold secrets: only ids of lower-case letters and digits joined by single underscores map to one variable each`,
    );
  }
  if (!NAME.test(name)) {
    throw new SecretScopeError(
      `${JSON.stringify(name)} is not a secret name (upper-case letters and digits joined by single underscores)`,
    );
  }
  const variable = `${SECRET_ENV_PREFIX}${workspaceId.toUpperCase()}__${name}`;
  if (variable.length > MAX_VARIABLE) {
    throw new SecretScopeError(
      `secret ${name} of workspace ${workspaceId} makes a variable name over ${MAX_VARIABLE} characters`,
    );
  }
  return variable;
}

/** Where secret values are read: the process environment, optionally over values given in-process. */
export interface SecretSources {
  env?: Readonly<Record<string, string | undefined>>;
  /** Values by variable name that win over `env` (the embedded runtimes of `cutover run`). */
  overlay?: Readonly<Record<string, string>>;
}

/**
 * Returns the resolver a run of `workspaceId` gets: a secret's value by name, or undefined when the
 * workspace's store does not hold it (or the pair has no variable; see secretVariable). The one resolver
 * both executors use.
 */
export function workspaceSecrets(
  workspaceId: string,
  sources: SecretSources = {},
): (name: string) => string | undefined {
  return (name) => {
    let variable: string;
    try {
      variable = secretVariable(workspaceId, name);
    } catch {
      return undefined;
    }
    const env = sources.env ?? process.env;
    const overlay = sources.overlay;
    if (overlay && Object.hasOwn(overlay, variable)) return overlay[variable];
    return Object.hasOwn(env, variable) ? env[variable] : undefined;
  };
}

/** Returns the variables that hold `values` (by secret name) for the workspace; throws SecretScopeError as secretVariable does. */
export function secretVariables(workspaceId: string, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [secretVariable(workspaceId, name), value]),
  );
}

/** What a scrubbed secret value is replaced with (lib/redact.ts's marker). */
export const SCRUBBED = "[REDACTED]";

/** Values shorter than this are not scrubbed by value: they would blank out ordinary words. */
const MIN_SCRUBBED_LENGTH = 4;

/**
 * Returns the forms of a resolved secret value to scrub wherever they reappear: the value, and for a
 * credential with a scheme (`Bearer abc…`, `Basic …`) the credential alone, which a server may echo
 * without its scheme. Forms too short to scrub safely are left out.
 */
export function secretForms(value: string): string[] {
  const forms = [value];
  const credential = /^[A-Za-z][A-Za-z0-9_-]*\s+(\S.*)$/.exec(value)?.[1];
  if (credential) forms.push(credential);
  return forms.filter((f) => f.length >= MIN_SCRUBBED_LENGTH);
}

/**
 * Returns `value` with every occurrence of the given secret strings replaced by SCRUBBED, in strings and
 * object keys at any depth (the value itself when none occurs). Works on the JSON text, so a secret
 * inside a longer string is caught too.
 */
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0 || value === undefined) return value;
  const text = JSON.stringify(value);
  if (text === undefined) return value;
  let out = text;
  // Longest first, so a credential inside its `Bearer …` form does not leave the scheme's tail behind.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    out = out.split(JSON.stringify(s).slice(1, -1)).join(SCRUBBED);
  }
  return out === text ? value : (JSON.parse(out) as T);
}
