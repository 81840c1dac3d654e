import { describe, expect, it } from "vitest";
import { orderGraph } from "./graph-order.ts";

const deps = (entries: Record<string, string[]>) => new Map(Object.entries(entries));

describe("orderGraph", () => {
  it("orders dependencies first and breaks ties by id, whatever the input order", () => {
    const d = deps({ out: ["b", "a"], b: ["in"], a: ["in"], in: [], c: ["in"] });
    expect(orderGraph(["out", "b", "a", "in", "c"], d).order).toEqual(["in", "a", "b", "c", "out"]);
    expect(orderGraph(["c", "in", "a", "out", "b"], d).order).toEqual(["in", "a", "b", "c", "out"]);
  });

  it("uses code-unit order, not locale order", () => {
    expect(orderGraph(["b", "B", "a", "_"], deps({})).order).toEqual(["B", "_", "a", "b"]);
  });

  it("reports each cycle in edge order from its smallest id and orders the rest", () => {
    const d = deps({ a: ["in", "c"], b: ["a"], c: ["b"], x: ["y"], y: ["x"], z: ["c"], in: [] });
    const { order, cycles } = orderGraph(["in", "a", "b", "c", "x", "y", "z"], d);
    expect(order).toEqual(["in"]);
    expect(cycles).toEqual([
      ["a", "b", "c"],
      ["x", "y"],
    ]);
  });

  it("handles a 20,000-node chain without recursion limits", () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `n${String(i).padStart(5, "0")}`);
    const d = new Map(ids.map((id, i) => [id, i === 0 ? [ids[ids.length - 1]] : [ids[i - 1]]]));
    const { cycles } = orderGraph(ids, d);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(20_000);
  });
});
