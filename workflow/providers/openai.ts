// How does an llm node call OpenAI (or any OpenAI-compatible server)? The provider over the official SDK.
import OpenAI from "openai";
import { findModel, priceOf } from "../catalog.ts";
import { ErrorCode, NodeError } from "../errors.ts";
import type { LlmProvider, LlmRequest, LlmResult } from "../provider.ts";
import { estimateTokens, priceCall, settingsOf, tokens } from "./accounting.ts";
import { classifyProviderError } from "./classify.ts";
import { callLegacy } from "./openai-legacy.ts";
import { parseJsonOutput } from "./output.ts";

export interface OpenAiProviderOptions {
  /** Overrides OPENAI_API_KEY. */
  apiKey?: string;
  /** Overrides OPENAI_BASE_URL. */
  baseURL?: string;
  /** Overrides OPENAI_TIMEOUT_MS: per-request timeout (default DEFAULT_OPENAI_TIMEOUT_MS). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Where settings are read from (process.env unless given); read at the first call, not before. */
  env?: NodeJS.ProcessEnv;
}

/** A request's deadline when OPENAI_TIMEOUT_MS is not set (the SDK's own default is 10 minutes). */
export const DEFAULT_OPENAI_TIMEOUT_MS = 60_000;

export interface ClientSettings {
  apiKey: string;
  baseURL?: string;
  timeoutMs: number;
}

/** Returns the settings a client is built with; throws PROVIDER_CONFIG naming a missing or bad variable. */
export function readSettings(options: OpenAiProviderOptions): ClientSettings {
  const env = options.env ?? process.env;
  const apiKey = options.apiKey ?? env.OPENAI_API_KEY;
  if (!apiKey) {
    throw new NodeError(
      ErrorCode.PROVIDER_CONFIG,
      "the openai provider needs OPENAI_API_KEY in the environment (or use the mock or replay provider)",
    );
  }
  const baseURL = options.baseURL ?? (env.OPENAI_BASE_URL || undefined);
  let timeoutMs = options.timeoutMs;
  if (timeoutMs === undefined && env.OPENAI_TIMEOUT_MS) {
    timeoutMs = Number(env.OPENAI_TIMEOUT_MS);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new NodeError(
        ErrorCode.PROVIDER_CONFIG,
        `OPENAI_TIMEOUT_MS must be a positive whole number of milliseconds, got ${JSON.stringify(env.OPENAI_TIMEOUT_MS)}`,
      );
    }
  }
  return { apiKey, baseURL, timeoutMs: timeoutMs ?? DEFAULT_OPENAI_TIMEOUT_MS };
}

/** Returns a `json_schema` name OpenAI accepts (a-z, A-Z, 0-9, _ and -, at most 64 characters). */
function schemaName(nodeId: string): string {
  return `node_${nodeId}`.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
}

/** The reply of either API, reduced to what a result needs. */
interface RawAnswer {
  text: string;
  refusal?: string;
  model?: string;
  usage?: { input: number; output: number; total?: number };
}

function notTheProtocol(what: string): NodeError {
  return new NodeError(ErrorCode.PROVIDER_SERVER_ERROR, `openai: the response is not ${what}`, {
    retryable: true,
  });
}

async function callChat(client: OpenAI, request: LlmRequest, signal?: AbortSignal): Promise<RawAnswer> {
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [];
  if (request.system) messages.push({ role: "system", content: request.system });
  messages.push({ role: "user", content: request.prompt });
  const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = { model: request.model, messages };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.outputFormat === "json") {
    body.response_format = request.schema
      ? {
          type: "json_schema",
          json_schema: { name: schemaName(request.nodeId), schema: request.schema, strict: false },
        }
      : { type: "json_object" };
  }
  const completion = await client.chat.completions.create(body, { signal });
  if (!completion || typeof completion !== "object" || !Array.isArray(completion.choices)) {
    throw notTheProtocol("a chat completion");
  }
  const message = completion.choices[0]?.message;
  if (!message) throw notTheProtocol("a chat completion with a choice");
  const usage = completion.usage;
  return {
    text: message.content ?? "",
    refusal: message.refusal ?? undefined,
    model: completion.model,
    usage: usage && {
      input: usage.prompt_tokens,
      output: usage.completion_tokens,
      total: usage.total_tokens,
    },
  };
}

async function callResponses(client: OpenAI, request: LlmRequest, signal?: AbortSignal): Promise<RawAnswer> {
  const body: OpenAI.Responses.ResponseCreateParamsNonStreaming = {
    model: request.model,
    input: request.prompt,
  };
  if (request.system) body.instructions = request.system;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.outputFormat === "json") {
    body.text = {
      format: request.schema
        ? { type: "json_schema", name: schemaName(request.nodeId), schema: request.schema, strict: false }
        : { type: "json_object" },
    };
  }
  const response = await client.responses.create(body, { signal });
  if (!response || typeof response !== "object" || response.object !== "response") {
    throw notTheProtocol("a Responses API response");
  }
  if (response.status === "failed") {
    throw new NodeError(
      ErrorCode.PROVIDER_SERVER_ERROR,
      `openai: the response failed: ${response.error?.message ?? "no reason given"}`,
      { retryable: true },
    );
  }
  let refusal: string | undefined;
  for (const item of response.output ?? []) {
    if (item.type !== "message") continue;
    for (const part of item.content) if (part.type === "refusal") refusal = part.refusal;
  }
  const usage = response.usage;
  return {
    text: response.output_text ?? "",
    refusal,
    model: response.model,
    usage: usage && { input: usage.input_tokens, output: usage.output_tokens, total: usage.total_tokens },
  };
}

/** Returns a provider calling the OpenAI API; settings and the key are read at its first call. */
export function createOpenAiProvider(options: OpenAiProviderOptions = {}): LlmProvider {
  let client: OpenAI | undefined;
  let settings: ClientSettings | undefined;
  const clientFor = (): OpenAI => {
    if (client) return client;
    settings = readSettings(options);
    client = new OpenAI({
      apiKey: settings.apiKey,
      baseURL: settings.baseURL,
      timeout: settings.timeoutMs,
      // The executors own retries (with their own backoff and attempt records), so the SDK never retries.
      maxRetries: 0,
      fetch: options.fetch,
    });
    return client;
  };

  const completeLegacy = async (request: LlmRequest, signal?: AbortSignal): Promise<LlmResult> => {
    let chat: OpenAI;
    try {
      chat = clientFor();
    } catch (err) {
      throw classifyProviderError(err, { provider: "openai", model: request.model });
    }
    const { apiKey, baseURL, timeoutMs } = settings!;
    const call = await callLegacy(
      { chat, apiKey, baseURL, timeoutMs, fetch: options.fetch },
      request,
      signal,
    );
    const usage = call.usage
      ? tokens(call.usage.input, call.usage.output, call.usage.total)
      : tokens(estimateTokens(request.prompt), estimateTokens(call.answer.output_text));
    const model = call.model || request.model;
    return {
      output: call.answer,
      tokens: usage,
      costUsd: priceOf(findModel(model) ? model : request.model, usage),
      model,
      settings: settingsOf(request),
    };
  };

  return {
    name: "openai",
    async complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResult> {
      if (request.profile === "legacy") return completeLegacy(request, signal);
      const api = request.api ?? "chat";
      let answer: RawAnswer;
      try {
        const openai = clientFor();
        answer =
          api === "responses"
            ? await callResponses(openai, request, signal)
            : await callChat(openai, request, signal);
      } catch (err) {
        throw classifyProviderError(err, { provider: "openai", model: request.model });
      }
      if (!answer.text && answer.refusal) {
        throw new NodeError(
          ErrorCode.PROVIDER_MALFORMED_OUTPUT,
          `node "${request.nodeId}": the model refused to answer: ${answer.refusal}`,
        );
      }
      const output =
        request.outputFormat === "json"
          ? parseJsonOutput(answer.text, request.schema, request.nodeId)
          : answer.text;
      // OpenAI-compatible servers sometimes omit usage; an estimate keeps budgets honest rather than free.
      const usage = answer.usage
        ? tokens(answer.usage.input, answer.usage.output, answer.usage.total)
        : tokens(estimateTokens(`${request.system ?? ""}${request.prompt}`), estimateTokens(answer.text));
      const model = answer.model || request.model;
      return {
        output,
        tokens: usage,
        costUsd: priceCall(model, request.model, usage),
        model,
        settings: settingsOf(request),
      };
    },
  };
}
