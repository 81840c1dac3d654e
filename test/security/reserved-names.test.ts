// Attack: a graph whose node id or variable name is a JavaScript object internal. As a key of the results
// or of the input, `__proto__` replaces the object's prototype instead of holding the node's output (the
// output was lost downstream), and `constructor`/`prototype` read what no node wrote. The compiler refuses them.
import { describe, expect, it } from "vitest";
import { compileWorkflow, ValidationCode } from "../../workflow/compile.ts";
import { chain, edge, llmData, node } from "../graphs.ts";

const RESERVED = ["__proto__", "constructor", "prototype"];

function errorsOf(doc: unknown) {
  const result = compileWorkflow(doc);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.errors;
}

describe("reserved names are refused by the compiler", () => {
  it.each(RESERVED)("a node id %s whose output a later node reads is refused with RESERVED_NAME", (id) => {
    const doc = chain([
      node(id, "transform", { script: "return { secret: 1 };" }),
      node("reader", "llm", llmData(`Use {{nodes.${id}.secret}}`)),
    ]);
    const errors = errorsOf(doc);
    expect(errors).toEqual([
      {
        code: ValidationCode.RESERVED_NAME,
        path: "nodes[1].id",
        message: expect.stringContaining(`node id "${id}" is reserved`),
      },
    ]);
    expect(errors[0].message).toMatch(/JavaScript object internals/);
  });

  it.each(RESERVED)("a variable named %s is refused with RESERVED_NAME", (name) => {
    const doc = chain([node("summarize", "llm", llmData(`Summarize {{input.${name}}}`))], {
      variables: [
        { name: "text", type: "string" },
        { name, type: "string" },
      ],
    });
    expect(errorsOf(doc)).toEqual([
      {
        code: ValidationCode.RESERVED_NAME,
        path: "variables[1].name",
        message: expect.stringContaining(`variable "${name}" is reserved`),
      },
    ]);
  });

  it("a __proto__ node id is reported once even when edges and templates use it", () => {
    const doc = {
      name: "proto",
      nodes: [
        node("input", "input"),
        node("__proto__", "transform", { script: "return 1;" }),
        node("output", "output"),
      ],
      edges: [edge("input", "__proto__"), edge("__proto__", "output")],
    };
    expect(errorsOf(doc).map((e) => e.code)).toEqual([ValidationCode.RESERVED_NAME]);
  });

  it("names that only look like them still compile", () => {
    const doc = chain(
      [node("Constructor", "transform", { script: "return 1;" }), node("proto_", "llm", llmData())],
      {
        variables: [
          { name: "text", type: "string" },
          { name: "prototypes", type: "string" },
        ],
      },
    );
    expect(compileWorkflow(doc).ok).toBe(true);
  });
});
