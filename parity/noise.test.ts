import { describe, expect, it } from "vitest";
import { asShadow, makeRun } from "../test/fixtures/records/make.ts";
import { compare } from "./compare.ts";
import { noisePaths } from "./noise.ts";
import { parsePolicy } from "./policy.ts";

const run = () =>
  makeRun(
    [
      { nodeId: "draft", type: "llm", input: { prompt: "Write" }, output: { text: "v1", words: 2 } },
      { nodeId: "polish", type: "llm", input: { prompt: "Polish: v1" }, output: "final v1" },
      { nodeId: "count", type: "transform", output: 3 },
    ],
    { output: { text: "final v1", meta: { model: "m" } } },
  );

describe("noisePaths", () => {
  it("returns the places two primary runs of the same input disagree on, and nothing else", () => {
    const first = run();
    const second = asShadow(first, 1000, { output: { text: "final v2", meta: { model: "m" } } });
    second.steps[0].output = { text: "v2", words: 2 };
    second.steps[1].input = { prompt: "Polish: v2" };
    second.steps[1].output = "final v2";
    expect(noisePaths(first, second)).toEqual([
      "$.output.text",
      "$.steps[?(@.name=='node-draft-llm')].output.text",
      "$.steps[?(@.name=='node-polish-llm')].input.prompt",
      "$.steps[?(@.name=='node-polish-llm')].output",
    ]);
    expect(noisePaths(first, asShadow(first))).toEqual([]);
  });

  it("a baseline's paths silence the same differences in a later comparison, but not others", () => {
    const first = run();
    const second = asShadow(first, 1000, { output: { text: "final v2", meta: { model: "m" } } });
    const policy = parsePolicy({ mode: "live", noisePaths: noisePaths(first, second) });
    const shadow = asShadow(first, 2000, { output: { text: "final v3", meta: { model: "m" } } });
    expect(compare(first, shadow, policy).verdict).toBe("match");
    const worse = asShadow(first, 2000, { output: { text: "final v3", meta: { model: "other" } } });
    const r = compare(first, worse, policy);
    expect(r.verdict).toBe("mismatch");
    expect(r.summary.topPaths).toEqual(["$.output.meta.model"]);
  });
});
