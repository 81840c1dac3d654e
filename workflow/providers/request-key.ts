// Which recorded answer belongs to this request? The hash that keys cassettes and the shadow's replayed responses.
import { sha256 } from "../../lib/canonical.ts";
import { redact } from "../../lib/redact.ts";
import { maskWallClock } from "../legacy/prompt.ts";
import type { LlmRequest } from "../provider.ts";

/**
 * Returns the request in the one shape that is hashed: the fields that change the answer, defaults made
 * explicit (no `api` means "chat"), absent options left out. Listing the fields keeps keys stable when
 * callers pass objects carrying more.
 */
export function canonicalRequest(request: LlmRequest): LlmRequest {
  const out: LlmRequest = {
    nodeId: request.nodeId,
    model: request.model,
    // A legacy prompt carries the previous step's wall-clock timestamp, which no two runs share.
    prompt: request.profile === "legacy" ? maskWallClock(request.prompt) : request.prompt,
    outputFormat: request.outputFormat,
    api: request.api ?? "chat",
  };
  if (request.profile !== undefined) out.profile = request.profile;
  if (request.system !== undefined) out.system = request.system;
  if (request.schema !== undefined) out.schema = request.schema;
  if (request.temperature !== undefined) out.temperature = request.temperature;
  return out;
}

/**
 * Returns the sha256 hex of the canonical request (node id included), secrets redacted: equal questions
 * give equal keys. The one function every cassette writer and every lookup keys by. Redacted because a
 * request is recorded redacted (a primary's step input, a cassette entry): a prompt holding `sk-…` must
 * key the same whether it is hashed as asked or as stored, or its replay misses.
 */
export function requestKey(request: LlmRequest): string {
  return sha256(redact(canonicalRequest(request)));
}
