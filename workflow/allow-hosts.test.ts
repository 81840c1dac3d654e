import { describe, expect, it } from "vitest";
import { allowHostsFromEnv, isHostAllowed } from "./allow-hosts.ts";

describe("isHostAllowed", () => {
  it("matches exact hosts case-insensitively and wildcards on subdomains only", () => {
    const list = ["api.example.com", "*.internal.test"];
    expect(isHostAllowed("API.example.com", list)).toBe(true);
    expect(isHostAllowed("a.b.internal.test", list)).toBe(true);
    expect(isHostAllowed("internal.test", list)).toBe(false);
    expect(isHostAllowed("evilinternal.test", list)).toBe(false);
    expect(isHostAllowed("example.com", list)).toBe(false);
    expect(isHostAllowed("api.example.com.evil.io", list)).toBe(false);
  });
});

describe("allowHostsFromEnv", () => {
  it("splits, trims and lowercases CUTOVER_HTTP_ALLOW_HOSTS", () => {
    expect(allowHostsFromEnv({ CUTOVER_HTTP_ALLOW_HOSTS: " A.com, ,*.b.io" })).toEqual(["a.com", "*.b.io"]);
    expect(allowHostsFromEnv({})).toEqual([]);
  });
});
