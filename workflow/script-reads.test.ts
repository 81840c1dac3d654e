// Does a script get every result it reads, and only those when that is certain? The static reads, every way to
// read results dynamically (which must pass everything), and scripts answering alike either way.
import { describe, expect, it } from "vitest";
import { runScript } from "./sandbox.ts";
import { resultKeysRead, resultsRead } from "./script-reads.ts";

describe("resultKeysRead", () => {
  it.each([
    ["return results.a.x + nodes.b", ["a", "b"]],
    [
      "return results?.a ?? results['b'] ?? nodes[\"c\"] ?? nodes[ 0 ] ?? results?.[`d`]",
      ["a", "b", "c", "0", "d"],
    ],
    ["return results . a", ["a"]],
    ["return input.results.length + item.nodes", []],
    ["return input.text", []],
    ["const myresults = 1; return myresults", []],
  ])("%s reads %j", (source, keys) => {
    expect(resultKeysRead(source)).toEqual(keys);
  });

  it.each([
    "return Object.keys(results)",
    "return results[input.key]",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a script's template literal, as the script has it
    "return results[`${'a'}`]",
    "return { ...nodes }",
    "return 'a' in results",
    "return results === nodes",
    "const r = results; return r.a",
    "return arguments[1].a",
    "return eval('res' + 'ults').a",
    "return res\\u0075lts.a",
    "return __s.results.a",
    "return JSON.parse(__scopeJson).results",
    "return results.hasOwnProperty('a')",
    "return results.constructor",
    "return results.__proto__",
    "return results['a\\'b']",
    "return results",
    "return results.a + results[1 + 1]",
    "return [1].map(results => results.a)",
  ])("%s may read any result", (source) => {
    expect(resultKeysRead(source)).toBeUndefined();
  });

  it("keeps only the keys read that exist, or the whole object when any may be read", () => {
    const results = { a: 1, b: 2, c: 3 };
    expect(resultsRead("return results.a + results.zz", results)).toEqual({ a: 1 });
    expect(resultsRead("return Object.keys(results)", results)).toBe(results);
  });
});

describe("scripts answer the same with only what they read", () => {
  const results = { a: { x: 1 }, b: [1, 2], c: "three", big: "x".repeat(100_000) };
  it.each([
    ["return results.a.x + nodes.b.length", 3],
    ["return Object.keys(results).sort()", ["a", "b", "big", "c"]],
    ["return results.missing === undefined && results.c", "three"],
    ["return results[['a'][0]].x", 1],
    ["return Object.keys(nodes).length", 4],
    ["return (function(){ return arguments.length })(results.a)", 1],
    ["results.d = 4; return nodes.d + results.a.x", 5],
  ])("%s", async (source, expected) => {
    await expect(runScript(source, { input: {}, results })).resolves.toEqual(expected);
  });

  it("a script that does not read a huge result runs under a memory limit smaller than it", async () => {
    const huge = { big: "x".repeat(2 * 1024 * 1024), small: 1 };
    await expect(
      runScript("return results.small", { input: {}, results: huge }, { memoryBytes: 1024 * 1024 }),
    ).resolves.toBe(1);
  });
});
