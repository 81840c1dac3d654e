// How are cassettes made? A provider that asks another one and writes each answer, redacted, into a cassette.
import { redact } from "../../lib/redact.ts";
import type { LlmProvider, LlmRequest, LlmResult } from "../provider.ts";
import { addToCassette } from "./cassette.ts";
import { requestKey } from "./request-key.ts";

/**
 * Returns a provider that answers through `inner` and records every answer under its request key in the
 * cassette at `path` (created if absent, merged if present). The caller gets the answer as given; the
 * cassette gets it with secrets redacted. The call resolves only once the entry is on disk.
 */
export function createRecordingProvider(inner: LlmProvider, path: string): LlmProvider {
  return {
    name: inner.name,
    async complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResult> {
      const result = await inner.complete(request, signal);
      await addToCassette(path, requestKey(request), { request: redact(request), result: redact(result) });
      return result;
    },
  };
}
