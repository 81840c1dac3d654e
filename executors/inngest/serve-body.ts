// How much of a request does serve-inngest read before the SDK checks who sent it? At most the cap, counted as it streams.
import type { IncomingMessage } from "node:http";

/**
 * The largest request body serve-inngest reads by default: 33 MiB.
 *
 * An execution request from Inngest carries the run's state: its event(s) and every memoized step
 * output. Inngest caps that state at 32 MB ("Function run state cannot exceed 32MB",
 * https://www.inngest.com/docs/usage-limits/inngest; a step's output is capped at 4 MB and an event at
 * 3 MiB, both counted inside it). 1 MiB on top covers the request's envelope (`ctx`, the step stack,
 * `version`). Nothing Inngest sends is larger, so a larger body is refused before the SDK sees it and
 * before the signature is checked. Configurable with `--max-body-bytes` (ServeOptions.maxBodyBytes).
 */
export const DEFAULT_MAX_BODY_BYTES = 33 * 1024 * 1024;

export type BodyRead =
  | { ok: true; body: Buffer }
  | { ok: false; reason: "too-large"; bytes: number }
  | { ok: false; reason: "aborted" };

/** True when the request declares (Content-Length) a body larger than `max`: refuse it without reading a byte. */
export function declaresTooLarge(req: IncomingMessage, max: number): boolean {
  const declared = req.headers["content-length"];
  // Node's parser has already refused a malformed Content-Length; a chunked body has none and is counted instead.
  return declared !== undefined && Number(declared) > max;
}

/**
 * Reads the body, counting bytes as they arrive. Past `max` it stops reading (the request is paused and
 * nothing more is kept), so a chunked body never costs more than `max` plus one socket read.
 */
export function readCappedBody(req: IncomingMessage, max: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyRead) => {
      if (settled) return;
      settled = true;
      req.off("data", onData).off("end", onEnd).off("error", onAbort).off("close", onAbort);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        chunks.length = 0;
        req.pause();
        settle({ ok: false, reason: "too-large", bytes: size });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => settle({ ok: true, body: Buffer.concat(chunks, size) });
    const onAbort = () => settle({ ok: false, reason: "aborted" });
    req.on("data", onData).on("end", onEnd).on("error", onAbort).on("close", onAbort);
  });
}
