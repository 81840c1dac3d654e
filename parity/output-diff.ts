// Where do two JSON values differ, and what is on each side? json-diff-ts, run only when the fast check fails.
import { diff, type IChange } from "json-diff-ts";
import { closeEnough, isPayloadRef, payloadHash, sameValue } from "./equal.ts";
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
 * same under the options. Arrays whose elements are all objects with unique `id`s (on both sides) are
 * matched by `id`, so reordering them is no difference; other arrays are matched by index.
 */
export function diffValues(primary: unknown, shadow: unknown, at: Path, options: DiffOptions): Difference[] {
  if (sameValue(primary, shadow, options.relativeTolerance, options.ignore)) return [];
  if (isPayloadRef(primary) || isPayloadRef(shadow)) {
    return payloadHash(primary) === payloadHash(shadow)
      ? []
      : [{ path: at, kind: "changed", primary, shadow }];
  }
  const scan = scanArrays(primary, shadow);
  const a = scan.hasRefs ? hashRefs(primary) : primary;
  const b = scan.hasRefs ? hashRefs(shadow) : shadow;
  const changes = diff(a, b, { embeddedObjKeys: scan.idKeyed, treatTypeChangeAsReplace: true });
  const bothObjects = isPlainObject(a) && isPlainObject(b);
  const leaves: Difference[] = [];
  collect(changes, [...at], undefined, !bothObjects, leaves);
  return merged(leaves).filter((d) => keep(d, at.length, options));
}

function keep(d: Difference, depth: number, options: DiffOptions): boolean {
  if (options.ignore?.along(d.path.slice(depth))?.covered) return false;
  if (d.kind === "changed" && typeof d.primary === "number" && typeof d.shadow === "number") {
    return !closeEnough(d.primary, d.shadow, options.relativeTolerance);
  }
  return true;
}

/**
 * Flattens json-diff-ts's nested changeset into leaf differences with our paths. A change with an
 * `embeddedKey` is an array: its children are keyed by index (`$index`) or by an element's `id`.
 */
function collect(
  changes: IChange[],
  path: Segment[],
  arrayKey: string | undefined,
  rootWrapped: boolean,
  out: Difference[],
): void {
  for (const c of changes) {
    const here = rootWrapped && c.key === "$root" ? path : [...path, segmentOf(c.key, arrayKey)];
    if (c.changes) {
      collect(c.changes, here, typeof c.embeddedKey === "string" ? c.embeddedKey : undefined, false, out);
    } else if (c.type === "ADD") out.push({ path: here, kind: "added", primary: undefined, shadow: c.value });
    else if (c.type === "REMOVE")
      out.push({ path: here, kind: "removed", primary: c.value, shadow: undefined });
    else out.push({ path: here, kind: "changed", primary: c.oldValue, shadow: c.value });
  }
}

function segmentOf(key: string, arrayKey: string | undefined): Segment {
  if (arrayKey === undefined) return key;
  if (arrayKey === "$index") return Number(key);
  return { by: arrayKey, value: key };
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

const isPlainObject = (v: unknown): boolean => v !== null && typeof v === "object" && !Array.isArray(v);

interface ArrayScan {
  /** json-diff-ts key paths (object keys joined by ".", array levels not counted) whose arrays match by `id`. */
  idKeyed: Record<string, string>;
  hasRefs: boolean;
}

// An array matches by id only when every array at the same key path, on both sides, has objects
// with unique ids: json-diff-ts picks the array key by key path, so the choice must hold for all.
function scanArrays(a: unknown, b: unknown): ArrayScan {
  const verdicts = new Map<string, boolean>();
  const state = { hasRefs: false };
  walk(a, "", verdicts, state);
  walk(b, "", verdicts, state);
  const idKeyed: Record<string, string> = {};
  for (const [keyPath, ok] of verdicts) if (ok) idKeyed[keyPath] = "id";
  return { idKeyed, hasRefs: state.hasRefs };
}

function walk(
  value: unknown,
  keyPath: string,
  verdicts: Map<string, boolean>,
  state: { hasRefs: boolean },
): void {
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    const ok = verdicts.get(keyPath) !== false && hasUniqueIds(value);
    verdicts.set(keyPath, ok);
    for (const item of value) walk(item, keyPath, verdicts, state);
    return;
  }
  if (isPayloadRef(value)) {
    state.hasRefs = true;
    return;
  }
  for (const [k, v] of Object.entries(value))
    walk(v, keyPath === "" ? k : `${keyPath}.${k}`, verdicts, state);
}

function hasUniqueIds(items: unknown[]): boolean {
  if (items.length === 0) return true;
  const seen = new Set<string>();
  for (const item of items) {
    if (!isPlainObject(item)) return false;
    const id = (item as Record<string, unknown>).id;
    if (typeof id !== "string" && typeof id !== "number") return false;
    const key = String(id);
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
}

// Two references compare by hash wherever they sit, so the diff sees only their hashes (a storage
// location that differs is no difference).
function hashRefs(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(hashRefs);
  if (isPayloadRef(value)) return { sha256: value.sha256 };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = hashRefs(v);
  return out;
}
