// How does a regression run reach OpenAI and the http nodes' hosts without leaving the process? msw, one answer plan per run.
import { AsyncLocalStorage } from "node:async_hooks";
import { bypass, delay, type HttpHandler, HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import type { Fault, HttpRoute } from "./corpus.ts";
import { type FakePath, fakeAnswer } from "./fake-openai.ts";
import { type CassetteAnswers, type HttpExchange, redactedExchange } from "./http-cassette.ts";

/** One LLM call a run made, as the case's `requests` expectation reads it. */
export interface SeenCall {
  endpoint: string;
  model: string;
  prompt: string;
  /** What the mock answered: "ok", or the fault ("429", "timeout", …); "cassette" or "recorded" otherwise. */
  reply: string;
}

/** How one run's OpenAI calls are answered. */
export type OpenAiPlan =
  | { kind: "fake" }
  | { kind: "faults"; faults: readonly Fault[] }
  | { kind: "cassette"; answers: CassetteAnswers }
  /** `cutover regress record`: the real API answers and every exchange is kept. */
  | { kind: "record"; exchanges: HttpExchange[] };

/** Everything the mock knows about one run: its plan and what it saw. */
export interface RunTraffic {
  label: string;
  openai: OpenAiPlan;
  routes: readonly HttpRoute[];
  /** record mode: http-node exchanges kept as routes. */
  recordedRoutes?: HttpRoute[];
  routeHits: number[];
  calls: SeenCall[];
  /** Requests that had no answer (unhandled, cassette misses, missing headers): each fails the case. */
  problems: string[];
  /** How long a "timeout" fault holds its request (the client gives up first). */
  hangMs: number;
}

const context = new AsyncLocalStorage<RunTraffic>();
/** Requests made outside any run (nothing should): reported by the runner. */
export const orphanRequests: string[] = [];

/** Returns fresh traffic for one run. */
export function newTraffic(
  label: string,
  openai: OpenAiPlan,
  routes: readonly HttpRoute[],
  hangMs: number,
): RunTraffic {
  return { label, openai, routes, routeHits: routes.map(() => 0), calls: [], problems: [], hangMs };
}

/** Runs `work` with every HTTP request it causes (however deep in the executors) answered by `traffic`'s plan. */
export function withTraffic<T>(traffic: RunTraffic, work: () => Promise<T>): Promise<T> {
  return context.run(traffic, work);
}

/** Returns the prompt text of a request body on either API (system or instructions first). */
export function promptOf(body: Record<string, any>): string {
  if (Array.isArray(body?.messages)) {
    return body.messages
      .map((m: any) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)))
      .join("\n");
  }
  const parts: string[] = [];
  if (typeof body?.instructions === "string") parts.push(body.instructions);
  if (typeof body?.input === "string") parts.push(body.input);
  else if (Array.isArray(body?.input)) {
    for (const item of body.input) {
      if (typeof item?.content === "string") parts.push(item.content);
      else if (Array.isArray(item?.content)) {
        for (const c of item.content) if (typeof c?.text === "string") parts.push(c.text);
      }
    }
  }
  return parts.join("\n");
}

function errorBody(status: number, message: string) {
  return HttpResponse.json(
    { error: { message, type: "regress_fault", param: null, code: null } },
    { status, headers: status === 429 ? { "retry-after": "1" } : {} },
  );
}

/** Returns a 200 answer whose JSON text breaks the node's schema (or, for a text answer, is not JSON). */
function violating(path: FakePath, body: Record<string, any>, n: number) {
  const schema = body.text?.format?.schema ?? body.response_format?.json_schema?.schema;
  // Every property the schema asks for is absent: `required` fails, whatever the types.
  const text = schema ? JSON.stringify({ regressViolation: true }) : "not json {";
  return HttpResponse.json(fakeAnswer(path, body, n, text));
}

async function faultReply(
  fault: Fault,
  path: FakePath,
  body: Record<string, any>,
  n: number,
  traffic: RunTraffic,
) {
  if (typeof fault === "object") {
    const headers: Record<string, string> = {};
    if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
    return HttpResponse.json(
      {
        error: {
          message: fault.message ?? `HTTP ${fault.status}`,
          type: "regress_fault",
          param: null,
          code: null,
        },
      },
      { status: fault.status, headers },
    );
  }
  switch (fault) {
    case "ok":
      return HttpResponse.json(fakeAnswer(path, body, n));
    case "429":
      return errorBody(429, "Rate limit reached for requests");
    case "500":
      return errorBody(500, "The server had an error while processing your request");
    case "timeout":
      // Held past the client's deadline: the SDK gives up first and the step sees a timeout.
      await delay(traffic.hangMs);
      return HttpResponse.error();
    case "malformed":
      return new HttpResponse('{"id": "cc_broken", "choices": [', {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    case "schema-violation":
      return violating(path, body, n);
    case "network-error":
      return HttpResponse.error();
  }
}

function label(fault: Fault): string {
  return typeof fault === "string" ? fault : String(fault.status);
}

async function openAiHandler(path: FakePath, request: Request): Promise<Response> {
  const traffic = context.getStore();
  const original = request.clone();
  const body = (await request.json().catch(() => null)) as Record<string, any>;
  if (!traffic) {
    orphanRequests.push(`POST ${request.url}`);
    return HttpResponse.error();
  }
  const n = traffic.calls.length + 1;
  const call: SeenCall = {
    endpoint: path,
    model: String(body?.model ?? ""),
    prompt: promptOf(body),
    reply: "ok",
  };
  traffic.calls.push(call);
  const plan = traffic.openai;
  switch (plan.kind) {
    case "fake":
      return HttpResponse.json(fakeAnswer(path, body, n));
    case "faults": {
      const fault = plan.faults[n - 1] ?? "ok";
      call.reply = label(fault);
      return faultReply(fault, path, body, n, traffic);
    }
    case "cassette": {
      call.reply = "cassette";
      const found = plan.answers.answer("POST", path, body);
      if (!found.ok) {
        traffic.problems.push(found.miss);
        // A 400 is not retried: the run stops at the first miss, which the case reports.
        return errorBody(400, "regress: cassette miss (see the case's reasons)");
      }
      return HttpResponse.json(found.exchange.response.body as Record<string, unknown>, {
        status: found.exchange.response.status,
      });
    }
    case "record": {
      call.reply = "recorded";
      const response = await fetch(bypass(original));
      const text = await response.text();
      let responseBody: unknown = text;
      try {
        responseBody = JSON.parse(text);
      } catch {}
      plan.exchanges.push(
        redactedExchange({
          request: { method: "POST", path, body },
          response: { status: response.status, body: responseBody },
        }),
      );
      return new HttpResponse(text, { status: response.status, headers: response.headers });
    }
  }
}

function routeMatches(route: HttpRoute, method: string, url: string): boolean {
  if (route.method && route.method !== method) return false;
  return route.url.endsWith("*") ? url.startsWith(route.url.slice(0, -1)) : url === route.url;
}

async function otherHandler(request: Request): Promise<Response> {
  const traffic = context.getStore();
  const what = `${request.method} ${request.url}`;
  if (!traffic) {
    orphanRequests.push(what);
    return HttpResponse.error();
  }
  if (traffic.openai.kind === "record" && traffic.recordedRoutes) {
    const response = await fetch(bypass(request.clone()));
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    traffic.recordedRoutes.push({ method: request.method, url: request.url, status: response.status, body });
    return new HttpResponse(text, { status: response.status, headers: response.headers });
  }
  const index = traffic.routes.findIndex((r) => routeMatches(r, request.method, request.url));
  if (index < 0) {
    traffic.problems.push(
      `unhandled request ${what} (no route in provider.json answers it; nothing leaves the process)`,
    );
    return HttpResponse.error();
  }
  const route = traffic.routes[index];
  traffic.routeHits[index]++;
  for (const [name, value] of Object.entries(route.requireHeaders ?? {})) {
    if (request.headers.get(name) !== value) {
      traffic.problems.push(
        `${what}: header ${name} was ${request.headers.has(name) ? "different" : "absent"}`,
      );
      return HttpResponse.json({ error: `header ${name} required` }, { status: 401 });
    }
  }
  if (route.body === undefined)
    return new HttpResponse(null, { status: route.status, headers: route.headers });
  return HttpResponse.json(route.body as Record<string, unknown>, {
    status: route.status,
    headers: route.headers,
  });
}

const handlers: HttpHandler[] = [
  http.post("*/v1/chat/completions", ({ request }) => openAiHandler("/v1/chat/completions", request)),
  http.post("*/v1/responses", ({ request }) => openAiHandler("/v1/responses", request)),
  http.all("*", ({ request }) => otherHandler(request)),
];

let server: ReturnType<typeof setupServer> | undefined;
let users = 0;
const saved: Record<string, string | undefined> = {};
/** The OpenAI settings a regression run uses: a base URL only msw answers and a key that is not one. */
export const REGRESS_OPENAI_BASE_URL = "https://openai.regress.invalid/v1";

/**
 * Starts intercepting every request this process makes (idempotent; pair each call with stopMock).
 * `record`: the OpenAI key and base URL are the caller's own, for the real API.
 */
export function startMock(options: { record?: boolean; timeoutMs?: number } = {}): void {
  if (users++ > 0) return;
  for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_TIMEOUT_MS"])
    saved[name] = process.env[name];
  if (!options.record) {
    process.env.OPENAI_API_KEY = "sk-regress-not-a-key";
    process.env.OPENAI_BASE_URL = REGRESS_OPENAI_BASE_URL;
    process.env.OPENAI_TIMEOUT_MS = String(options.timeoutMs ?? 3000);
  }
  const started = setupServer(...handlers);
  // The catch-all handler answers everything; this only fires for requests msw could not read at all.
  started.listen({ onUnhandledRequest: "error" });
  server = started;
}

/** Stops intercepting once the last user is done, and restores the OpenAI settings. */
export function stopMock(): void {
  if (--users > 0) return;
  server?.close();
  server = undefined;
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
