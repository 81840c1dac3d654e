import { describe, expect, it } from "vitest";
import type { CompiledNode } from "../compiled.ts";
import { runNode } from "./index.ts";
import { EchoProvider, nodeFailure, testEnv, testNode } from "./test-kit.ts";

describe("runNode", () => {
  it("dispatches every node type to its task", async () => {
    const env = testEnv(new EchoProvider());
    const scope = { input: { n: 2, list: [1, 2] }, results: { in: { n: 2, list: [1, 2] } } };
    const answers = await Promise.all([
      runNode(testNode("in", "input", {}), scope, env),
      runNode(
        testNode("l", "llm", { prompt: "n={{input.n}}", model: "m", outputFormat: "text" }),
        scope,
        env,
      ),
      runNode(testNode("t", "transform", { script: "return input.n * 3" }), scope, env),
      runNode(testNode("b", "branch", { condition: "input.n === 2" }), scope, env),
      runNode(
        testNode("m", "map", {
          items: "input.list",
          task: { type: "transform", config: { script: "return -item" } },
          concurrency: 1,
        }),
        scope,
        env,
      ),
      runNode(testNode("o", "output", {}, ["in"]), scope, env),
    ]);
    expect(answers.map((a) => a.output)).toEqual([scope.input, "echo:n=2", 6, true, [-1, -2], scope.input]);
  });

  it("fails an http node whose host is not allowed, and an unknown type, with clear codes", async () => {
    const env = testEnv();
    const http = testNode("h", "http", {
      method: "GET",
      url: "https://example.com",
      headers: {},
      sideEffecting: false,
    });
    expect((await nodeFailure(runNode(http, { input: {}, results: {} }, env))).code).toBe("HTTP_NOT_ALLOWED");
    const odd = { ...testNode("x", "input", {}), type: "teleport" } as unknown as CompiledNode;
    const err = await nodeFailure(runNode(odd, { input: {}, results: {} }, env));
    expect(err.code).toBe("INTERNAL");
    expect(err.message).toContain("teleport");
  });
});
