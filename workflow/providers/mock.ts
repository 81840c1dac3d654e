// What does a run look like without a model or a network? The deterministic mock provider.
import { canonicalJson, sha256 } from "../../lib/canonical.ts";
import { costOf, priceOf } from "../catalog.ts";
import { ErrorCode, NodeError } from "../errors.ts";
import type { LlmProvider, LlmRequest, LlmResult } from "../provider.ts";
import { estimateTokens, settingsOf, tokens } from "./accounting.ts";
import { Chooser, mockJson, mockText } from "./mock-values.ts";
import { validateOutput } from "./output.ts";
import { canonicalRequest } from "./request-key.ts";

export interface MockProviderOptions {
  /** Milliseconds each call waits before answering (abortable), to make timelines look real. */
  latencyMs?: number;
  /** Mixed into the hash: a differently salted mock answers differently (a deliberate divergence). */
  salt?: string;
}

/** Resolves after `ms`, or rejects with CANCELED as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  const canceled = () => new NodeError(ErrorCode.CANCELED, "mock: the call was aborted");
  if (signal?.aborted) return Promise.reject(canceled());
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(canceled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Returns a provider answering from a hash of the canonical request (and the salt): the same request
 * always gets the same output, tokens and cost; it never touches the network.
 */
export function createMockProvider(options: MockProviderOptions = {}): LlmProvider {
  const latencyMs = options.latencyMs ?? 0;
  if (!Number.isFinite(latencyMs) || latencyMs < 0) {
    throw new Error(`mock latency must be a non-negative number of milliseconds, got ${latencyMs}`);
  }
  const salt = options.salt ?? "";

  return {
    name: "mock",
    async complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResult> {
      await sleep(latencyMs, signal);
      const choose = new Chooser(sha256(`${salt}\u0000${canonicalJson(canonicalRequest(request))}`));
      let output: unknown;
      let text: string;
      if (request.profile === "legacy") {
        // The legacy action's answer: the text, and for JSON nodes the object it parsed from it.
        const parsed =
          request.outputFormat === "json" ? mockJson(request.schema, request.prompt, choose) : undefined;
        text = parsed === undefined ? mockText(request.prompt, choose) : JSON.stringify(parsed);
        output = parsed === undefined ? { output_text: text } : { output_text: text, output_parsed: parsed };
      } else if (request.outputFormat === "json") {
        output = mockJson(request.schema, request.prompt, choose);
        // The same check the openai provider applies: a mock answer that breaks the schema is a bug here.
        if (request.schema) validateOutput(output, request.schema, request.nodeId);
        text = JSON.stringify(output);
      } else {
        text = mockText(request.prompt, choose);
        output = text;
      }
      const usage = tokens(estimateTokens(`${request.system ?? ""}${request.prompt}`), estimateTokens(text));
      return {
        output,
        tokens: usage,
        costUsd: request.profile === "legacy" ? priceOf(request.model, usage) : costOf(request.model, usage),
        model: request.model,
        settings: settingsOf(request),
      };
    },
  };
}
