// What did the model answer last time? The replay provider: answers only from a cassette, loudly on a miss.
import { redactString } from "../../lib/redact.ts";
import { ErrorCode, NodeError } from "../errors.ts";
import type { LlmProvider, LlmRequest, LlmResult } from "../provider.ts";
import { type Cassette, readCassette } from "./cassette.ts";
import { requestKey } from "./request-key.ts";

function excerpt(text: string, max = 120): string {
  const flat = redactString(text).replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Returns the REPLAY_MISS error: which node, model, key, cassette, prompt — and what the cassette does hold for the node. */
function missError(request: LlmRequest, key: string, path: string, cassette: Cassette): NodeError {
  const sameNode = Object.values(cassette.entries).filter((e) => e.request.nodeId === request.nodeId);
  const hint =
    sameNode.length === 0
      ? `the cassette has no entry for node "${request.nodeId}" at all (${Object.keys(cassette.entries).length} entries in total)`
      : `the cassette has ${sameNode.length} entr${sameNode.length === 1 ? "y" : "ies"} for node "${request.nodeId}" ` +
        `(models: ${[...new Set(sameNode.map((e) => e.request.model))].join(", ")}), none for this exact request — ` +
        "the prompt, model, schema or settings changed since recording";
  return new NodeError(
    ErrorCode.REPLAY_MISS,
    `replay miss: node "${request.nodeId}", model "${request.model}", key ${key}, cassette ${path}: ${hint}. ` +
      `Prompt: "${excerpt(request.prompt)}". Re-record with record:${path} (or record-mock:${path}).`,
    { details: { nodeId: request.nodeId, model: request.model, key, cassette: path } },
  );
}

/** Returns the recorded answer to the request, or throws REPLAY_MISS naming `source`. */
function answer(cassette: Cassette, request: LlmRequest, source: string): LlmResult {
  const key = requestKey(request);
  const entry = Object.hasOwn(cassette.entries, key) ? cassette.entries[key] : undefined;
  if (!entry) throw missError(request, key, source, cassette);
  // A copy: callers own their result, the cassette stays as recorded.
  return structuredClone(entry.result);
}

/** Returns a provider answering from the cassette at `path` (read at the first call); a miss throws REPLAY_MISS. */
export function createReplayProvider(path: string): LlmProvider {
  let loading: Promise<Cassette> | undefined;
  return {
    name: "replay",
    async complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResult> {
      if (signal?.aborted) throw new NodeError(ErrorCode.CANCELED, "replay: the call was aborted");
      loading ??= readCassette(path);
      let cassette: Cassette;
      try {
        cassette = await loading;
      } catch (err) {
        loading = undefined;
        throw err;
      }
      return answer(cassette, request, path);
    },
  };
}

/**
 * Returns a provider answering from a cassette held in memory (a shadow's copy of its primary's answers,
 * carried with the run request); `source` names it in REPLAY_MISS messages.
 */
export function createCassetteProvider(cassette: Cassette, source: string): LlmProvider {
  return {
    name: "replay",
    async complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResult> {
      if (signal?.aborted) throw new NodeError(ErrorCode.CANCELED, "replay: the call was aborted");
      return answer(cassette, request, source);
    },
  };
}
