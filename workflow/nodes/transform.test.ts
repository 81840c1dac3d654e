import { describe, expect, it } from "vitest";
import { nodeFailure, testEnv, testNode } from "./test-kit.ts";
import { runTransform } from "./transform.ts";

const scope = {
  input: { words: ["a", "bb", "ccc"] },
  results: { in: { words: ["a", "bb", "ccc"] }, other: 5 },
};

describe("runTransform", () => {
  it("returns the script's value; the step input is its dependencies' outputs", async () => {
    const node = testNode(
      "lens",
      "transform",
      { script: "return input.words.map(w => w.length).concat(results.other)" },
      ["in"],
    );
    const outcome = await runTransform(node, scope, testEnv());
    expect(outcome.output).toEqual([1, 2, 3, 5]);
    expect(outcome.input).toEqual({ nodes: { in: scope.results.in } });
    expect([outcome.tokens, outcome.costUsd, outcome.model]).toEqual([null, 0, null]);
  });

  it("applies the env's sandbox limits", async () => {
    const node = testNode("spin", "transform", { script: "for (;;) {}" });
    const err = await nodeFailure(runTransform(node, scope, { ...testEnv(), sandbox: { timeoutMs: 30 } }));
    expect(err.code).toBe("SCRIPT_TIMEOUT");
  });
});
