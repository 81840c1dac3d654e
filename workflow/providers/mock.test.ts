import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { costOf } from "../catalog.ts";
import { ErrorCode, NodeError } from "../errors.ts";
import type { LlmRequest } from "../provider.ts";
import { createMockProvider } from "./mock.ts";

const ajv = new Ajv({ allErrors: true, strict: false });

const summary: LlmRequest = {
  nodeId: "summarise",
  model: "gpt-4o-mini",
  prompt: "Summarise this customer review: the blender is powerful but the lid cracked after a week.",
  outputFormat: "text",
};

const schemas: Record<string, Record<string, unknown>> = {
  flat: {
    type: "object",
    properties: {
      title: { type: "string" },
      score: { type: "number" },
      count: { type: "integer", minimum: 1, maximum: 5 },
      urgent: { type: "boolean" },
    },
    required: ["title", "score", "count", "urgent"],
  },
  enums: {
    type: "object",
    properties: {
      sentiment: { type: "string", enum: ["positive", "neutral", "negative"] },
      language: { type: "string", enum: ["en"] },
    },
    required: ["sentiment", "language"],
  },
  nested: {
    type: "object",
    properties: {
      customer: {
        type: "object",
        properties: { name: { type: "string" }, email: { type: "string" }, address: { type: "object" } },
        required: ["name", "email"],
      },
      items: {
        type: "array",
        items: {
          type: "object",
          properties: {
            sku: { type: "string" },
            quantity: { type: "integer" },
            tags: { type: "array", items: { type: "string" } },
          },
          required: ["sku", "quantity"],
          additionalProperties: false,
        },
      },
    },
    required: ["customer", "items"],
  },
  bounded: {
    type: "object",
    properties: {
      codes: {
        type: "array",
        items: { type: "string", enum: ["a", "b", "c", "d"] },
        minItems: 2,
        maxItems: 2,
        uniqueItems: true,
      },
      ratio: { type: "number", minimum: 0, maximum: 1 },
      short: { type: "string", maxLength: 4 },
      optional: { type: ["string", "null"] },
    },
    required: ["codes", "ratio", "short"],
    additionalProperties: false,
  },
  topLevelArray: { type: "array", items: { type: "string" } },
};

function jsonRequest(
  name: string,
  prompt = "Extract the order from: two red mugs for Ada Lovelace.",
): LlmRequest {
  return { nodeId: `extract-${name}`, model: "gpt-4o", prompt, outputFormat: "json", schema: schemas[name] };
}

describe("mock provider", () => {
  it("answers the same request with the same result, and another request differently", async () => {
    const mock = createMockProvider();
    const first = await mock.complete(summary);
    expect(await createMockProvider().complete({ ...summary })).toEqual(first);
    expect((await mock.complete({ ...summary, prompt: `${summary.prompt} It was loud.` })).output).not.toBe(
      first.output,
    );
    expect((await mock.complete({ ...summary, nodeId: "other" })).output).not.toBe(first.output);
  });

  it("writes a recognisably mock sentence from the prompt's words", async () => {
    const { output } = await createMockProvider().complete(summary);
    expect(output).toMatch(/^\[mock [0-9a-f]{6}\] /);
    const words = (output as string).replace(/^\[mock [0-9a-f]{6}\] /, "").match(/[a-z]{4,}/g) ?? [];
    const fromPrompt = words.filter((w) => summary.prompt.toLowerCase().includes(w));
    expect(fromPrompt.length).toBeGreaterThanOrEqual(3);
  });

  it("answers differently under a different salt, and identically under the same one", async () => {
    const plain = await createMockProvider().complete(summary);
    const salted = await createMockProvider({ salt: "shadow" }).complete(summary);
    expect(salted.output).not.toBe(plain.output);
    expect((await createMockProvider({ salt: "shadow" }).complete(summary)).output).toBe(salted.output);
    const json = jsonRequest("flat");
    expect((await createMockProvider({ salt: "x" }).complete(json)).output).not.toEqual(
      (await createMockProvider().complete(json)).output,
    );
  });

  it.each(Object.keys(schemas))("produces JSON satisfying the %s schema, deterministically", async (name) => {
    const mock = createMockProvider();
    const validate = ajv.compile(schemas[name]);
    for (const prompt of ["Extract the order.", "Classify: great service, slow delivery.", "x"]) {
      const result = await mock.complete(jsonRequest(name, prompt));
      expect(validate(result.output), JSON.stringify(validate.errors)).toBe(true);
      expect((await mock.complete(jsonRequest(name, prompt))).output).toEqual(result.output);
    }
  });

  it("fills every declared property, nests objects and keeps arrays between 1 and 3 items", async () => {
    const mock = createMockProvider();
    const lengths = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const { output } = (await mock.complete(
        jsonRequest("nested", `order number ${i} for the shop`),
      )) as any;
      expect(Object.keys(output.customer).sort()).toEqual(["address", "email", "name"]);
      expect(output.customer.email).toMatch(/@example\.com$/);
      expect(output.items.length).toBeGreaterThanOrEqual(1);
      expect(output.items.length).toBeLessThanOrEqual(3);
      lengths.add(output.items.length);
    }
    expect(lengths.size).toBeGreaterThan(1);
  });

  it("picks enum values by the hash, not always the first", async () => {
    const mock = createMockProvider();
    const picked = new Set<string>();
    for (let i = 0; i < 20; i++) {
      picked.add(((await mock.complete(jsonRequest("enums", `review ${i}`))).output as any).sentiment);
    }
    expect(picked.size).toBeGreaterThan(1);
  });

  it("reports tokens of about a quarter of the characters, the requested model and catalog cost", async () => {
    const result = await createMockProvider().complete({ ...summary, temperature: 0, api: "responses" });
    expect(result.tokens.input).toBe(Math.ceil(summary.prompt.length / 4));
    expect(result.tokens.output).toBe(Math.ceil((result.output as string).length / 4));
    expect(result.tokens.total).toBe(result.tokens.input + result.tokens.output);
    expect(result.costUsd).toBe(costOf("gpt-4o-mini", result.tokens));
    expect(result.model).toBe("gpt-4o-mini");
    expect(result.settings).toEqual({
      model: "gpt-4o-mini",
      temperature: 0,
      api: "responses",
      outputFormat: "text",
    });
    const tiny = await createMockProvider().complete({ ...summary, prompt: "" });
    expect(tiny.tokens.input).toBe(1);
  });

  it("refuses a model outside the catalog, as the real provider's pricing would", async () => {
    const err = await createMockProvider()
      .complete({ ...summary, model: "gpt-99" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(NodeError);
    expect(err.code).toBe(ErrorCode.MODEL_UNKNOWN);
  });

  it("waits its latency but stops at once when the signal aborts", async () => {
    const controller = new AbortController();
    const pending = createMockProvider({ latencyMs: 60_000 }).complete(summary, controller.signal);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.CANCELED });
    const aborted = AbortSignal.abort();
    await expect(createMockProvider().complete(summary, aborted)).rejects.toMatchObject({
      code: ErrorCode.CANCELED,
    });
  });

  it("refuses a negative latency", () => {
    expect(() => createMockProvider({ latencyMs: -1 })).toThrowError(/latency/);
  });
});
