import { describe, expect, it } from "vitest";
import { isSampled, sampleBucket } from "./sampling.ts";

describe("isSampled", () => {
  it.each([1, 10, 25, 50, 90])("samples %i%% of 10,000 runIds within ±2 points", (pct) => {
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (isSampled(`run_${i}_${pct}`, pct)) hits++;
    expect(Math.abs(hits / 100 - pct)).toBeLessThanOrEqual(2);
  });

  it("decides the same way for the same runId", () => {
    for (let i = 0; i < 200; i++) {
      const id = `resubmit-${i}`;
      expect(isSampled(id, 37)).toBe(isSampled(id, 37));
    }
    expect(sampleBucket("a")).toBe(sampleBucket("a"));
  });

  it("never samples at 0% and always at 100%", () => {
    for (let i = 0; i < 500; i++) {
      expect(isSampled(`r${i}`, 0)).toBe(false);
      expect(isSampled(`r${i}`, 100)).toBe(true);
    }
  });
});
