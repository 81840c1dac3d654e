import { describe, expect, it } from "vitest";
import { sha256 } from "../../lib/canonical.ts";
import { PayloadRef } from "../records.ts";
import { persistPayload, scrub, secretsAt } from "./payloads.ts";

function store() {
  const blobs = new Map<string, string>();
  return {
    blobs,
    put: async (text: string) => {
      const id = `blob-${blobs.size}`;
      blobs.set(id, text);
      return id;
    },
  };
}

describe("persistPayload", () => {
  it("keeps small payloads inline as JSON text", async () => {
    const s = store();
    const text = await persistPayload({ a: 1 }, { redactPaths: [], thresholdBytes: 100, store: s.put });
    expect(JSON.parse(text)).toEqual({ a: 1 });
    expect(s.blobs.size).toBe(0);
  });

  it("moves payloads above the threshold to storage, keeping a reference comparable by hash", async () => {
    const s = store();
    const value = { text: "x".repeat(500), b: 2 };
    const text = await persistPayload(value, { redactPaths: [], thresholdBytes: 100, store: s.put });
    const ref = PayloadRef.parse(JSON.parse(text));
    expect(ref.$ref).toBe("blob-0");
    expect(JSON.parse(s.blobs.get("blob-0")!)).toEqual(value);
    expect(ref.sha256).toBe(sha256({ b: 2, text: "x".repeat(500) }));
    expect(ref.bytes).toBe(s.blobs.get("blob-0")!.length);
  });

  it("redacts configured paths and secret keys before anything is kept", async () => {
    const s = store();
    const value = {
      customer: { ssn: "123-45-6789", name: "Ada" },
      apiKey: "k-1",
      note: "sk-abcdefghijklmnopqrstu",
    };
    const text = await persistPayload(value, {
      redactPaths: ["customer.ssn"],
      thresholdBytes: 10_000,
      store: s.put,
    });
    expect(text).not.toContain("123-45-6789");
    expect(text).not.toContain("k-1");
    expect(text).not.toContain("sk-abcdefghijklmnopqrstu");
    expect(JSON.parse(text).customer.name).toBe("Ada");
  });

  it("records undefined as null", async () => {
    const s = store();
    expect(await persistPayload(undefined, { redactPaths: [], thresholdBytes: 10, store: s.put })).toBe(
      "null",
    );
  });
});

describe("secretsAt and scrub", () => {
  it("finds the strings at secret paths and scrubs them wherever they reappear", async () => {
    const input = { customer: { ssn: "123-45-6789", pin: 42 }, cards: [{ number: "4111111111111111" }] };
    const secrets = secretsAt(input, ["customer.ssn", "cards.*.number", "missing.path"]);
    expect(secrets.sort()).toEqual(["123-45-6789", "4111111111111111"]);
    const stepInput = { prompt: "Customer 123-45-6789 paid with 4111111111111111.", nodes: { input } };
    const s = store();
    const text = await persistPayload(stepInput, {
      redactPaths: [],
      secrets,
      thresholdBytes: 10_000,
      store: s.put,
    });
    expect(text).not.toMatch(/123-45-6789|4111111111111111/);
    expect(JSON.parse(text).prompt).toBe("Customer [REDACTED] paid with [REDACTED].");
  });

  it("leaves values alone when there is nothing to scrub", () => {
    const v = { a: "b" };
    expect(scrub(v, [])).toBe(v);
    expect(scrub(v, ["zzzz"])).toBe(v);
  });
});
