import { describe, expect, it } from "vitest";
import { sha256 } from "../lib/canonical.ts";
import { sameValue } from "./equal.ts";

const TOL = 1e-9;
const same = (a: unknown, b: unknown, tolerance = TOL) => sameValue(a, b, tolerance, null);

/**
 * The rule sameValue implements, written plainly (own keys by Object.keys, recursion everywhere): the
 * fast walk must give the same answer on every value.
 */
function reference(a: unknown, b: unknown, tolerance: number): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isInteger(a) && Number.isInteger(b)) return false;
    return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ref = (v: object) =>
    !Array.isArray(v) &&
    typeof (v as { $ref?: unknown }).$ref === "string" &&
    typeof (v as { sha256?: unknown }).sha256 === "string" &&
    typeof (v as { bytes?: unknown }).bytes === "number";
  const hash = (v: object) => (ref(v) ? (v as { sha256: string }).sha256 : sha256(v));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const contents =
    ka.length === kb.length &&
    ka.every(
      (k) =>
        Object.hasOwn(b, k) &&
        reference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tolerance),
    );
  return contents || (!Array.isArray(a) && (ref(a) || ref(b)) && hash(a) === hash(b));
}

describe("sameValue without ignore rules", () => {
  it.each([
    ["equal numbers", 1, 1, true],
    ["numbers within the relative tolerance", 1, 1 + 1e-12, true],
    ["numbers beyond it", 1, 1.001, false],
    ["integers within the relative tolerance (exact for integers)", 1234567890123, 1234567890999, false],
    ["integers one apart, far beyond 1e9", 10_000_000_000_001, 10_000_000_000_000, false],
    ["large equal integers", 1234567890123, 1234567890123, true],
    ["an integer and a non-integer within the tolerance", 1234567890123, 1234567890123.0002, true],
    ["non-integers within the tolerance", 1234567890.5, 1234567890.5000002, true],
    ["an integer written as a float", 3, 3.0, true],
    ["nested integers within the relative tolerance", { n: [1234567890123] }, { n: [1234567890999] }, false],
    ["-0 and 0", -0, 0, true],
    ["NaN and NaN (never equal)", Number.NaN, Number.NaN, false],
    ["Infinity and Infinity", Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, true],
    ["a number and its string", 5, "5", false],
    ["null and an empty object", null, {}, false],
    ["an empty array and an empty object", [], {}, false],
    ["an empty object and an empty array", {}, [], false],
    ["keys in another order", { a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 }, true],
    ["a key only on the shadow", { a: 1 }, { a: 1, b: 2 }, false],
    ["a key only on the primary", { a: 1, b: 2 }, { a: 1 }, false],
    ["an undefined value against a missing key", { a: undefined, b: 1 }, { b: 1, c: undefined }, false],
    ["undefined values on both sides", { a: undefined }, { a: undefined }, true],
    ["arrays of another length", [1, 2], [1, 2, 3], false],
    ["arrays in another order (matched by index here)", [1, 2], [2, 1], false],
    [
      "arrays of objects with ids, equal",
      [
        { id: "a", v: 1 },
        { id: "b", v: [1, { x: 0.1 }] },
      ],
      [
        { v: 1, id: "a" },
        { id: "b", v: [1, { x: 0.1 + 1e-17 }] },
      ],
      true,
    ],
    [
      "nested numbers within tolerance",
      { items: [{ score: 1 / 3 }] },
      { items: [{ score: 0.3333333333333333 }] },
      true,
    ],
    ["equal strings built differently", { s: ["ab", "c"].join("") }, { s: "abc" }, true],
    ["integer-like keys", { 2: "x", 10: "y" }, { 10: "y", 2: "x" }, true],
    [
      "payload references with the same hash",
      { $ref: "p/1", bytes: 3, sha256: "h" },
      { $ref: "p/2", bytes: 3, sha256: "h" },
      true,
    ],
    [
      "payload references with other hashes",
      { $ref: "p/1", bytes: 3, sha256: "h" },
      { $ref: "p/1", bytes: 3, sha256: "g" },
      false,
    ],
  ])("%s", (_what, a, b, expected) => {
    expect(same(a, b)).toBe(expected);
    expect(same(b, a)).toBe(expected);
    expect(reference(a, b, TOL)).toBe(expected);
  });

  it("compares a reference with the value it stands for by the value's canonical hash", () => {
    const value = { b: [1, 2], a: "x" };
    const ref = { $ref: "p/1", bytes: 20, sha256: sha256(value) };
    expect(same(ref, value)).toBe(true);
    expect(same(value, ref)).toBe(true);
    expect(same(ref, { a: "y", b: [1, 2] })).toBe(false);
  });

  it("a zero tolerance still treats -0 and 0 as equal, and nothing else that differs", () => {
    expect(same(-0, 0, 0)).toBe(true);
    expect(same(0.1 + 0.2, 0.3, 0)).toBe(false);
  });

  it("agrees with the plain rule on thousands of random pairs of near-equal values", () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const leaf = (): unknown => {
      const r = rand();
      if (r < 0.2) return Math.floor(rand() * 4);
      if (r < 0.3) return rand() < 0.5 ? 0 : -0;
      if (r < 0.4) return [Number.NaN, Number.POSITIVE_INFINITY, 0.1][Math.floor(rand() * 3)];
      if (r < 0.6) return ["a", "b", "5", ""][Math.floor(rand() * 4)];
      if (r < 0.7) return rand() < 0.5;
      if (r < 0.8) return null;
      return undefined;
    };
    const value = (depth: number): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.4) return leaf();
      const n = Math.floor(rand() * 4);
      if (r < 0.7) return Array.from({ length: n }, () => value(depth + 1));
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) out[["id", "a", "b", "c", "1"][Math.floor(rand() * 5)]] = value(depth + 1);
      return out;
    };
    // The shadow: a copy with small edits (a leaf replaced, a key dropped or added, numbers nudged, keys reordered).
    const edit = (v: unknown): unknown => {
      if (rand() < 0.05) return value(3);
      if (typeof v === "number") return rand() < 0.2 ? v * (1 + (rand() < 0.5 ? 1e-12 : 1e-3)) : v;
      if (Array.isArray(v)) return v.map(edit);
      if (v === null || typeof v !== "object") return v;
      const keys = Object.keys(v);
      if (rand() < 0.5) keys.reverse();
      const out: Record<string, unknown> = {};
      for (const k of keys) if (rand() > 0.05) out[k] = edit((v as Record<string, unknown>)[k]);
      if (rand() < 0.05) out.extra = leaf();
      return out;
    };
    let agreed = 0;
    let equal = 0;
    for (let i = 0; i < 5000; i++) {
      const a = value(0);
      const b = edit(a);
      const expected = reference(a, b, TOL);
      expect(same(a, b), JSON.stringify([a, b])).toBe(expected);
      expect(same(b, a), JSON.stringify([b, a])).toBe(expected);
      agreed++;
      if (expected) equal++;
    }
    expect(agreed).toBe(5000);
    // Both answers occur often, so the agreement says something.
    expect(equal).toBeGreaterThan(1000);
    expect(equal).toBeLessThan(4000);
  });
});
