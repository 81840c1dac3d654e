import { describe, expect, it } from "vitest";
import { REDACTED, redact } from "./redact.ts";

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
