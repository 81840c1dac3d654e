// What did the comparator notice, where, and how much does it matter? One finding of the parity contract.
import { canonicalJson, sha256 } from "../lib/canonical.ts";
import { redact, redactString } from "../lib/redact.ts";

export const CATEGORIES = [
  "status",
  "output",
  "step",
  "timeline",
  "tokens",
  "cost",
  "latency",
  "error",
] as const;
export type Category = (typeof CATEGORIES)[number];

/** `info` never changes the verdict; `minor` is a difference the policy tolerates; `major`/`critical` mismatch. */
export const SEVERITIES = ["info", "minor", "major", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  readonly category: Category;
  readonly severity: Severity;
  readonly nodeId?: string;
  /** JSONPath into the RunRecord (paths.ts), e.g. `$.steps[?(@.name=='node-a-llm')].output.total`. */
  readonly path?: string;
  readonly message: string;
  /** The primary's value, redacted and truncated; absent when the primary has nothing there. */
  readonly primary?: unknown;
  readonly shadow?: unknown;
}

export interface FindingInit {
  category: Category;
  severity: Severity;
  nodeId?: string;
  path?: string;
  message: string;
  primary?: unknown;
  shadow?: unknown;
}

/** Values longer than this (as JSON) are shown as a preview with their size and hash. */
export const MAX_SHOWN_CHARS = 2_000;
const PREVIEW_CHARS = 200;

/** Returns a frozen finding whose message and values are safe to print and store. */
export function finding(init: FindingInit): Finding {
  const out: { -readonly [K in keyof Finding]: Finding[K] } = {
    category: init.category,
    severity: init.severity,
    message: redactString(init.message),
  };
  if (init.nodeId !== undefined) out.nodeId = init.nodeId;
  if (init.path !== undefined) out.path = init.path;
  if (init.primary !== undefined) out.primary = shown(init.primary);
  if (init.shadow !== undefined) out.shadow = shown(init.shadow);
  return Object.freeze(out);
}

/** Returns the value as a finding carries it: secrets redacted, huge values cut to a described preview. */
export function shown(value: unknown): unknown {
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "string") {
    const safe = redactString(value);
    return safe.length <= MAX_SHOWN_CHARS
      ? safe
      : `${safe.slice(0, MAX_SHOWN_CHARS)}… [${safe.length - MAX_SHOWN_CHARS} more characters]`;
  }
  const safe = redact(value);
  const json = canonicalJson(safe);
  if (json.length <= MAX_SHOWN_CHARS) return safe;
  return {
    truncated: true,
    bytes: json.length,
    sha256: sha256(json),
    preview: `${json.slice(0, PREVIEW_CHARS)}…`,
  };
}

/** Returns a short human rendering of a value for messages (one line, at most `max` characters). */
export function brief(value: unknown, max = 80): string {
  if (value === undefined) return "(absent)";
  const text = redactString(bounded(value, max + 1));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

// JSON of a value, stopped soon after `budget` characters: a brief look at a huge value stays cheap.
function bounded(value: unknown, budget: number): string {
  if (typeof value === "string")
    return JSON.stringify(value.length > budget ? value.slice(0, budget) : value);
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? String(value);
  const isArray = Array.isArray(value);
  let out = isArray ? "[" : "{";
  let first = true;
  for (const [k, v] of Object.entries(value)) {
    if (out.length > budget) break;
    out += `${first ? "" : ","}${isArray ? "" : `${JSON.stringify(k)}:`}${bounded(v, budget - out.length)}`;
    first = false;
  }
  return out + (isArray ? "]" : "}");
}
