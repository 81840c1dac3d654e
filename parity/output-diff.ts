// Where do two JSON values differ, and what is on each side? A narrowing walk, with json-diff-ts on what differs.
import { diff, type IChange } from "json-diff-ts";
import { isPayloadRef, payloadHash, sameValue } from "./equal.ts";
import { type Path, type RuleCursor, renderPath, type Segment } from "./paths.ts";

export type DifferenceKind = "changed" | "added" | "removed" | "type";

/** One place where the values differ. `primary`/`shadow` are undefined when that side has nothing there. */
export interface Difference {
  readonly path: Path;
  readonly kind: DifferenceKind;
  readonly primary: unknown;
  readonly shadow: unknown;
}

export interface DiffOptions {
  relativeTolerance: number;
  /** Ignore rules positioned at `at` (null when none apply). */
  ignore: RuleCursor | null;
}

/**
 * Returns the differences between two values found at `at` in their records: none when they are the
 * same under the options (key order never matters; numbers within the tolerance are equal; a type
 * change is a difference). Arrays whose elements are all objects with an `id` (string or number;
 * unique on each side from where the two orders part) are matched by `id`, so reordering them is no
 * difference; other arrays are matched by index.
 *
 * Speed: equal values cost one structural walk. Where they differ the walk descends through the
 * children that line up (common keys, equal ids, same index) and hands json-diff-ts only what is left
 * at each level (children on one side only, and leaves that differ), so a small change in a large
 * value costs little more than the walk.
 */
export function diffValues(primary: unknown, shadow: unknown, at: Path, options: DiffOptions): Difference[] {
  const out: Difference[] = [];
  const { ignore, relativeTolerance } = options;
  if (!ignore?.covered && !sameValue(primary, shadow, relativeTolerance, ignore)) {
    narrow(primary, shadow, [...at], ignore, relativeTolerance, out);
  }
  return out;
}

/** Finds the differences of two values already known to differ (callers check first: no path is built for equal children). */
function narrow(
  a: unknown,
  b: unknown,
  at: Segment[],
  ignore: RuleCursor | null,
  tolerance: number,
  out: Difference[],
): void {
  if (isPayloadRef(a) || isPayloadRef(b)) {
    if (payloadHash(a) !== payloadHash(b)) out.push({ path: at, kind: "changed", primary: a, shadow: b });
    return;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const left = bag();
    const right = bag();
    for (const k of Object.keys(a)) {
      const below = ignore ? ignore.down(k) : null;
      if (below?.covered) continue;
      if (!Object.hasOwn(b, k)) left[k] = a[k];
      else if (sameValue(a[k], b[k], tolerance, below)) continue;
      else if (descends(a[k], b[k])) narrow(a[k], b[k], [...at, k], below, tolerance, out);
      else {
        left[k] = a[k];
        right[k] = b[k];
      }
    }
    for (const k of Object.keys(b)) {
      if (!Object.hasOwn(a, k) && !ignore?.down(k)?.covered) right[k] = b[k];
    }
    leftovers(left, right, at, undefined, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (allHaveIds(a) && allHaveIds(b) && uniqueBeyondPrefix(a, b))
      narrowById(a, b, at, ignore, tolerance, out);
    else narrowByIndex(a, b, at, ignore, tolerance, out);
    return;
  }
  // Different kinds or two different leaves.
  leftovers(a, b, at, undefined, out, true);
}

function narrowById(
  a: Record<string, unknown>[],
  b: Record<string, unknown>[],
  at: Segment[],
  ignore: RuleCursor | null,
  tolerance: number,
  out: Difference[],
): void {
  const pairUp = (x: Record<string, unknown>, y: Record<string, unknown>) => {
    if (!ignore) {
      if (!sameValue(x, y, tolerance, null)) narrow(x, y, [...at, idSegment(x)], null, tolerance, out);
      return;
    }
    const seg = idSegment(x);
    const below = ignore.down(seg);
    if (!below?.covered && !sameValue(x, y, tolerance, below))
      narrow(x, y, [...at, seg], below, tolerance, out);
  };
  // Most arrays keep their order: pair by position while the ids line up, by id from the first that does not.
  const aligned = alignedPrefix(a, b);
  for (let i = 0; i < aligned; i++) pairUp(a[i], b[i]);
  const byId = new Map<string, Record<string, unknown>>();
  for (let i = aligned; i < b.length; i++) byId.set(String(b[i].id), b[i]);
  const onlyA: unknown[] = [];
  for (let i = aligned; i < a.length; i++) {
    const id = String(a[i].id);
    const match = byId.get(id);
    if (match === undefined) {
      if (!ignore?.down({ by: "id", value: id })?.covered) onlyA.push(a[i]);
    } else {
      byId.delete(id);
      pairUp(a[i], match);
    }
  }
  const onlyB = [...byId.entries()]
    .filter(([id]) => !ignore?.down({ by: "id", value: id })?.covered)
    .map(([, item]) => item);
  if (onlyA.length || onlyB.length) {
    const changes = diff(onlyA, onlyB, { embeddedObjKeys: { "": "id" } });
    collect(changes, at, undefined, true, out);
  }
}

function narrowByIndex(
  a: unknown[],
  b: unknown[],
  at: Segment[],
  ignore: RuleCursor | null,
  tolerance: number,
  out: Difference[],
): void {
  const left = bag();
  const right = bag();
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const below = ignore ? ignore.down(i) : null;
    if (below?.covered) continue;
    if (i >= b.length) left[i] = a[i];
    else if (i >= a.length) right[i] = b[i];
    else if (sameValue(a[i], b[i], tolerance, below)) continue;
    else if (descends(a[i], b[i])) narrow(a[i], b[i], [...at, i], below, tolerance, out);
    else {
      left[i] = a[i];
      right[i] = b[i];
    }
  }
  leftovers(left, right, at, "$index", out);
}

/** True when both values are containers of the same kind: the walk goes inside instead of diffing them whole. */
function descends(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (isPayloadRef(a) || isPayloadRef(b)) return true;
  return Array.isArray(a) === Array.isArray(b);
}

/**
 * Diffs what is left at one level with json-diff-ts: children on one side only, leaves that changed,
 * children whose type changed. `childKey` says how the top-level keys become path segments.
 */
function leftovers(
  a: unknown,
  b: unknown,
  at: Segment[],
  childKey: string | undefined,
  out: Difference[],
  whole = false,
): void {
  if (!whole && Object.keys(a as object).length === 0 && Object.keys(b as object).length === 0) return;
  const changes = diff(a, b, { treatTypeChangeAsReplace: true });
  const found: Difference[] = [];
  collect(changes, at, childKey, whole, found);
  out.push(...merged(found));
}

/**
 * Flattens json-diff-ts's nested changeset into leaf differences with our paths. A change with an
 * `embeddedKey` is an array: its children are keyed by index (`$index`) or by an element's `id`.
 */
function collect(
  changes: IChange[],
  path: Segment[],
  childKey: string | undefined,
  rootWrapped: boolean,
  out: Difference[],
): void {
  for (const c of changes) {
    const here = rootWrapped && c.key === "$root" ? path : [...path, segmentOf(c.key, childKey)];
    if (c.changes) {
      collect(c.changes, here, typeof c.embeddedKey === "string" ? c.embeddedKey : undefined, false, out);
    } else if (c.type === "ADD") out.push({ path: here, kind: "added", primary: undefined, shadow: c.value });
    else if (c.type === "REMOVE")
      out.push({ path: here, kind: "removed", primary: c.value, shadow: undefined });
    else out.push({ path: here, kind: "changed", primary: c.oldValue, shadow: c.value });
  }
}

function segmentOf(key: string, childKey: string | undefined): Segment {
  if (childKey === undefined) return key;
  if (childKey === "$index") return Number(key);
  return { by: childKey, value: key };
}

// json-diff-ts reports a type change as a removal and an addition at the same place: one difference.
function merged(leaves: Difference[]): Difference[] {
  const out: Difference[] = [];
  for (let i = 0; i < leaves.length; i++) {
    const d = leaves[i];
    const next = leaves[i + 1];
    if (d.kind === "removed" && next?.kind === "added" && renderPath(d.path) === renderPath(next.path)) {
      out.push({ path: d.path, kind: "type", primary: d.primary, shadow: next.shadow });
      i++;
    } else out.push(d);
  }
  return out;
}

// Without a prototype, a JSON key such as "__proto__" stays an ordinary key.
const bag = (): Record<string, unknown> => Object.create(null);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const idSegment = (item: Record<string, unknown>): Segment => ({ by: "id", value: String(item.id) });

function allHaveIds(items: unknown[]): items is Record<string, unknown>[] {
  for (const item of items) {
    if (!isPlainObject(item)) return false;
    const id = item.id;
    if (typeof id !== "string" && typeof id !== "number") return false;
  }
  return true;
}

/** Returns how many leading elements carry the same id on both sides (those pair up by position). */
function alignedPrefix(a: Record<string, unknown>[], b: Record<string, unknown>[]): number {
  let i = 0;
  while (i < a.length && i < b.length && (a[i].id === b[i].id || String(a[i].id) === String(b[i].id))) i++;
  return i;
}

// Matching by id needs ids that say which element is which: unique on each side where the order differs.
function uniqueBeyondPrefix(a: Record<string, unknown>[], b: Record<string, unknown>[]): boolean {
  const from = alignedPrefix(a, b);
  return uniqueFrom(a, from) && uniqueFrom(b, from);
}

function uniqueFrom(items: Record<string, unknown>[], from: number): boolean {
  const seen = new Set<string>();
  for (let i = from; i < items.length; i++) {
    const key = String(items[i].id);
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
}
