import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../workflow/errors.ts";
import { createOpenAiProvider } from "../../workflow/providers/openai.ts";
import { chatCompletions, OPENAI_TEST_BASE_URL, openaiHandlers, reply } from "./openai.ts";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const provider = () =>
  createOpenAiProvider({ apiKey: "sk-test-abcdefghijklmnopqrstuvwxyz", baseURL: OPENAI_TEST_BASE_URL });
const request = { nodeId: "n", model: "gpt-4o-mini", prompt: "hi", outputFormat: "text" as const };

describe("msw OpenAI handlers", () => {
  it("answer successive calls with successive replies, repeating the last", async () => {
    server.use(
      chatCompletions(reply.rateLimited({ retryAfter: "1" }), reply.serverError(502), reply.text("ok")),
    );
    const openai = provider();
    await expect(openai.complete(request)).rejects.toMatchObject({ code: ErrorCode.PROVIDER_RATE_LIMIT });
    await expect(openai.complete(request)).rejects.toMatchObject({ code: ErrorCode.PROVIDER_SERVER_ERROR });
    expect((await openai.complete(request)).output).toBe("ok");
    expect((await openai.complete(request)).output).toBe("ok");
  });

  it("serve both APIs from one reply list, each counting its own calls", async () => {
    server.use(...openaiHandlers((body, call) => reply.text(`${body.model} #${call}`)));
    const openai = provider();
    expect((await openai.complete(request)).output).toBe("gpt-4o-mini #0");
    expect((await openai.complete({ ...request, api: "responses" })).output).toBe("gpt-4o-mini #0");
    expect((await openai.complete(request)).output).toBe("gpt-4o-mini #1");
  });
});
