import { APIConnectionError, APIError } from "openai";
import { describe, expect, it } from "vitest";
import { ErrorCode, NodeError } from "../errors.ts";
import { classifyProviderError, classifyStatus, parseRetryAfter } from "./classify.ts";

const context = { provider: "openai", model: "gpt-4o-mini" };

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("prefers retry-after-ms, then reads seconds or an HTTP date", () => {
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "1500.4", "retry-after": "9" }), now)).toBe(1500);
    expect(parseRetryAfter(new Headers({ "retry-after": "2" }), now)).toBe(2000);
    expect(parseRetryAfter(new Headers({ "retry-after": "0.5" }), now)).toBe(500);
    expect(parseRetryAfter(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:12 GMT" }), now)).toBe(
      12_000,
    );
    expect(parseRetryAfter({ "Retry-After": "3" }, now)).toBe(3000);
  });

  it("never returns a negative wait or a guess from junk", () => {
    expect(parseRetryAfter(new Headers({ "retry-after": "Wed, 31 Dec 2025 23:59:00 GMT" }), now)).toBe(0);
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "-5" }), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers(), now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe("classifyStatus", () => {
  it.each([
    [429, ErrorCode.PROVIDER_RATE_LIMIT, true],
    [500, ErrorCode.PROVIDER_SERVER_ERROR, true],
    [502, ErrorCode.PROVIDER_SERVER_ERROR, true],
    [503, ErrorCode.PROVIDER_SERVER_ERROR, true],
    [408, ErrorCode.PROVIDER_TIMEOUT, true],
    [400, ErrorCode.PROVIDER_BAD_REQUEST, false],
    [404, ErrorCode.PROVIDER_BAD_REQUEST, false],
    [422, ErrorCode.PROVIDER_BAD_REQUEST, false],
    [401, ErrorCode.PROVIDER_AUTH, false],
    [403, ErrorCode.PROVIDER_AUTH, false],
  ])("HTTP %i → %s (retryable %s)", (status, code, retryable) => {
    expect(classifyStatus(status)).toEqual({ code, retryable });
  });
});

describe("classifyProviderError", () => {
  it("finds a socket error code in the cause chain", () => {
    const refused = new APIConnectionError({
      cause: Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } }),
    });
    const err = classifyProviderError(refused, context);
    expect(err.code).toBe(ErrorCode.PROVIDER_CONNECTION);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain("ECONNREFUSED");

    const stalled = classifyProviderError(Object.assign(new Error("x"), { code: "ETIMEDOUT" }), context);
    expect(stalled.code).toBe(ErrorCode.PROVIDER_TIMEOUT);
  });

  it("keeps Retry-After on retryable statuses only", () => {
    const unavailable = APIError.generate(
      503,
      { message: "busy" },
      undefined,
      new Headers({ "retry-after": "4" }),
    );
    expect(classifyProviderError(unavailable, context).retryAfterMs).toBe(4000);
    const bad = APIError.generate(400, { message: "no" }, undefined, new Headers({ "retry-after": "4" }));
    expect(classifyProviderError(bad, context).retryAfterMs).toBeUndefined();
  });

  it("passes NodeErrors through and calls anything unknown INTERNAL", () => {
    const own = new NodeError(ErrorCode.PROVIDER_SCHEMA_VIOLATION, "bad");
    expect(classifyProviderError(own, context)).toBe(own);
    const odd = classifyProviderError(new RangeError("weird"), context);
    expect(odd.code).toBe(ErrorCode.INTERNAL);
    expect(odd.retryable).toBe(false);
  });
});
