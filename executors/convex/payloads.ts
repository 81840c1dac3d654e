// How is a payload kept in a record? Redacted JSON text, or a file-storage reference when it is large.
import { canonicalJson, sha256 } from "../../lib/canonical.ts";
import { REDACTED, redact } from "../../lib/redact.ts";
import type { PayloadRef } from "../records.ts";

/** Stores text as a file; returns a reference id (`convex-storage:<id>` on Convex). */
export type BlobStore = (text: string) => Promise<string>;

/** Strings shorter than this are not scrubbed by value: they would blank out ordinary words. */
const MIN_SCRUBBED_LENGTH = 4;

/**
 * Returns the strings found at `paths` (dot paths, `*` for any key) in `value`: the secrets a run's
 * input holds, to be scrubbed wherever they reappear (a prompt, a script's scope, an output).
 */
export function secretsAt(value: unknown, paths: readonly string[]): string[] {
  const found = new Set<string>();
  const visit = (v: unknown, rest: string[]) => {
    if (rest.length === 0) {
      if (typeof v === "string" || typeof v === "number") found.add(String(v));
      else if (v && typeof v === "object") for (const x of Object.values(v)) visit(x, []);
      return;
    }
    if (!v || typeof v !== "object") return;
    const [head, ...tail] = rest;
    for (const [k, x] of Object.entries(v)) if (head === "*" || head === k) visit(x, tail);
  };
  for (const p of paths) visit(value, p.split("."));
  return [...found].filter((s) => s.length >= MIN_SCRUBBED_LENGTH);
}

/** Returns the value with every occurrence of the given secret strings replaced, at any depth. */
export function scrub<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const text = JSON.stringify(value);
  if (text === undefined) return value;
  const out = scrubText(text, secrets);
  return out === text ? value : JSON.parse(out);
}

/** Returns JSON text with every occurrence of the secret strings (as JSON escapes them) replaced. */
function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(JSON.stringify(s).slice(1, -1)).join(REDACTED);
  return out;
}

/**
 * Returns the JSON text a record keeps for `value`: redacted at `redactPaths`, with the run's secret
 * strings scrubbed wherever they appear, inline when its bytes
 * are at most `thresholdBytes`, otherwise stored through `store` and kept as `{ $ref, bytes, sha256 }`
 * (sha256 of the canonical JSON, so equal values compare equal across executors).
 */
export async function persistPayload(
  value: unknown,
  options: {
    redactPaths: readonly string[];
    secrets?: readonly string[];
    thresholdBytes: number;
    store: BlobStore;
  },
): Promise<string> {
  // Scrubbed on the text that is kept, so the value is serialised once; parsed back only when a secret
  // was replaced (which also proves the text is still JSON) or a stored payload needs its canonical form.
  const redacted = redact(value === undefined ? null : value, options.redactPaths);
  const raw = JSON.stringify(redacted);
  const text = options.secrets?.length ? scrubText(raw, options.secrets) : raw;
  const safe = text === raw ? redacted : JSON.parse(text);
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes <= options.thresholdBytes) return text;
  const canonical = canonicalJson(safe);
  const ref: PayloadRef = {
    $ref: await options.store(canonical),
    bytes: Buffer.byteLength(canonical, "utf8"),
    sha256: sha256(canonical),
  };
  return JSON.stringify(ref);
}
