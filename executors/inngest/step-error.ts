// How does a node's failure cross Inngest's step boundary and come back with its code intact?
import { NonRetriableError, RetryAfterError } from "inngest";
import { ErrorCode, NodeError, toRecordError } from "../../workflow/errors.ts";
import type { RecordError } from "../records.ts";

/**
 * Returns the error to throw from a step or from the function: NonRetriableError for failures a retry
 * cannot fix (validation, 4xx, sandbox violations), RetryAfterError when the provider named a wait,
 * and a plain Error otherwise (Inngest retries it). The message starts with the code, so the code
 * survives Inngest's serialisation (which keeps name and message, not custom fields).
 */
export function toInngestError(err: unknown): Error {
  const { code, message } = toRecordError(err);
  const text = `${code}: ${message}`;
  const cause = { code, message };
  if (err instanceof NodeError) {
    if (!err.retryable) return new NonRetriableError(text, { cause });
    if (err.retryAfterMs !== undefined && err.retryAfterMs > 0) {
      return new RetryAfterError(text, Math.ceil(err.retryAfterMs), { cause });
    }
  }
  const plain = new Error(text, { cause });
  plain.name = "NodeError";
  return plain;
}

/** Returns the `{ code, message }` of an error that went through Inngest (live, serialised, or a job's error field). */
export function fromInngestError(err: unknown): RecordError {
  if (err instanceof NodeError) return toRecordError(err);
  if (typeof err === "string") return splitCode(err);
  if (err && typeof err === "object") {
    const o = err as Record<string, unknown>;
    const cause = o.cause as Record<string, unknown> | undefined;
    if (cause && typeof cause.code === "string" && typeof cause.message === "string") {
      return { code: cause.code, message: cause.message };
    }
    // Inngest wraps a step's failure as StepError; its message is the step error's message.
    if (typeof o.message === "string") return splitCode(o.message);
    if (o.error !== undefined) return fromInngestError(o.error);
  }
  return { code: ErrorCode.INTERNAL, message: String(err) };
}

function splitCode(message: string): RecordError {
  const m = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(message);
  return m ? { code: m[1], message: m[2] } : { code: ErrorCode.INTERNAL, message };
}
