import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { removeStacks, resignResponse } from "./serve-errors.ts";

const STACK =
  "Error: boom\n    at run (/srv/app/executors/inngest/orchestrator.ts:10:5)\n    at async Promise.all (index 0)";

describe("removeStacks", () => {
  it("empties the stack of an SDK-serialised error in any status, and reports it", () => {
    const step = [
      {
        id: "s",
        op: "StepError",
        error: { __serialized: true, name: "Error", message: "boom", stack: STACK },
      },
    ];
    const { body, removed } = removeStacks(JSON.stringify(step), 206);
    expect(JSON.parse(body)[0].error).toEqual({
      __serialized: true,
      name: "Error",
      message: "boom",
      stack: "",
    });
    expect(removed).toEqual([{ name: "Error", message: "boom", stack: STACK }]);
  });

  it("leaves a success's own data alone, even a field named stack, as the same string", () => {
    const text = JSON.stringify({ output: { stack: ["a", "b"], trace: "at home" }, stack: "LIFO" });
    const out = removeStacks(text, 200);
    expect(out.body).toBe(text);
    expect(out.removed).toEqual([]);
  });

  it("empties every stack string of an error status, nested causes included", () => {
    const text = JSON.stringify({
      type: "internal",
      message: "x",
      stack: STACK,
      cause: { message: "y", stack: STACK },
    });
    const { body, removed } = removeStacks(text, 500);
    expect(JSON.parse(body)).toEqual({
      type: "internal",
      message: "x",
      stack: "",
      cause: { message: "y", stack: "" },
    });
    expect(removed).toHaveLength(2);
  });

  it("drops frame lines from an error's message and from a body that is not JSON", () => {
    const json = removeStacks(
      JSON.stringify({ __serialized: true, name: "E", message: STACK, stack: "" }),
      500,
    );
    expect(JSON.parse(json.body).message).toBe("Error: boom");
    const text = removeStacks(`failed\n${STACK}`, 500);
    expect(text.body).toBe("failed\nError: boom\n");
  });
});

describe("resignResponse", () => {
  const sign = (key: string, body: string, ts: string) =>
    `t=${ts}&s=${createHmac("sha256", key.replace(/^signkey-\w+-/, ""))
      .update(body + ts)
      .digest("hex")}`;

  it("signs the changed body with the key that signed the original (here the fallback)", () => {
    const [current, fallback] = [`signkey-prod-${"1".repeat(64)}`, `signkey-prod-${"2".repeat(64)}`];
    const resigned = resignResponse("old", "new", sign(fallback, "old", "100"), [current, fallback]);
    const t = new URLSearchParams(resigned).get("t") as string;
    expect(resigned).toBe(sign(fallback, "new", t));
  });

  it("gives nothing when no key signed the original", () => {
    expect(resignResponse("old", "new", "t=1&s=00", [`signkey-test-${"1".repeat(64)}`])).toBeUndefined();
  });
});
