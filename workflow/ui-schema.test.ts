import { describe, expect, it } from "vitest";
import { checkUiProps, uiPropsToJsonSchema } from "./ui-schema.ts";

describe("uiPropsToJsonSchema", () => {
  it("maps every UI type, nested objects and arrays, with required from `required`", () => {
    const schema = uiPropsToJsonSchema([
      { name: "title", type: "STR", description: "Headline", required: true },
      { name: "score", type: "NUM" },
      { name: "ok", type: "BOOL", required: true },
      { name: "mood", type: "ENUM", enum: ["up", "down"] },
      { name: "who", type: "OBJ", properties: [{ name: "name", type: "STR", required: true }] },
      { name: "tags", type: "ARR", items: { name: "tag", type: "STR" } },
    ]);
    expect(schema).toEqual({
      type: "object",
      properties: {
        title: { type: "string", description: "Headline" },
        score: { type: "number" },
        ok: { type: "boolean" },
        mood: { type: "string", enum: ["up", "down"] },
        who: {
          type: "object",
          properties: { name: { type: "string" } },
          required: ["name"],
          additionalProperties: false,
        },
        tags: { type: "array", items: { type: "string" } },
      },
      required: ["title", "ok"],
      additionalProperties: false,
    });
  });
});

describe("checkUiProps", () => {
  it("accepts a well-formed list", () => {
    expect(
      checkUiProps([
        { name: "a", type: "ARR", items: { type: "OBJ", properties: [{ name: "b", type: "NUM" }] } },
      ]),
    ).toEqual([]);
  });

  it("reports every problem with its place in the list", () => {
    const problems = checkUiProps([
      { name: "a", type: "ENUM" },
      { name: "a", type: "STR" },
      { name: "list", type: "ARR" },
      { name: "obj", type: "OBJ", properties: [] },
      { name: "x", type: "DATE" },
      { type: "STR" },
    ]);
    expect(problems).toEqual([
      { at: [0, "enum"], message: 'field "a": ENUM needs a non-empty list of string values' },
      { at: [1, "name"], message: 'field name "a" is used twice' },
      { at: [2, "items"], message: 'field "list": ARR needs items' },
      { at: [3, "properties"], message: "must list at least one field" },
      { at: [4, "type"], message: 'field "x": type "DATE" is not one of STR, NUM, BOOL, ENUM, OBJ, ARR' },
      { at: [5, "name"], message: "field has no name" },
    ]);
  });

  it("rejects an empty list and a non-list", () => {
    expect(checkUiProps([])).toEqual([{ at: [], message: "must list at least one field" }]);
    expect(checkUiProps({ name: "a" })[0].message).toBe("must be a list of fields");
  });
});
