// How is a payload kept in a record? Redacted JSON text, or a file-storage reference when it is large.
import { canonicalJson, sha256 } from "../../lib/canonical.ts";
import { redact } from "../../lib/redact.ts";
import type { PayloadRef } from "../records.ts";

/** Stores text as a file; returns a reference id (`convex-storage:<id>` on Convex). */
export type BlobStore = (text: string) => Promise<string>;

/**
 * Returns the JSON text a record keeps for `value`: redacted at `redactPaths`, inline when its bytes
 * are at most `thresholdBytes`, otherwise stored through `store` and kept as `{ $ref, bytes, sha256 }`
 * (sha256 of the canonical JSON, so equal values compare equal across executors).
 */
export async function persistPayload(
  value: unknown,
  options: { redactPaths: readonly string[]; thresholdBytes: number; store: BlobStore },
): Promise<string> {
  const safe = redact(value === undefined ? null : value, options.redactPaths);
  const text = JSON.stringify(safe);
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
