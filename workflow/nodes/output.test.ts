import { describe, expect, it } from "vitest";
import { runOutput } from "./output.ts";
import { testNode } from "./test-kit.ts";

const results = { summary: "short", extract: { title: "T" }, flag: false };

describe("runOutput", () => {
  it("yields the single active source's result as is", async () => {
    const node = testNode("out", "output", {}, ["summary", "extract"]);
    const outcome = await runOutput(node, { input: {}, results, activeSources: ["extract"] });
    expect(outcome.output).toEqual({ title: "T" });
    expect(outcome.input).toEqual({ sources: ["extract"] });
    expect((await runOutput(node, { input: {}, results, activeSources: ["flag"] })).output).toBe(false);
  });

  it("yields an object keyed by the active sources' ids when there are several", async () => {
    const node = testNode("out", "output", {}, ["summary", "extract"]);
    const outcome = await runOutput(node, { input: {}, results, activeSources: ["summary", "extract"] });
    expect(outcome.output).toEqual({ extract: { title: "T" }, summary: "short" });
    expect(Object.keys(outcome.output as object)).toEqual(["extract", "summary"]);
  });

  it("without a walk, counts every incoming source that has a result", async () => {
    const node = testNode("out", "output", {}, ["summary", "gone"]);
    expect((await runOutput(node, { input: {}, results })).output).toBe("short");
  });
});
