import { describe, expect, it } from "vitest";
import { costOf, findModel, modelNames } from "./catalog.ts";

describe("model catalog", () => {
  it("prices a call from per-million-token rates", () => {
    expect(costOf("gpt-4o-mini", { input: 1_000_000, output: 500_000, total: 1_500_000 })).toBe(0.45);
    expect(costOf("gpt-4o", { input: 1000, output: 100, total: 1100 })).toBe(0.0035);
  });

  it("refuses a model it does not know, naming it", () => {
    expect(findModel("gpt-99")).toBeUndefined();
    expect(findModel("toString")).toBeUndefined();
    expect(() => costOf("gpt-99", { input: 1, output: 1, total: 2 })).toThrowError(/gpt-99/);
    expect(modelNames()).toContain("gpt-4o-mini");
  });
});
