import { describe, expect, it } from "vitest";
import { NodeError } from "./errors.ts";
import { parseTemplate, referencedNodes, renderTemplate } from "./template.ts";

const scope = {
  input: { text: "hello", user: { name: "Ada", tags: ["a", "b"] } },
  results: { extract: { title: "T", score: 0.5 }, summary: "short" },
};

describe("renderTemplate", () => {
  it("inserts strings as is and other values as JSON", () => {
    expect(renderTemplate("Say {{input.text}} to {{ input.user.name }}", scope)).toBe("Say hello to Ada");
    expect(renderTemplate("{{input.user.tags}} {{nodes.extract.score}}", scope)).toBe('["a","b"] 0.5');
    expect(renderTemplate("{{nodes.extract}}", scope)).toBe('{"title":"T","score":0.5}');
    expect(renderTemplate("{{results.summary}}!", scope)).toBe("short!");
  });

  it("renders a map task's {{item…}} and {{index}}", () => {
    const inMap = { ...scope, item: { name: "x", n: [1] }, index: 2 };
    expect(renderTemplate("#{{index}} {{item.name}} {{item.n}} {{item}}", inMap)).toBe(
      '#2 x [1] {"name":"x","n":[1]}',
    );
    expect(parseTemplate("{{item.a}}")).toEqual([{ raw: "item.a", root: "item", path: ["a"] }]);
  });

  it("renders a missing path or skipped node as empty text", () => {
    expect(renderTemplate("[{{nodes.gone.x}}][{{input.nope}}]", scope)).toBe("[][]");
  });

  it.each([
    "{{nodes.toString}}",
    "{{results.hasOwnProperty}}",
    "{{nodes.extract.constructor}}",
    "{{input.__proto__}}",
    "{{input.constructor}}",
    "{{input.user.valueOf}}",
    "{{input.user.tags.map}}",
    "{{item.constructor.name}}",
  ])("reads own properties only: %s renders as a missing value", (template) => {
    expect(renderTemplate(`[${template}]`, { ...scope, item: { n: 1 } })).toBe("[]");
  });

  it("still reads own properties of arrays, such as an index or the length", () => {
    expect(renderTemplate("{{input.user.tags.1}} {{input.user.tags.length}}", scope)).toBe("b 2");
  });

  it("reads a JSON key named __proto__ when the value has it as its own key", () => {
    const input = JSON.parse('{"__proto__": "own"}');
    expect(renderTemplate("{{input.__proto__}}", { input, results: {} })).toBe("own");
  });

  it("rejects a placeholder with an unknown root, naming it", () => {
    expect(() => renderTemplate("{{secrets.KEY}}", scope)).toThrowError(/\{\{secrets\.KEY\}\}/);
    try {
      renderTemplate("{{env.HOME}}", scope);
    } catch (err) {
      expect((err as NodeError).code).toBe("TEMPLATE_ERROR");
    }
  });
});

describe("parseTemplate", () => {
  it("lists references with node ids and paths", () => {
    expect(parseTemplate("{{input}} {{nodes.a.b.c}}")).toEqual([
      { raw: "input", root: "input", path: [] },
      { raw: "nodes.a.b.c", root: "nodes", nodeId: "a", path: ["b", "c"] },
    ]);
    expect(referencedNodes("{{nodes.a}} {{results.b.x}} {{nodes.a.y}} {{input.z}}")).toEqual(["a", "b"]);
  });

  it("rejects {{nodes}} without a node id", () => {
    expect(() => parseTemplate("{{nodes}}")).toThrowError(NodeError);
  });
});
