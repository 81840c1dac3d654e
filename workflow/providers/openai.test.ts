import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { chatCompletions, OPENAI_TEST_BASE_URL, reply, responses } from "../../test/msw/openai.ts";
import { costOf } from "../catalog.ts";
import { ErrorCode, NodeError } from "../errors.ts";
import type { LlmRequest } from "../provider.ts";
import { createOpenAiProvider, DEFAULT_OPENAI_TIMEOUT_MS, readSettings } from "./openai.ts";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  server.resetHandlers();
  vi.unstubAllEnvs();
});
afterAll(() => server.close());
beforeEach(() => {
  vi.stubEnv("OPENAI_API_KEY", "sk-test-abcdefghijklmnopqrstuvwxyz");
  vi.stubEnv("OPENAI_BASE_URL", OPENAI_TEST_BASE_URL);
  vi.stubEnv("OPENAI_TIMEOUT_MS", "");
});

const textRequest: LlmRequest = {
  nodeId: "summary",
  model: "gpt-4o-mini",
  prompt: "Summarise: the quarterly report shows growth.",
  system: "You are terse.",
  outputFormat: "text",
  temperature: 0.2,
};

const schema = {
  type: "object",
  properties: {
    title: { type: "string" },
    priority: { type: "string", enum: ["low", "high"] },
    tags: { type: "array", items: { type: "string" } },
  },
  required: ["title", "priority"],
};
const jsonRequest: LlmRequest = {
  nodeId: "extract",
  model: "gpt-4o",
  prompt: "Extract the ticket.",
  outputFormat: "json",
  schema,
};

/** Returns the NodeError a failing call throws. */
async function failure(request: LlmRequest = textRequest): Promise<NodeError> {
  const err = await createOpenAiProvider()
    .complete(request)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(NodeError);
  return err as NodeError;
}

describe("openai provider, chat completions", () => {
  it("answers text and turns usage into tokens and catalog cost", async () => {
    let sent: any;
    server.use(
      chatCompletions((body) => {
        sent = body;
        return reply.text("Growth this quarter.", { usage: { input: 30, output: 6 } });
      }),
    );
    const result = await createOpenAiProvider().complete(textRequest);
    expect(result.output).toBe("Growth this quarter.");
    expect(result.tokens).toEqual({ input: 30, output: 6, total: 36 });
    expect(result.costUsd).toBe(costOf("gpt-4o-mini", result.tokens));
    expect(result.costUsd).toBeGreaterThan(0);
    expect(result.model).toBe("gpt-4o-mini");
    expect(result.settings).toEqual({
      model: "gpt-4o-mini",
      temperature: 0.2,
      api: "chat",
      outputFormat: "text",
    });
    expect(sent.messages).toEqual([
      { role: "system", content: "You are terse." },
      { role: "user", content: textRequest.prompt },
    ]);
    expect(sent.temperature).toBe(0.2);
    expect(sent.response_format).toBeUndefined();
  });

  it("asks for the node's JSON schema (not strict) and returns the parsed, validated object", async () => {
    let sent: any;
    server.use(
      chatCompletions((body) => {
        sent = body;
        return reply.json({ title: "Printer on fire", priority: "high", tags: ["hardware"] });
      }),
    );
    const result = await createOpenAiProvider().complete(jsonRequest);
    expect(result.output).toEqual({ title: "Printer on fire", priority: "high", tags: ["hardware"] });
    expect(sent.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "node_extract", schema, strict: false },
    });
    expect(result.settings.outputFormat).toBe("json");
  });

  it("asks for a JSON object when the node gives no schema, and parses it", async () => {
    let sent: any;
    server.use(
      chatCompletions((body) => {
        sent = body;
        return reply.json({ anything: [1, 2] });
      }),
    );
    const result = await createOpenAiProvider().complete({ ...jsonRequest, schema: undefined });
    expect(result.output).toEqual({ anything: [1, 2] });
    expect(sent.response_format).toEqual({ type: "json_object" });
  });

  it("reports the model the API names, pricing a dated snapshot as the requested model", async () => {
    server.use(
      chatCompletions(
        reply.text("ok", { model: "gpt-4o-mini-2024-07-18", usage: { input: 1000, output: 100 } }),
      ),
    );
    const result = await createOpenAiProvider().complete(textRequest);
    expect(result.model).toBe("gpt-4o-mini-2024-07-18");
    expect(result.costUsd).toBe(costOf("gpt-4o-mini", { input: 1000, output: 100, total: 1100 }));
  });

  it("estimates usage when a compatible server leaves it out", async () => {
    server.use(chatCompletions(reply.text("twelve chars", { usage: null })));
    const result = await createOpenAiProvider().complete(textRequest);
    expect(result.tokens.output).toBe(3);
    expect(result.tokens.input).toBeGreaterThan(0);
    expect(result.tokens.total).toBe(result.tokens.input + result.tokens.output);
  });
});

describe("openai provider, responses API", () => {
  it("answers text through /responses with instructions and input", async () => {
    let sent: any;
    server.use(
      responses((body) => {
        sent = body;
        return reply.text("Short answer.", { usage: { input: 20, output: 3 } });
      }),
    );
    const result = await createOpenAiProvider().complete({ ...textRequest, api: "responses" });
    expect(result.output).toBe("Short answer.");
    expect(result.tokens).toEqual({ input: 20, output: 3, total: 23 });
    expect(result.settings.api).toBe("responses");
    expect(sent.instructions).toBe("You are terse.");
    expect(sent.input).toBe(textRequest.prompt);
  });

  it("asks for JSON through text.format and validates it", async () => {
    let sent: any;
    server.use(
      responses((body) => {
        sent = body;
        return reply.json({ title: "Login broken", priority: "low" });
      }),
    );
    const result = await createOpenAiProvider().complete({ ...jsonRequest, api: "responses" });
    expect(result.output).toEqual({ title: "Login broken", priority: "low" });
    expect(sent.text.format).toEqual({ type: "json_schema", name: "node_extract", schema, strict: false });
  });

  it("rejects a schema-violating answer listing every failing path", async () => {
    server.use(responses(reply.json({ priority: "urgent", tags: ["a", 3] })));
    const err = await failure({ ...jsonRequest, api: "responses" });
    expect(err.code).toBe(ErrorCode.PROVIDER_SCHEMA_VIOLATION);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("$.title is required");
    expect(err.message).toContain("$.priority must be one of");
    expect(err.message).toContain("$.tags[1] must be string");
  });
});

describe("openai provider, failures", () => {
  it("classifies a 429 without Retry-After as a retryable rate limit with no wait", async () => {
    server.use(chatCompletions(reply.rateLimited()));
    const err = await failure();
    expect(err.code).toBe(ErrorCode.PROVIDER_RATE_LIMIT);
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBeUndefined();
  });

  it("honours Retry-After in seconds and retry-after-ms", async () => {
    server.use(chatCompletions(reply.rateLimited({ retryAfter: "7" })));
    expect((await failure()).retryAfterMs).toBe(7000);
    server.use(chatCompletions(reply.rateLimited({ retryAfterMs: "250", retryAfter: "7" })));
    expect((await failure()).retryAfterMs).toBe(250);
  });

  it("honours Retry-After as an HTTP date", async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    server.use(chatCompletions(reply.rateLimited({ retryAfter: at })));
    const err = await failure();
    expect(err.code).toBe(ErrorCode.PROVIDER_RATE_LIMIT);
    // HTTP dates have one-second resolution.
    expect(err.retryAfterMs).toBeGreaterThan(28_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it("classifies 500 and 503 as retryable server errors and never retries inside the SDK", async () => {
    let calls = 0;
    server.use(
      chatCompletions(() => {
        calls++;
        return reply.serverError(500);
      }),
    );
    const err = await failure();
    expect(err.code).toBe(ErrorCode.PROVIDER_SERVER_ERROR);
    expect(err.retryable).toBe(true);
    expect(calls).toBe(1);
    server.use(responses(reply.serverError(503)));
    const unavailable = await failure({ ...textRequest, api: "responses" });
    expect(unavailable.code).toBe(ErrorCode.PROVIDER_SERVER_ERROR);
    expect(unavailable.message).toContain("503");
  });

  it("gives every request 60 s unless OPENAI_TIMEOUT_MS says otherwise (the SDK alone waits 10 minutes)", () => {
    expect(DEFAULT_OPENAI_TIMEOUT_MS).toBe(60_000);
    expect(readSettings({ env: { OPENAI_API_KEY: "sk-x" } }).timeoutMs).toBe(60_000);
    expect(readSettings({ env: { OPENAI_API_KEY: "sk-x", OPENAI_TIMEOUT_MS: "" } }).timeoutMs).toBe(60_000);
    expect(readSettings({ env: { OPENAI_API_KEY: "sk-x", OPENAI_TIMEOUT_MS: "1500" } }).timeoutMs).toBe(1500);
    expect(readSettings({ env: { OPENAI_API_KEY: "sk-x" }, timeoutMs: 7 }).timeoutMs).toBe(7);
  });

  it("classifies a timeout from OPENAI_TIMEOUT_MS as retryable", async () => {
    vi.stubEnv("OPENAI_TIMEOUT_MS", "50");
    server.use(chatCompletions(reply.delayed(2000, reply.text("too late"))));
    const err = await failure();
    expect(err.code).toBe(ErrorCode.PROVIDER_TIMEOUT);
    expect(err.retryable).toBe(true);
  });

  it("reports an aborted call as canceled, not as something to retry", async () => {
    server.use(chatCompletions(reply.delayed(60_000, reply.text("never"))));
    const controller = new AbortController();
    const pending = createOpenAiProvider().complete(textRequest, controller.signal);
    setTimeout(() => controller.abort(), 20);
    const err = await pending.catch((e: NodeError) => e);
    expect(err).toBeInstanceOf(NodeError);
    expect((err as NodeError).code).toBe(ErrorCode.CANCELED);
    expect((err as NodeError).retryable).toBe(false);
  });

  it("classifies a dropped connection as retryable", async () => {
    server.use(chatCompletions(reply.networkError()));
    const err = await failure();
    expect(err.code).toBe(ErrorCode.PROVIDER_CONNECTION);
    expect(err.retryable).toBe(true);
  });

  it("treats an answer that is not JSON as malformed output, not worth retrying", async () => {
    server.use(chatCompletions(reply.text('{"title": "cut off')));
    const err = await failure(jsonRequest);
    expect(err.code).toBe(ErrorCode.PROVIDER_MALFORMED_OUTPUT);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("extract");
  });

  it("treats a broken HTTP body as a retryable server fault", async () => {
    server.use(chatCompletions(reply.malformedBody()));
    const err = await failure();
    expect(err.code).toBe(ErrorCode.PROVIDER_SERVER_ERROR);
    expect(err.retryable).toBe(true);
  });

  it("classifies 400 as a bad request and 401 as auth, neither retryable, keys redacted", async () => {
    server.use(chatCompletions(reply.status(400, { message: "Unsupported parameter: temperature" })));
    const bad = await failure();
    expect(bad.code).toBe(ErrorCode.PROVIDER_BAD_REQUEST);
    expect(bad.retryable).toBe(false);
    expect(bad.message).toContain("Unsupported parameter");

    server.use(
      chatCompletions(
        reply.status(401, { message: "Incorrect API key provided: sk-test-abcdefghijklmnopqrstuvwxyz" }),
      ),
    );
    const auth = await failure();
    expect(auth.code).toBe(ErrorCode.PROVIDER_AUTH);
    expect(auth.retryable).toBe(false);
    expect(auth.message).toContain("Incorrect API key provided");
    expect(auth.message).not.toContain("abcdefghijklmnop");
  });

  it("reads the environment at the first call and names a missing key without any request", async () => {
    vi.stubEnv("OPENAI_API_KEY", "");
    const provider = createOpenAiProvider();
    const err = await provider.complete(textRequest).catch((e: NodeError) => e);
    expect(err).toBeInstanceOf(NodeError);
    expect((err as NodeError).code).toBe(ErrorCode.PROVIDER_CONFIG);
    expect((err as NodeError).message).toContain("OPENAI_API_KEY");

    const lazy = createOpenAiProvider();
    vi.stubEnv("OPENAI_API_KEY", "sk-late-abcdefghijklmnopqrstuvwxyz");
    server.use(chatCompletions(reply.text("configured late")));
    expect((await lazy.complete(textRequest)).output).toBe("configured late");
  });

  it("refuses a timeout that is not a positive number, naming the variable", async () => {
    vi.stubEnv("OPENAI_TIMEOUT_MS", "soon");
    const err = await failure();
    expect(err.code).toBe(ErrorCode.PROVIDER_CONFIG);
    expect(err.message).toContain("OPENAI_TIMEOUT_MS");
  });
});
