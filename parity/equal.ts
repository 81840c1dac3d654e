// Are two JSON values the same under the policy? The fast path that spares most pairs a diff.
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
 * Returns true when two JSON values are the same: key order is irrelevant, numbers compare within the
 * tolerance, places covered by an ignore rule are skipped, payload references compare by hash.
 */
export function sameValue(a: unknown, b: unknown, tolerance: number, ignore: RuleCursor | null): boolean {
  return ignore ? sameIgnoring(a, b, tolerance, ignore) : same(a, b, tolerance);
}

// The common case, with no ignore rules in reach: kept small and monomorphic for speed.
function same(a: unknown, b: unknown, tolerance: number): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return typeof a === "number" && typeof b === "number" && closeEnough(a, b, tolerance);
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i], tolerance)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  const keys = Object.keys(oa);
  if (keys.length === Object.keys(ob).length) {
    let equal = true;
    for (const k of keys) {
      const vb = ob[k];
      if ((vb === undefined && !Object.hasOwn(ob, k)) || !same(oa[k], vb, tolerance)) {
        equal = false;
        break;
      }
    }
    if (equal) return true;
  }
  // Only now ask whether these are references: two with the same hash are the same payload.
  return (isPayloadRef(a) || isPayloadRef(b)) && payloadHash(a) === payloadHash(b);
}

function sameIgnoring(a: unknown, b: unknown, tolerance: number, ignore: RuleCursor): boolean {
  if (ignore.covered || a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return typeof a === "number" && typeof b === "number" && closeEnough(a, b, tolerance);
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i], tolerance, ignore.down(i))) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (isPayloadRef(a) || isPayloadRef(b)) return payloadHash(a) === payloadHash(b);
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  for (const k of Object.keys(oa)) {
    const below = ignore.down(k);
    if (below?.covered) continue;
    if (!Object.hasOwn(ob, k) || !sameValue(oa[k], ob[k], tolerance, below)) return false;
  }
  for (const k of Object.keys(ob)) {
    if (!Object.hasOwn(oa, k) && !ignore.down(k)?.covered) return false;
  }
  return true;
}
