// Do cutover's Convex functions follow Convex's conventions? A returns validator on every function, nothing but the run's id scheduled.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const modules = import.meta.glob("../convex/**/*.ts");

async function registered(): Promise<[string, { isHttp?: boolean; exportReturns?: () => string }][]> {
  const out: [string, { isHttp?: boolean; exportReturns?: () => string }][] = [];
  for (const [path, load] of Object.entries(modules)) {
    if (path.includes("_generated") || path.endsWith(".test.ts")) continue;
    const mod = (await load()) as Record<string, unknown>;
    for (const [name, fn] of Object.entries(mod)) {
      if (typeof fn === "function" && ("exportArgs" in fn || "isHttp" in fn)) {
        out.push([`${path.replace(/^.*convex\//, "").replace(/\.ts$/, "")}:${name}`, fn as never]);
      }
    }
  }
  return out;
}

describe("Convex conventions", () => {
  it("every query, mutation and action declares what it returns (http actions excepted)", async () => {
    const fns = await registered();
    expect(fns.length).toBeGreaterThan(50);
    const missing = fns
      .filter(([, fn]) => !fn.isHttp)
      .filter(([, fn]) => fn.exportReturns === undefined || JSON.parse(fn.exportReturns()) === null)
      .map(([name]) => name);
    expect(missing).toEqual([]);
  });

  it("the executing action is scheduled with the run's id alone, never its input", () => {
    const runs = readFileSync(new URL("../convex/cutover/runs.ts", import.meta.url), "utf8");
    const execute = readFileSync(new URL("../convex/cutover/execute.ts", import.meta.url), "utf8");
    for (const text of [runs, execute]) {
      for (const call of text.match(/runAfter\([^)]*\)/g) ?? []) expect(call).not.toMatch(/inputJson/);
    }
  });
});
