import { describe, expect, it } from "vitest";
import { type DiffOptions, diffValues } from "./output-diff.ts";
import { parsePattern, RuleCursor, renderPath } from "./paths.ts";

const opts = (ignore: string[] = [], relativeTolerance = 1e-9): DiffOptions => ({
  relativeTolerance,
  ignore: RuleCursor.start(ignore.map(parsePattern)),
});

/** Returns [path, kind, primary, shadow] rows, sorted by path, for compact assertions. */
function rows(a: unknown, b: unknown, o = opts()) {
  return diffValues(a, b, ["output"], { ...o, ignore: o.ignore?.along(["output"]) ?? null })
    .map((d) => [renderPath(d.path), d.kind, d.primary, d.shadow])
    .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
}

describe("diffValues", () => {
  it("finds nothing in equal values, whatever their key order", () => {
    expect(rows({ a: [1, { b: 2, c: null }], d: "x" }, { d: "x", a: [1, { c: null, b: 2 }] })).toEqual([]);
  });

  it("reports added, removed, changed and type-changed keys at their paths", () => {
    expect(
      rows({ keep: 1, gone: true, n: 1, t: 5, o: { x: 1 } }, { keep: 1, n: 2, t: "5", o: [1], add: null }),
    ).toEqual([
      ["$.output.add", "added", undefined, null],
      ["$.output.gone", "removed", true, undefined],
      ["$.output.n", "changed", 1, 2],
      ["$.output.o", "type", { x: 1 }, [1]],
      ["$.output.t", "type", 5, "5"],
    ]);
  });

  it("compares arrays without ids by index, including extra elements at the end", () => {
    expect(rows([1, [2, 3], "x"], [1, [2, 4], "x", "y"])).toEqual([
      ["$.output[1][1]", "changed", 3, 4],
      ["$.output[3]", "added", undefined, "y"],
    ]);
    expect(rows([1, 2, 3], [1])).toEqual([
      ["$.output[1]", "removed", 2, undefined],
      ["$.output[2]", "removed", 3, undefined],
    ]);
  });

  it("matches objects by id at any depth, ignoring order, and names elements by id", () => {
    const a = {
      groups: [
        {
          id: 1,
          members: [
            { id: "x", n: 1 },
            { id: "y", n: 2 },
          ],
        },
        { id: 2, members: [] },
      ],
    };
    const b = {
      groups: [
        { id: 2, members: [] },
        { id: 1, members: [{ id: "y", n: 3 }, { id: "x", n: 1 }, { id: "z" }] },
      ],
    };
    expect(rows(a, b)).toEqual([
      ["$.output.groups[?(@.id=='1')].members[?(@.id=='y')].n", "changed", 2, 3],
      ["$.output.groups[?(@.id=='1')].members[?(@.id=='z')]", "added", undefined, { id: "z" }],
    ]);
  });

  it("falls back to index matching when ids repeat or an element has none", () => {
    expect(
      rows(
        [
          { id: 1, v: "a" },
          { id: 1, v: "b" },
        ],
        [
          { id: 1, v: "b" },
          { id: 1, v: "a" },
        ],
      ),
    ).toHaveLength(2);
    expect(rows([{ id: 1 }, { v: 2 }], [{ v: 2 }, { id: 1 }])).toEqual([
      ["$.output[0].id", "removed", 1, undefined],
      ["$.output[0].v", "added", undefined, 2],
      ["$.output[1].id", "added", undefined, 1],
      ["$.output[1].v", "removed", 2, undefined],
    ]);
  });

  it("applies the numeric tolerance at every depth", () => {
    expect(rows({ a: [{ x: 1.0 }] }, { a: [{ x: 1.0 + 1e-12 }] })).toEqual([]);
    expect(rows({ a: [{ x: 1.0 }] }, { a: [{ x: 1.001 }] }, opts([], 0.01))).toEqual([]);
    expect(rows({ a: [{ x: 1.0 }] }, { a: [{ x: 1.1 }] }, opts([], 0.01))).toHaveLength(1);
  });

  it("skips places covered by ignore rules (rules are positioned at the value's path)", () => {
    const o = opts(["$.output.meta", "$.output.items[*].at", "**.trace"]);
    const a = { meta: { t: 1 }, items: [{ id: "a", at: 1, v: 1 }], deep: { x: { trace: "p" } } };
    const b = { meta: { t: 2 }, items: [{ id: "a", at: 2, v: 1 }], deep: { x: { trace: "s" } }, trace: 1 };
    expect(rows(a, b, o)).toEqual([]);
    expect(rows(a, { ...b, items: [{ id: "a", at: 2, v: 9 }] }, o)).toEqual([
      ["$.output.items[?(@.id=='a')].v", "changed", 1, 9],
    ]);
  });

  it("compares payload references by hash wherever they sit", () => {
    const ref = (c: string, at: string) => ({ $ref: at, bytes: 10, sha256: c.repeat(64) });
    expect(rows({ doc: ref("a", "s3://1") }, { doc: ref("a", "s3://2") })).toEqual([]);
    expect(rows({ doc: ref("a", "s3://1") }, { doc: ref("b", "s3://1") })).toEqual([
      ["$.output.doc", "changed", ref("a", "s3://1"), ref("b", "s3://1")],
    ]);
  });

  it("keeps a JSON key named __proto__ as a plain key", () => {
    const a = JSON.parse('{"__proto__": {"x": 1}, "y": [1]}');
    const b = JSON.parse('{"__proto__": {"x": 1}, "y": "1"}');
    expect(rows(a, b)).toEqual([["$.output.y", "type", [1], "1"]]);
  });
});
