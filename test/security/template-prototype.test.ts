// Attack: template paths and script views that name a prototype key. `{{nodes.toString}}` rendered "undefined"
// (it read Object.prototype.toString), `{{input.constructor}}` read the Object function. Prototype keys now
// behave as a missing key does: unknown node ids are refused at compile time, missing paths render as "".
import { describe, expect, it } from "vitest";
import { compileWorkflow, ValidationCode } from "../../workflow/compile.ts";
import type { LlmConfig } from "../../workflow/compiled.ts";
import { runLlm } from "../../workflow/nodes/llm.ts";
import { dependencyOutputs, scriptInput } from "../../workflow/nodes/scope.ts";
import { EchoProvider, testEnv, testNode } from "../../workflow/nodes/test-kit.ts";
import { renderTemplate } from "../../workflow/template.ts";
import { chain, llmData, node } from "../graphs.ts";

const PROBES = [
  "{{nodes.toString}}",
  "{{results.valueOf}}",
  "{{nodes.hasOwnProperty}}",
  "{{input.__proto__}}",
  "{{input.constructor}}",
  "{{input.constructor.name}}",
  "{{input.text.constructor}}",
  "{{nodes.facts.__proto__}}",
  "{{nodes.facts.list.constructor}}",
];

describe("prototype keys never resolve in templates", () => {
  it.each(PROBES)("%s renders as a missing value, never 'undefined' or a function", (probe) => {
    const scope = { input: { text: "hi" }, results: { facts: { list: ["moon"] } } };
    const text = renderTemplate(`<${probe}>`, scope);
    expect(text).toBe("<>");
  });

  it("an llm prompt made of prototype probes sends no 'undefined' and no function text to the model", async () => {
    const provider = new EchoProvider();
    const config: LlmConfig = {
      prompt: `A${PROBES.join("|")}Z`,
      model: "gpt-4o-mini",
      outputFormat: "text",
    };
    const scope = { input: { text: "hi" }, results: { facts: { list: ["moon"] } } };
    await runLlm(testNode("ask", "llm", config, ["facts"]), scope, testEnv(provider));
    expect(provider.requests[0].prompt).toBe(`A${PROBES.map(() => "").join("|")}Z`);
    expect(provider.requests[0].prompt).not.toMatch(/undefined|function|native code/);
  });

  it("the compiler refuses {{nodes.toString}} as it refuses any node the graph does not have", () => {
    for (const probe of ["{{nodes.toString}}", "{{results.constructor}}", "{{nodes.__proto__.x}}"]) {
      const result = compileWorkflow(chain([node("ask", "llm", llmData(`Say ${probe}`))]));
      expect(result.ok, probe).toBe(false);
      if (!result.ok)
        expect(
          result.errors.map((e) => e.code),
          probe,
        ).toEqual([ValidationCode.TEMPLATE_UNKNOWN_NODE]);
    }
  });

  it("a skipped dependency named toString is absent from a script's view, not Object.prototype.toString", () => {
    const reader = testNode("reader", "transform", { script: "return nodes;" }, [
      "hasOwnProperty",
      "toString",
      "up",
    ]);
    const scope = { input: {}, results: { up: 1 } };
    expect(dependencyOutputs(reader, scope)).toEqual({ up: 1 });
    expect(Object.keys((scriptInput(reader, scope) as { nodes: object }).nodes)).toEqual(["up"]);
  });
});
