import { describe, expect, it } from "vitest";
import type { CompiledWorkflow } from "./compiled.ts";
import { NodeError } from "./errors.ts";
import { inputSchemaFromVariables, prepareInput } from "./input.ts";

const workflowWith = (inputSchema: Record<string, unknown>) =>
  ({ inputSchema }) as unknown as CompiledWorkflow;

describe("inputSchemaFromVariables", () => {
  it("requires variables without a default and records defaults", () => {
    expect(
      inputSchemaFromVariables([
        { name: "text", type: "string" },
        { name: "limit", type: "number", defaultValue: 3 },
        { name: "extra", type: "json" },
      ]),
    ).toEqual({
      type: "object",
      properties: { text: { type: "string" }, limit: { type: "number", default: 3 }, extra: {} },
      required: ["text", "extra"],
      additionalProperties: true,
    });
  });

  it("leaves the input unconstrained when there are no variables", () => {
    expect(inputSchemaFromVariables([])).toEqual({});
  });
});

describe("prepareInput", () => {
  const wf = workflowWith(
    inputSchemaFromVariables([
      { name: "text", type: "string" },
      { name: "limit", type: "integer", defaultValue: 3 },
      { name: "tags", type: "array", defaultValue: ["a"] },
    ]),
  );

  it("applies defaults without touching the caller's object", () => {
    const given = { text: "hi", other: true };
    const out = prepareInput(wf, given) as Record<string, unknown>;
    expect(out).toEqual({ text: "hi", other: true, limit: 3, tags: ["a"] });
    expect(given).toEqual({ text: "hi", other: true });
    (out.tags as string[]).push("b");
    expect((prepareInput(wf, { text: "x" }) as any).tags).toEqual(["a"]);
  });

  it("keeps given values over defaults", () => {
    expect(prepareInput(wf, { text: "t", limit: 9 })).toMatchObject({ limit: 9 });
  });

  it("names every missing or ill-typed variable in one INPUT_INVALID error", () => {
    try {
      prepareInput(wf, { limit: 2.5, tags: "x" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(NodeError);
      expect((err as NodeError).code).toBe("INPUT_INVALID");
      expect((err as Error).message).toContain('variable "text" is required');
      expect((err as Error).message).toContain('variable "limit" must be an integer, got a number');
      expect((err as Error).message).toContain('variable "tags" must be an array, got a string');
    }
  });

  it("rejects an input that is not an object when variables exist, and treats a missing one as {}", () => {
    expect(() => prepareInput(wf, "hello")).toThrowError(
      /must be a JSON object with the variables limit, tags, text/,
    );
    expect(() => prepareInput(wf, null)).toThrowError(/variable "text" is required/);
  });

  it("passes any input through when the workflow has no variables", () => {
    expect(prepareInput(workflowWith({}), "free text")).toBe("free text");
  });
});
