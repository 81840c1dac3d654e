// How do tests fake the OpenAI HTTP API? msw handlers for chat completions and responses, composed from replies.
//
//   server.use(chatCompletions(reply.rateLimited({ retryAfter: "1" }), reply.text("hello")))
//
// answers the first call with a 429 and every later call with "hello" (the last reply repeats).
// Handlers match any host (`*/chat/completions`, `*/responses`), so any OPENAI_BASE_URL works.
import { delay, type HttpHandler, HttpResponse, http } from "msw";

/** The base URL tests point the SDK at; msw answers it, nothing leaves the machine. */
export const OPENAI_TEST_BASE_URL = "https://openai.test/v1";

export interface Usage {
  input: number;
  output: number;
}

/** What one call gets back, independent of the API it went to. */
export type Reply =
  | { kind: "content"; content: string; model?: string; usage?: Usage | null }
  | { kind: "status"; status: number; message?: string; headers?: Record<string, string> }
  | { kind: "network-error" }
  | { kind: "malformed-body" }
  | { kind: "delay"; ms: number; then: Reply };

/** A reply, or a function choosing one from the request body and the 0-based call number. */
export type ReplySource = Reply | ((body: any, call: number) => Reply);

export const reply = {
  /** 200 whose answer is `content` (any text: use it for answers that are not JSON). */
  text: (content: string, extra: { model?: string; usage?: Usage | null } = {}): Reply => ({
    kind: "content",
    content,
    ...extra,
  }),
  /** 200 whose answer is `value` serialised as JSON. */
  json: (value: unknown, extra: { model?: string; usage?: Usage | null } = {}): Reply => ({
    kind: "content",
    content: JSON.stringify(value),
    ...extra,
  }),
  /** An error status with OpenAI's error body; `retryAfter` (seconds or HTTP date) and `retryAfterMs` set headers. */
  status: (
    status: number,
    options: {
      message?: string;
      retryAfter?: string;
      retryAfterMs?: string;
      headers?: Record<string, string>;
    } = {},
  ): Reply => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.retryAfter !== undefined) headers["retry-after"] = options.retryAfter;
    if (options.retryAfterMs !== undefined) headers["retry-after-ms"] = options.retryAfterMs;
    return { kind: "status", status, message: options.message, headers };
  },
  rateLimited: (options: { retryAfter?: string; retryAfterMs?: string } = {}): Reply =>
    reply.status(429, { message: "Rate limit reached for requests", ...options }),
  serverError: (status = 500): Reply => reply.status(status, { message: "The server had an error" }),
  /** The connection drops (fetch rejects), like a reset socket. */
  networkError: (): Reply => ({ kind: "network-error" }),
  /** 200 with a JSON content type and a body that is not JSON. */
  malformedBody: (): Reply => ({ kind: "malformed-body" }),
  /** `then`, after `ms` milliseconds (pair with a short client timeout to provoke one). */
  delayed: (ms: number, then: Reply): Reply => ({ kind: "delay", ms, then }),
};

type Api = "chat" | "responses";

function defaultUsage(content: string, body: any): Usage {
  return {
    input: Math.max(1, Math.ceil(JSON.stringify(body ?? "").length / 4)),
    output: Math.max(1, Math.ceil(content.length / 4)),
  };
}

function chatBody(r: Extract<Reply, { kind: "content" }>, body: any) {
  const usage = r.usage === undefined ? defaultUsage(r.content, body) : r.usage;
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    created: 1_700_000_000,
    model: r.model ?? body?.model ?? "gpt-4o-mini",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: r.content, refusal: null },
        finish_reason: "stop",
        logprobs: null,
      },
    ],
    ...(usage && {
      usage: {
        prompt_tokens: usage.input,
        completion_tokens: usage.output,
        total_tokens: usage.input + usage.output,
      },
    }),
  };
}

function responsesBody(r: Extract<Reply, { kind: "content" }>, body: any) {
  const usage = r.usage === undefined ? defaultUsage(r.content, body) : r.usage;
  return {
    id: "resp_test",
    object: "response",
    created_at: 1_700_000_000,
    status: "completed",
    model: r.model ?? body?.model ?? "gpt-4o-mini",
    output: [
      {
        type: "message",
        id: "msg_test",
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: r.content, annotations: [] }],
      },
    ],
    error: null,
    ...(usage && {
      usage: {
        input_tokens: usage.input,
        output_tokens: usage.output,
        total_tokens: usage.input + usage.output,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens_details: { reasoning_tokens: 0 },
      },
    }),
  };
}

async function render(api: Api, r: Reply, body: any): Promise<Response> {
  switch (r.kind) {
    case "content":
      return HttpResponse.json(api === "chat" ? chatBody(r, body) : responsesBody(r, body));
    case "status":
      return HttpResponse.json(
        { error: { message: r.message ?? `HTTP ${r.status}`, type: "test_error", param: null, code: null } },
        { status: r.status, headers: r.headers },
      );
    case "network-error":
      return HttpResponse.error();
    case "malformed-body":
      return new HttpResponse('{"id": "chatcmpl-test", "choices": [', {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    case "delay":
      await delay(r.ms);
      return render(api, r.then, body);
  }
}

function handler(api: Api, path: string, replies: ReplySource[]): HttpHandler {
  if (replies.length === 0) throw new Error(`${path} handler needs at least one reply`);
  let calls = 0;
  return http.post(`*${path}`, async ({ request }) => {
    const call = calls++;
    const body = await request.json().catch(() => undefined);
    const source = replies[Math.min(call, replies.length - 1)];
    return render(api, typeof source === "function" ? source(body, call) : source, body);
  });
}

/** Returns a handler for POST …/chat/completions answering call n with replies[n] (the last one repeats). */
export function chatCompletions(...replies: ReplySource[]): HttpHandler {
  return handler("chat", "/chat/completions", replies);
}

/** Returns a handler for POST …/responses answering call n with replies[n] (the last one repeats). */
export function responses(...replies: ReplySource[]): HttpHandler {
  return handler("responses", "/responses", replies);
}

/** Returns handlers for both APIs answering with the same replies (each API counts its own calls). */
export function openaiHandlers(...replies: ReplySource[]): HttpHandler[] {
  return [chatCompletions(...replies), responses(...replies)];
}
