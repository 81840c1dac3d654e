// Why did a provider call fail, and should the executor try again? Maps SDK and network errors to NodeError.
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { redactString } from "../../lib/redact.ts";
import { ErrorCode, NodeError } from "../errors.ts";

/** errno codes of a socket that broke or never opened: the request may be sent again. */
const CONNECTION_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);
const TIMEOUT_CODES = new Set([
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

type HeaderSource = Headers | Record<string, string | undefined> | undefined | null;

function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
  return entry?.[1] ?? undefined;
}

/**
 * Returns how long the server asked us to wait, in ms, from `retry-after-ms` (OpenAI's own header) or
 * `retry-after` (seconds or an HTTP date, RFC 9110); undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: HeaderSource, now: number = Date.now()): number | undefined {
  const ms = header(headers, "retry-after-ms");
  if (ms !== undefined && ms.trim() !== "") {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const after = header(headers, "retry-after")?.trim();
  if (!after) return undefined;
  if (/^\d+(\.\d+)?$/.test(after)) return Math.round(Number(after) * 1000);
  const date = Date.parse(after);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Returns the NodeError code and retryability for an HTTP status the provider answered with. */
export function classifyStatus(status: number): { code: ErrorCode; retryable: boolean } {
  if (status === 429) return { code: ErrorCode.PROVIDER_RATE_LIMIT, retryable: true };
  if (status >= 500) return { code: ErrorCode.PROVIDER_SERVER_ERROR, retryable: true };
  if (status === 408) return { code: ErrorCode.PROVIDER_TIMEOUT, retryable: true };
  // OpenAI answers 409 for a lock it could not take in time; its own SDK retries it.
  if (status === 409) return { code: ErrorCode.PROVIDER_SERVER_ERROR, retryable: true };
  if (status === 401 || status === 403) return { code: ErrorCode.PROVIDER_AUTH, retryable: false };
  return { code: ErrorCode.PROVIDER_BAD_REQUEST, retryable: false };
}

/** Walks an error's cause chain (fetch wraps the socket error) looking for an errno-style code. */
function causeCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && (CONNECTION_CODES.has(code) || TIMEOUT_CODES.has(code))) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Returns a NodeError for anything a provider call threw: the code names the cause, `retryable` says
 * whether another attempt may succeed, `retryAfterMs` carries the server's Retry-After. Messages pass
 * through the redactor, so an echoed key never reaches a record or a log.
 */
export function classifyProviderError(err: unknown, context: { provider: string; model: string }): NodeError {
  if (err instanceof NodeError) return err;
  const where = `${context.provider} (${context.model})`;
  const say = (text: string) => redactString(`${where}: ${text}`);

  if (err instanceof APIUserAbortError) {
    return new NodeError(ErrorCode.CANCELED, say("request aborted"), { cause: err });
  }
  if (err instanceof APIConnectionTimeoutError) {
    return new NodeError(ErrorCode.PROVIDER_TIMEOUT, say("request timed out"), {
      retryable: true,
      cause: err,
    });
  }
  if (err instanceof APIConnectionError) {
    const code = causeCode(err);
    if (code && TIMEOUT_CODES.has(code)) {
      return new NodeError(ErrorCode.PROVIDER_TIMEOUT, say(`request timed out (${code})`), {
        retryable: true,
        cause: err,
      });
    }
    return new NodeError(ErrorCode.PROVIDER_CONNECTION, say(`connection failed${code ? ` (${code})` : ""}`), {
      retryable: true,
      cause: err,
    });
  }
  if (err instanceof APIError && typeof err.status === "number") {
    const { code, retryable } = classifyStatus(err.status);
    const retryAfterMs = retryable ? parseRetryAfter(err.headers) : undefined;
    const wait = retryAfterMs === undefined ? "" : ` (retry after ${retryAfterMs} ms)`;
    return new NodeError(code, say(`HTTP ${err.status}: ${err.message}${wait}`), {
      retryable,
      retryAfterMs,
      details: { status: err.status, requestId: err.requestID ?? undefined },
      cause: err,
    });
  }
  // A 200 whose body is not JSON: the server (or a proxy in front of it) broke the protocol, not the model.
  if (err instanceof SyntaxError) {
    return new NodeError(
      ErrorCode.PROVIDER_SERVER_ERROR,
      say(`response body is not valid JSON: ${err.message}`),
      {
        retryable: true,
        cause: err,
      },
    );
  }
  const code = causeCode(err);
  if (code && TIMEOUT_CODES.has(code)) {
    return new NodeError(ErrorCode.PROVIDER_TIMEOUT, say(`request timed out (${code})`), {
      retryable: true,
      cause: err,
    });
  }
  if (code) {
    return new NodeError(ErrorCode.PROVIDER_CONNECTION, say(`connection failed (${code})`), {
      retryable: true,
      cause: err,
    });
  }
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return err.name === "TimeoutError"
      ? new NodeError(ErrorCode.PROVIDER_TIMEOUT, say("request timed out"), { retryable: true, cause: err })
      : new NodeError(ErrorCode.CANCELED, say("request aborted"), { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new NodeError(ErrorCode.INTERNAL, say(`unexpected failure: ${message}`), { cause: err });
}
