// What does inferpipe's legacy executor send to OpenAI, and how does it read the answer? Its own libraries, its endpoints.
import { createOpenAI } from "@ai-sdk/openai";
import { APICallError, generateObject, generateText, NoObjectGeneratedError } from "ai";
import type OpenAI from "openai";
import { redactString } from "../../lib/redact.ts";
import { ErrorCode, NodeError } from "../errors.ts";
import { CHAT_JSON_SUFFIX } from "../legacy/endpoint.ts";
import { parseLeniently } from "../legacy/lenient-json.ts";
import { legacyZodSchema } from "../legacy/schema.ts";
import type { LegacyAnswer, LlmRequest } from "../provider.ts";
import { classifyProviderError, classifyStatus, parseRetryAfter } from "./classify.ts";

/** What a legacy call answered, with the usage the API reported (if any). */
export interface LegacyCall {
  answer: LegacyAnswer;
  usage?: { input: number; output: number; total?: number };
  model?: string;
}

export interface LegacyClients {
  /** The openai SDK client (Chat Completions for search models), built with the provider's settings. */
  chat: OpenAI;
  apiKey: string;
  baseURL?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Sends a legacy AI node's request as the legacy does: Chat Completions for search models (the JSON
 * suffix, the lenient parse, `{ raw }` when nothing parses, the zod check that keeps whatever parsed
 * when it fails); otherwise the AI SDK's Responses API (`generateText`, or `generateObject` with the
 * zod schema). No call is retried, by the SDKs or by us.
 */
export async function callLegacy(
  clients: LegacyClients,
  request: LlmRequest,
  signal?: AbortSignal,
): Promise<LegacyCall> {
  const context = { provider: "openai", model: request.model };
  if (request.api === "chat") {
    try {
      return await callChat(clients.chat, request, signal);
    } catch (err) {
      throw classifyProviderError(err, context);
    }
  }
  const timeout = clients.timeoutMs === undefined ? undefined : AbortSignal.timeout(clients.timeoutMs);
  const abortSignal = signal && timeout ? AbortSignal.any([signal, timeout]) : (signal ?? timeout);
  const openai = createOpenAI({
    apiKey: clients.apiKey,
    baseURL: clients.baseURL,
    // Read at call time, so a fetch installed later (msw in tests) still sees the request.
    fetch: clients.fetch ?? ((url, init) => globalThis.fetch(url, init)),
  });
  try {
    if (request.outputFormat === "json") {
      const result = await generateObject({
        model: openai(request.model),
        prompt: request.prompt,
        schema: legacyZodSchema(request.uiProps),
        maxRetries: 0,
        abortSignal,
      });
      return {
        answer: { output_text: JSON.stringify(result.object), output_parsed: result.object },
        usage: usageOf(result.usage),
        model: result.response?.modelId,
      };
    }
    const result = await generateText({
      model: openai(request.model),
      prompt: request.prompt,
      maxRetries: 0,
      abortSignal,
    });
    return {
      answer: { output_text: result.text },
      usage: usageOf(result.usage),
      model: result.response?.modelId,
    };
  } catch (err) {
    if (timeout?.aborted && !signal?.aborted)
      throw new NodeError(ErrorCode.PROVIDER_TIMEOUT, `openai (${request.model}): request timed out`, {
        cause: err,
      });
    throw classifyAiSdkError(err, context);
  }
}

async function callChat(client: OpenAI, request: LlmRequest, signal?: AbortSignal): Promise<LegacyCall> {
  const json = request.outputFormat === "json";
  const completion = await client.chat.completions.create(
    {
      model: request.model,
      messages: [{ role: "user", content: json ? `${request.prompt}${CHAT_JSON_SUFFIX}` : request.prompt }],
    },
    { signal },
  );
  const usage = completion?.usage;
  const reported = {
    usage: usage
      ? { input: usage.prompt_tokens, output: usage.completion_tokens, total: usage.total_tokens }
      : undefined,
    model: completion?.model,
  };
  if (!json)
    return { answer: { output_text: completion?.choices?.[0]?.message?.content ?? "" }, ...reported };
  const content = completion?.choices?.[0]?.message?.content ?? "{}";
  const candidate = parseLeniently(content);
  const parsed = candidate === null ? { raw: content } : candidate;
  const checked = legacyZodSchema(request.uiProps).safeParse(parsed);
  const object = checked.success ? checked.data : parsed;
  return { answer: { output_text: JSON.stringify(object), output_parsed: object }, ...reported };
}

function usageOf(usage: { inputTokens?: number; outputTokens?: number; totalTokens?: number } | undefined) {
  if (!usage || usage.inputTokens === undefined || usage.outputTokens === undefined) return undefined;
  return { input: usage.inputTokens, output: usage.outputTokens, total: usage.totalTokens };
}

/** Returns a NodeError for what the AI SDK threw: HTTP statuses as the openai provider classifies them, a bad object as a schema violation. */
function classifyAiSdkError(err: unknown, context: { provider: string; model: string }): NodeError {
  const say = (text: string) => redactString(`${context.provider} (${context.model}): ${text}`);
  if (APICallError.isInstance(err) && typeof err.statusCode === "number") {
    const { code, retryable } = classifyStatus(err.statusCode);
    const retryAfterMs = retryable ? parseRetryAfter(err.responseHeaders) : undefined;
    return new NodeError(code, say(`HTTP ${err.statusCode}: ${err.message}`), {
      retryAfterMs,
      details: { status: err.statusCode },
      cause: err,
    });
  }
  if (NoObjectGeneratedError.isInstance(err)) {
    return new NodeError(
      ErrorCode.PROVIDER_SCHEMA_VIOLATION,
      say(`no object matching the schema: ${err.message}`),
      {
        details: { text: err.text === undefined ? undefined : redactString(err.text.slice(0, 500)) },
        cause: err,
      },
    );
  }
  if (err instanceof Error && err.name === "AbortError")
    return new NodeError(ErrorCode.CANCELED, say("request aborted"), { cause: err });
  const cause = APICallError.isInstance(err) ? (err.cause ?? err) : err;
  return classifyProviderError(cause, context);
}
