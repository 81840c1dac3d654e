import { describe, expect, it } from "vitest";
import { runInput } from "./input.ts";
import { testNode } from "./test-kit.ts";

describe("runInput", () => {
  it("yields the run input as output and step input, with no usage", async () => {
    const input = { text: "hello", n: [1, 2] };
    const outcome = await runInput(testNode("in", "input", {}), { input, results: {} });
    expect(outcome).toEqual({ output: input, input, tokens: null, costUsd: 0, model: null });
  });
});
