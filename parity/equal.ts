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

/**
 * True when two numbers are equal: two integers only when they are the same integer (counts, ids and
 * amounts in cents carry no float dust, and a relative tolerance would call `1234567890123` and
 * `1234567890999` equal); otherwise within a relative tolerance of the larger magnitude.
 */
export function closeEnough(a: number, b: number, relativeTolerance: number): boolean {
  if (a === b) return true;
  if (Number.isInteger(a) && Number.isInteger(b)) return false;
  return Math.abs(a - b) <= relativeTolerance * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Returns true when two JSON values are the same: key order is irrelevant, integers compare exactly and
 * other numbers within the tolerance, places covered by an ignore rule are skipped, payload references
 * compare by hash.
 */
export function sameValue(a: unknown, b: unknown, tolerance: number, ignore: RuleCursor | null): boolean {
  return ignore ? sameIgnoring(a, b, tolerance, ignore) : same(a, b, tolerance);
}

// The common case, with no ignore rules in reach. Speed matters here (every value of every pair passes
// through): keys are walked with for-in, which reads V8's enum cache without allocating a key array
// as Object.keys does. For JSON objects (no enumerable inherited keys) that visits exactly the own keys.
function same(a: unknown, b: unknown, tolerance: number): boolean {
  if (a === b) return true;
  if (typeof a === "object" && typeof b === "object" && a !== null && b !== null) {
    return Array.isArray(a)
      ? sameArray(a, b, tolerance)
      : sameObject(a as Record<string, unknown>, b as Record<string, unknown>, tolerance);
  }
  return typeof a === "number" && typeof b === "number" && closeEnough(a, b, tolerance);
}

function sameArray(a: unknown[], b: object, tolerance: number): boolean {
  if (!Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i], b[i], tolerance)) return false;
  return true;
}

function sameObject(a: Record<string, unknown>, b: Record<string, unknown>, tolerance: number): boolean {
  if (Array.isArray(b)) return false;
  let unmatched = 0;
  for (const k in a) {
    unmatched++;
    const vb = b[k];
    if ((vb === undefined && !Object.hasOwn(b, k)) || !same(a[k], vb, tolerance)) return sameRef(a, b);
  }
  for (const _ in b) unmatched--;
  return unmatched === 0 || sameRef(a, b);
}

// Only once the contents differ, ask whether these are references: two with the same hash are the same payload.
function sameRef(a: object, b: object): boolean {
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
