import { describe, expect, it } from "vitest";
import { covers, type Path, parsePattern, parseRenderedPath, renderPath } from "./paths.ts";

const step: Path = ["steps", { by: "name", value: "node-draft-llm", alias: "draft" }, "output", "text"];

describe("paths", () => {
  it("renders JSONPath with filters for keyed elements and brackets for odd keys", () => {
    expect(renderPath(["output", "items", { by: "id", value: "a" }, "price"])).toBe(
      "$.output.items[?(@.id=='a')].price",
    );
    expect(renderPath(step)).toBe("$.steps[?(@.name=='node-draft-llm')].output.text");
    expect(renderPath(["output", "a.b", 3, "it's"])).toBe("$.output['a.b'][3]['it\\'s']");
    // Escaping applies to backslashes alone, quotes alone and both; plain ids are written as they are.
    expect(renderPath([{ by: "id", value: "a\\b" }, "c\\'d", { by: "id", value: "plain-id_1" }])).toBe(
      "$[?(@.id=='a\\\\b')]['c\\\\\\'d'][?(@.id=='plain-id_1')]",
    );
  });

  it("a rendered path parses back into a rule that covers exactly that place", () => {
    const odd: Path = ["output", "a.b", 3, "it's", { by: "id", value: "x'y" }];
    for (const path of [step, odd]) {
      const rule = parsePattern(renderPath(path));
      expect(covers([rule], path)).toBe(true);
      expect(covers([rule], [...path, "below"])).toBe(true);
      expect(covers([rule], path.slice(0, -1))).toBe(false);
    }
  });

  it("reads a rendered path back into its segments", () => {
    const odd: Path = ["output", "a.b", 3, "it's", { by: "id", value: "x'y" }];
    expect(parseRenderedPath(renderPath(odd))).toEqual(odd);
    expect(parseRenderedPath(renderPath(step), "draft")).toEqual(step);
    expect(parseRenderedPath("output.x")).toBeNull();
    expect(parseRenderedPath("$.output[oops]")).toBeNull();
  });

  it("matches literals, * and ** against keys, indexes, ids, step names and nodeIds", () => {
    const rule = (t: string) => [parsePattern(t)];
    expect(covers(rule("steps.*.output.text"), step)).toBe(true);
    expect(covers(rule("steps.draft.output"), step)).toBe(true);
    expect(covers(rule("steps.node-draft-llm"), step)).toBe(true);
    expect(covers(rule("steps.other.output"), step)).toBe(false);
    expect(covers(rule("**.text"), step)).toBe(true);
    expect(covers(rule("$.steps.**"), step)).toBe(true);
    expect(covers(rule("**.missing"), step)).toBe(false);
    expect(covers(rule("$.output.items[*].id"), ["output", "items", 4, "id"])).toBe(true);
    expect(covers(rule("$.output.items[4]"), ["output", "items", 4, "id"])).toBe(true);
    expect(covers(rule("$.output.items[3]"), ["output", "items", 4, "id"])).toBe(false);
    expect(covers(rule("output.generatedAt"), ["output", "generatedAt"])).toBe(true);
    expect(covers(rule("output.generatedAt"), ["output", "generated"])).toBe(false);
  });

  it("rejects malformed rules with the position of the problem", () => {
    expect(() => parsePattern("")).toThrow(/empty path/);
    expect(() => parsePattern("$.output..x")).toThrow(/character 10: empty segment/);
    expect(() => parsePattern("$.output[abc]")).toThrow(/cannot read \[abc\]/);
    expect(() => parsePattern("$.output['x'")).toThrow(/unclosed \[/);
  });
});
