import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, parsePolicy } from "./policy.ts";

describe("parsePolicy", () => {
  it("fills missing fields with the defaults", () => {
    expect(parsePolicy({})).toEqual(DEFAULT_POLICY);
    expect(parsePolicy(undefined)).toEqual(DEFAULT_POLICY);
    expect(parsePolicy({ mode: "live", ignorePaths: ["$.output.at"] })).toEqual({
      ...DEFAULT_POLICY,
      mode: "live",
      ignorePaths: ["$.output.at"],
    });
    expect(DEFAULT_POLICY.relativeTolerance).toBe(1e-9);
  });

  it("returns a frozen policy", () => {
    const p = parsePolicy({ ignorePaths: ["a"] });
    expect(Object.isFrozen(p) && Object.isFrozen(p.ignorePaths)).toBe(true);
  });

  it("names the bad field", () => {
    expect(() => parsePolicy({ mode: "shadow" })).toThrow(/policy field "mode"/);
    expect(() => parsePolicy({ relativeTolerance: -1 })).toThrow(/policy field "relativeTolerance"/);
    expect(() => parsePolicy({ tokenTolerancePct: "10" })).toThrow(/policy field "tokenTolerancePct"/);
    expect(() => parsePolicy({ ignorePaths: ["$.ok", "$.a..b"] })).toThrow(
      /policy field "ignorePaths\[1\]": bad path "\$\.a\.\.b"/,
    );
    expect(() => parsePolicy({ noisePaths: "x" })).toThrow(/policy field "noisePaths"/);
    expect(() => parsePolicy({ ignorePath: ["x"] })).toThrow(/unknown field "ignorePath"/);
    expect(() => parsePolicy([])).toThrow(/policy/);
  });
});
