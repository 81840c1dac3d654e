import { describe, expect, it } from "vitest";
import { expressionSyntaxError, functionBodySyntaxError } from "./script-syntax.ts";

describe("functionBodySyntaxError", () => {
  it("accepts a body using the script scope and returns null", () => {
    expect(
      functionBodySyntaxError("const n = results.a.length;\nreturn { n, item, index, input };"),
    ).toBeNull();
  });

  it("names the parser's complaint for a broken body", () => {
    expect(functionBodySyntaxError("return {")).toBe("Unexpected end of input (line 1)");
    expect(functionBodySyntaxError("const a = 1;\nconst b = ;\nreturn a;")).toBe(
      "Unexpected token ';' (line 2)",
    );
  });

  it("rejects a body that closes the function to smuggle code outside it", () => {
    expect(functionBodySyntaxError("}); globalThis.pwned = 1; (function(){")).not.toBeNull();
    expect((globalThis as any).pwned).toBeUndefined();
  });

  it("never runs the script", () => {
    expect(functionBodySyntaxError("globalThis.ranScript = true; return 1;")).toBeNull();
    expect((globalThis as any).ranScript).toBeUndefined();
  });
});

describe("expressionSyntaxError", () => {
  it("accepts expressions, including arrows, calls and comma sequences", () => {
    for (const e of [
      "input.x > 1",
      "nodes.a.ok === true && input.tier !== 'free'",
      "input.items.map((x) => x.id)",
      "(a, b)",
      "a // trailing comment",
    ])
      expect(expressionSyntaxError(e), e).toBeNull();
  });

  it("rejects statements smuggled by closing the wrapper", () => {
    expect(expressionSyntaxError("1); globalThis.pwned = 1; (2")).toBe("not a single expression");
    expect(expressionSyntaxError("1) + (2")).toBe("not a single expression");
    expect(expressionSyntaxError("1], x(), [2")).not.toBeNull();
    expect(expressionSyntaxError("x; y")).not.toBeNull();
  });

  it("rejects statements, templates and empty text", () => {
    expect(expressionSyntaxError("if (a) b")).not.toBeNull();
    expect(expressionSyntaxError("{{input.items}}")).not.toBeNull();
    expect(expressionSyntaxError("   ")).toBe("empty expression");
    expect(expressionSyntaxError("...a")).not.toBeNull();
  });
});
