import { describe, expect, it } from "vitest";
import { backoffDelay, raceAbort, sleep } from "./backoff.ts";

const policy = { backoffBaseMs: 100, backoffMaxMs: 1000 };

describe("backoffDelay", () => {
  it("doubles per attempt, scaled by a jitter between half and all of it", () => {
    expect(backoffDelay(1, policy, undefined, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, undefined, () => 0.999)).toBe(100);
    expect(backoffDelay(3, policy, undefined, () => 0.999)).toBe(400);
  });
  it("never exceeds the cap", () => {
    expect(backoffDelay(20, policy, undefined, () => 0.999)).toBe(1000);
  });
  it("honours the provider's Retry-After over the schedule", () => {
    expect(backoffDelay(1, policy, 2500, () => 0)).toBe(2500);
    expect(backoffDelay(1, policy, 0, () => 0.5)).toBe(0);
  });
});

describe("sleep and raceAbort", () => {
  it("sleep rejects with the abort reason", async () => {
    const c = new AbortController();
    const p = sleep(10_000, c.signal);
    c.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
  });
  it("raceAbort settles with the promise when the signal stays quiet", async () => {
    await expect(raceAbort(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
  });
  it("raceAbort rejects with the reason when the signal fires first", async () => {
    const c = new AbortController();
    const p = raceAbort(new Promise(() => {}), c.signal);
    c.abort(new Error("gone"));
    await expect(p).rejects.toThrow("gone");
  });
});
