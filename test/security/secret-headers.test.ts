// Attack: credentials sent in headers whose names the old exact list did not know (`X-Auth-Token`,
// `X-Custom-Auth`): their values stayed inline in the compiled graph and in recorded step inputs. Header
// secrecy is decided by one broad pattern (lib/redact.ts isSecretHeader), extended by the operator.
import { afterEach, describe, expect, it } from "vitest";
import { canonicalJson } from "../../lib/canonical.ts";
import { REDACTED, redact } from "../../lib/redact.ts";
import { compileWorkflow } from "../../workflow/compile.ts";
import type { HttpConfig } from "../../workflow/compiled.ts";
import { chain, node } from "../graphs.ts";

const LEAKY = {
  "X-Auth-Token": "tok-0123456789",
  "X-Custom-Auth": "hunter2-hunter2",
  "api-key": "k-aaaa-bbbb",
  "X-API-Key": "k-cccc-dddd",
  "X-Session-Password": "pw-eeee",
};

function compileHeaders(headers: Record<string, string>) {
  const result = compileWorkflow(
    chain([node("fetch", "http", { method: "GET", url: "https://api.example.com/x", headers })]),
    { allowHosts: ["api.example.com"] },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return { result, config: result.compiled.topologicallySortedNodes[1].config as HttpConfig };
}

afterEach(() => {
  delete process.env.CUTOVER_SECRET_HEADER_PATTERN;
});

describe("secret header names", () => {
  it("literal values of X-Auth-Token, X-Custom-Auth, api-key, X-API-Key never reach the compiled bytes", () => {
    const { result, config } = compileHeaders({ ...LEAKY, Accept: "application/json" });
    for (const name of Object.keys(LEAKY)) expect(config.headers[name], name).toHaveProperty("$secret");
    expect(config.headers.Accept).toBe("application/json");
    const bytes = canonicalJson(result.compiled);
    for (const value of Object.values(LEAKY)) expect(bytes).not.toContain(value);
  });

  it("a templated X-Custom-Auth value is redacted in a recorded http step input", () => {
    const recorded = {
      input: {
        method: "GET",
        url: "https://api.example.com/x",
        headers: { "X-Custom-Auth": "from-input-123", "x-auth-token": "tok-42", Accept: "json" },
      },
    };
    const safe = redact(recorded);
    expect(safe.input.headers).toEqual({
      "X-Custom-Auth": REDACTED,
      "x-auth-token": REDACTED,
      Accept: "json",
    });
    expect(JSON.stringify(safe)).not.toMatch(/from-input-123|tok-42/);
  });

  it("the operator extends the pattern with CUTOVER_SECRET_HEADER_PATTERN", () => {
    expect(compileHeaders({ "X-Tenant-Signature": "sig-value" }).config.headers["X-Tenant-Signature"]).toBe(
      "sig-value",
    );
    process.env.CUTOVER_SECRET_HEADER_PATTERN = "signature";
    const { result, config } = compileHeaders({ "X-Tenant-Signature": "sig-value" });
    expect(config.headers["X-Tenant-Signature"]).toHaveProperty("$secret");
    expect(canonicalJson(result.compiled)).not.toContain("sig-value");
    expect(redact({ headers: { "X-Tenant-Signature": "sig-value" } }).headers["X-Tenant-Signature"]).toBe(
      REDACTED,
    );
  });

  it("an invalid CUTOVER_SECRET_HEADER_PATTERN is a clear error naming the variable, never a silent pass", () => {
    process.env.CUTOVER_SECRET_HEADER_PATTERN = "(unclosed";
    expect(() => compileHeaders({ "X-Tenant-Signature": "sig-value" })).toThrowError(
      /CUTOVER_SECRET_HEADER_PATTERN="\(unclosed" is not a valid regular expression/,
    );
  });
});
