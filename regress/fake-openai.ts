// How did OpenAI answer when the legacy recordings were made? The reference README's fake server, as msw handlers
// (tests) and as answers `cutover regress` serves at run time.
import { type HttpHandler, HttpResponse, http } from "msw";

/** Returns the value the fake server fills a JSON Schema with: each property in order, enum → first, anyOf → first. */
export function fill(schema: unknown): unknown {
  if (!schema || typeof schema !== "object") return null;
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.enum)) return s.enum[0];
  if (Array.isArray(s.anyOf)) return fill(s.anyOf[0]);
  switch (s.type) {
    case "object": {
      const out: Record<string, unknown> = {};
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      for (const [key, value] of Object.entries(properties)) out[key] = fill(value);
      return out;
    }
    case "string":
      return "x";
    case "number":
    case "integer":
      return 1;
    case "boolean":
      return true;
    case "array":
      return [];
    default:
      return null;
  }
}

/** One request the fake server received: the API path and the JSON body, as the legacy recordings keep them. */
export interface SeenRequest {
  path: string;
  body: Record<string, unknown>;
}

/**
 * Returns handlers answering as the fake server did, and the requests they saw. The counter `n` starts
 * at 1 and counts every request: use one instance per run, as the recordings did.
 */
export function fakeOpenAi(): { handlers: HttpHandler[]; requests: SeenRequest[] } {
  const requests: SeenRequest[] = [];
  const seen = async (request: Request, path: string) => {
    const body = (await request.json()) as Record<string, any>;
    requests.push({ path, body });
    return { body, n: requests.length };
  };
  return {
    requests,
    handlers: [
      http.post("*/v1/responses", async ({ request }) => {
        const { body, n } = await seen(request, "/v1/responses");
        return HttpResponse.json(fakeAnswer("/v1/responses", body, n));
      }),
      http.post("*/v1/chat/completions", async ({ request }) => {
        const { body, n } = await seen(request, "/v1/chat/completions");
        return HttpResponse.json(fakeAnswer("/v1/chat/completions", body, n));
      }),
    ],
  };
}

/** The API paths the fake server answers. */
export type FakePath = "/v1/responses" | "/v1/chat/completions";

/** Returns the fake server's answer text to the `n`th request of a run (1-based). */
export function fakeAnswerText(body: Record<string, any>, n: number): string {
  if (body.text?.format?.type === "json_schema") return JSON.stringify(fill(body.text.format.schema));
  // Chat Completions with a schema (dag json nodes) are filled the same way; without one, as the reference says.
  if (body.response_format?.json_schema?.schema) {
    return JSON.stringify(fill(body.response_format.json_schema.schema));
  }
  if (body.response_format) return JSON.stringify({ message: "hi" });
  return `answer#${n}`;
}

/** Returns the fake server's whole response body to the `n`th request of a run, carrying `text` (its answer by default). */
export function fakeAnswer(
  path: FakePath,
  body: Record<string, any>,
  n: number,
  text: string = fakeAnswerText(body, n),
): Record<string, unknown> {
  if (path === "/v1/responses") {
    return {
      id: `resp_${n}`,
      object: "response",
      created_at: 1758200000,
      model: body.model,
      status: "completed",
      output: [
        {
          type: "message",
          id: `msg_${n}`,
          status: "completed",
          role: "assistant",
          content: [{ type: "output_text", text, annotations: [] }],
        },
      ],
      usage: { input_tokens: 11, output_tokens: 7, total_tokens: 18 },
    };
  }
  return {
    id: `cc_${n}`,
    object: "chat.completion",
    created: 1758200000,
    model: body.model,
    choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: text } }],
    usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
  };
}
