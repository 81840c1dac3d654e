import { afterEach, describe, expect, it } from "vitest";
import { isSecretHeader, REDACTED, redact, SecretPatternError } from "./redact.ts";

describe("redact", () => {
  it("replaces secret keys, secret-looking strings and configured paths, leaving usage fields alone", () => {
    const value = {
      headers: { Authorization: "Bearer abcdefghijkl", "x-api-key": "k-123" },
      note: "key sk-abcdefghijklmnopqrstuvwx in text",
      tokens: { input: 1, output: 2, total: 3 },
      input: { customer: { ssn: "123-45-6789", name: "Ada" } },
    };
    const out = redact(value, ["input.customer.ssn"]);
    expect(out.headers.Authorization).toBe(REDACTED);
    expect(out.headers["x-api-key"]).toBe(REDACTED);
    expect(out.note).toBe(`key ${REDACTED} in text`);
    expect(out.tokens).toEqual({ input: 1, output: 2, total: 3 });
    expect(out.input.customer).toEqual({ ssn: REDACTED, name: "Ada" });
    expect(value.headers.Authorization).toBe("Bearer abcdefghijkl");
  });

  it("matches * in a path against any key or index", () => {
    expect(redact({ items: [{ pw: "a" }, { pw: "b" }] }, ["items.*.pw"])).toEqual({
      items: [{ pw: REDACTED }, { pw: REDACTED }],
    });
  });
});

describe("isSecretHeader", () => {
  afterEach(() => {
    delete process.env.CUTOVER_SECRET_HEADER_PATTERN;
  });

  it.each([
    "Authorization",
    "proxy-authorization",
    "Cookie",
    "Set-Cookie",
    "X-Auth-Token",
    "X-Custom-Auth",
    "api-key",
    "X-API-Key",
    "x-api_key",
    "X-Access-Token",
    "X-Client-Secret",
    "X-Password",
    "passwd",
    "Idempotency-Key",
  ])("%s is secret by default", (name) => {
    expect(isSecretHeader(name)).toBe(true);
  });

  it.each(["Content-Type", "Accept", "X-Request-Id", "User-Agent", "X-Tenant", "Cache-Control"])(
    "%s is not",
    (name) => {
      expect(isSecretHeader(name)).toBe(false);
    },
  );

  it("is extended by CUTOVER_SECRET_HEADER_PATTERN, case-insensitively, keeping the defaults", () => {
    expect(isSecretHeader("X-Tenant-Signature")).toBe(false);
    process.env.CUTOVER_SECRET_HEADER_PATTERN = "signature|^x-tenant-pin$";
    expect(isSecretHeader("X-Tenant-Signature")).toBe(true);
    expect(isSecretHeader("X-TENANT-PIN")).toBe(true);
    expect(isSecretHeader("X-Auth-Token")).toBe(true);
    expect(isSecretHeader("Accept")).toBe(false);
    process.env.CUTOVER_SECRET_HEADER_PATTERN = "";
    expect(isSecretHeader("X-Tenant-Signature")).toBe(false);
  });

  it("refuses an invalid CUTOVER_SECRET_HEADER_PATTERN with an error naming the variable", () => {
    process.env.CUTOVER_SECRET_HEADER_PATTERN = "sig(nature";
    expect(() => isSecretHeader("Accept")).toThrowError(SecretPatternError);
    expect(() => isSecretHeader("Accept")).toThrowError(
      /CUTOVER_SECRET_HEADER_PATTERN="sig\(nature" is not a valid regular expression/,
    );
    expect(() => redact({ headers: { accept: "x" } })).toThrowError(/CUTOVER_SECRET_HEADER_PATTERN/);
  });
});

describe("redact with header names", () => {
  it("redacts every secret header under a headers object, and only there by the broad pattern", () => {
    const value = {
      request: { headers: { "X-Auth-Token": "t0k", "X-Custom-Auth": "c", Accept: "json" } },
      output: { author: "Ada", maxTokens: 100, keywords: "tides", tokens: { input: 1, output: 2, total: 3 } },
    };
    expect(redact(value)).toEqual({
      request: { headers: { "X-Auth-Token": REDACTED, "X-Custom-Auth": REDACTED, Accept: "json" } },
      output: { author: "Ada", maxTokens: 100, keywords: "tides", tokens: { input: 1, output: 2, total: 3 } },
    });
  });

  it("keeps a JSON key named __proto__ as a key of the copy", () => {
    const out = redact(JSON.parse('{"__proto__": {"note": "sk-abcdefghijklmnopqrstuvwx"}}'));
    expect(Object.keys(out)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe(`{"__proto__":{"note":"${REDACTED}"}}`);
  });
});
