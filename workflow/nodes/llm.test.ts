import { describe, expect, it } from "vitest";
import type { LlmConfig } from "../compiled.ts";
import { runLlm } from "./llm.ts";
import { EchoProvider, nodeFailure, testEnv, testNode } from "./test-kit.ts";

const scope = { input: { topic: "tides", n: 2 }, results: { facts: { list: ["moon", "sun"] } } };

describe("runLlm", () => {
  it("renders prompt and system, asks the provider and keeps its usage", async () => {
    const provider = new EchoProvider();
    const config: LlmConfig = {
      prompt: "Write {{input.n}} lines on {{input.topic}} using {{nodes.facts.list}}",
      system: "You write about {{input.topic}}.",
      model: "gpt-4o-mini",
      outputFormat: "text",
      temperature: 0.2,
    };
    const outcome = await runLlm(testNode("write", "llm", config, ["facts"]), scope, testEnv(provider));
    const request = {
      nodeId: "write",
      model: "gpt-4o-mini",
      prompt: 'Write 2 lines on tides using ["moon","sun"]',
      system: "You write about tides.",
      outputFormat: "text",
      temperature: 0.2,
    };
    expect(provider.requests).toEqual([request]);
    expect(outcome.input).toEqual(request);
    expect(outcome.output).toBe(`echo:${request.prompt}`);
    const used = request.prompt.length + request.system.length;
    expect(outcome.tokens).toEqual({ input: used, output: 2, total: used + 2 });
    expect(outcome.costUsd).toBeCloseTo((used + 2) / 1e6, 12);
    expect(outcome.model).toBe("gpt-4o-mini-2024");
    expect(outcome.settings).toEqual({
      model: "gpt-4o-mini",
      temperature: 0.2,
      api: "chat",
      outputFormat: "text",
    });
  });

  it("passes schema and api through for json output and leaves absent fields absent", async () => {
    const provider = new EchoProvider();
    const schema = { type: "object", properties: { title: { type: "string" } }, required: ["title"] };
    const config: LlmConfig = {
      prompt: "{{input.topic}}",
      model: "m",
      outputFormat: "json",
      schema,
      api: "responses",
    };
    const outcome = await runLlm(testNode("x", "llm", config), scope, testEnv(provider));
    expect(provider.requests[0]).toEqual({
      nodeId: "x",
      model: "m",
      prompt: "tides",
      outputFormat: "json",
      schema,
      api: "responses",
    });
    expect(outcome.output).toEqual({ prompt: "tides" });
  });

  it("lets a provider failure through as is", async () => {
    const failing = {
      name: "down",
      complete: async () =>
        Promise.reject(
          new (await import("../errors.ts")).NodeError("PROVIDER_RATE_LIMIT", "slow down", {
            retryable: true,
          }),
        ),
    };
    const err = await nodeFailure(
      runLlm(
        testNode("x", "llm", { prompt: "p", model: "m", outputFormat: "text" }),
        scope,
        testEnv(failing),
      ),
    );
    expect([err.code, err.retryable]).toEqual(["PROVIDER_RATE_LIMIT", true]);
  });

  it("fails a malformed placeholder with TEMPLATE_ERROR before calling the provider", async () => {
    const provider = new EchoProvider();
    const err = await nodeFailure(
      runLlm(
        testNode("x", "llm", { prompt: "{{env.HOME}}", model: "m", outputFormat: "text" }),
        scope,
        testEnv(provider),
      ),
    );
    expect(err.code).toBe("TEMPLATE_ERROR");
    expect(provider.requests).toHaveLength(0);
  });
});
