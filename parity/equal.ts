// Are two JSON values the same under the policy? The fast path that spares most pairs a full diff.
import { sha256 } from "../lib/canonical.ts";
import type { RuleCursor } from "./paths.ts";

/** A payload kept by reference: `{ $ref, bytes, sha256 }`, compared by its hash. */
export interface PayloadRefLike {
  $ref: string;
  bytes: number;
  sha256: string;
}

export function isPayloadRef(value: unknown): value is PayloadRefLike {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.$ref === "string" && typeof v.sha256 === "string" && typeof v.bytes === "number";
}

/** Returns the hash a value is compared by: a reference's own sha256, else the canonical JSON's. */
export function payloadHash(value: unknown): string {
  return isPayloadRef(value) ? value.sha256 : sha256(value);
}

/** True when two numbers are equal within a relative tolerance (of the larger magnitude). */
export function closeEnough(a: number, b: number, relativeTolerance: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= relativeTolerance * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Returns true only when a diff would find nothing: key order is irrelevant, numbers compare within
 * the tolerance, places covered by an ignore rule are skipped, references compare by hash. It may
 * return false for values the diff then finds equal (arrays matched by `id` in another order).
 */
export function sameValue(a: unknown, b: unknown, tolerance: number, ignore: RuleCursor | null): boolean {
  if (a === b) return true;
  if (ignore?.covered) return true;
  const ta = typeof a;
  if (ta !== typeof b) return false;
  if (ta === "number") return closeEnough(a as number, b as number, tolerance);
  if (ta !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!sameValue(a[i], b[i], tolerance, ignore ? ignore.down(i) : null)) return false;
    }
    return true;
  }
  if (Array.isArray(b)) return false;
  const refA = isPayloadRef(a);
  const refB = isPayloadRef(b);
  if (refA || refB) return payloadHash(a) === payloadHash(b);
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  if (!ignore) {
    let count = 0;
    for (const k in oa) {
      if (!Object.hasOwn(ob, k) || !sameValue(oa[k], ob[k], tolerance, null)) return false;
      count++;
    }
    for (const _ in ob) count--;
    return count === 0;
  }
  for (const k in oa) {
    const below = ignore.down(k);
    if (below?.covered) continue;
    if (!Object.hasOwn(ob, k) || !sameValue(oa[k], ob[k], tolerance, below)) return false;
  }
  for (const k in ob) {
    if (!Object.hasOwn(oa, k) && !ignore.down(k)?.covered) return false;
  }
  return true;
}
