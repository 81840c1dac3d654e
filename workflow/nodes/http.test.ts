import { delay, HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CompiledNode, HttpConfig } from "../compiled.ts";
import { NodeError } from "../errors.ts";
import type { NodeEnv } from "../steps.ts";
import { runHttp } from "./http.ts";

const seen: Array<{ method: string; url: string; headers: Record<string, string>; body: string }> = [];
const server = setupServer(
  http.all("https://api.example.com/echo", async ({ request }) => {
    const body = await request.text();
    seen.push({
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body,
    });
    return HttpResponse.json({ method: request.method, got: body ? JSON.parse(body) : null });
  }),
  http.get("https://api.example.com/text", () => HttpResponse.text("plain words")),
  http.get("https://api.example.com/bad-json", () =>
    HttpResponse.text("{not json", { headers: { "content-type": "application/json" } }),
  ),
  http.get("https://api.example.com/slow", async () => {
    await delay(2000);
    return HttpResponse.json({ late: true });
  }),
  http.get("https://api.example.com/big-declared", () => HttpResponse.text("x".repeat(5000))),
  http.get("https://api.example.com/big-stream", () => {
    let sent = 0;
    const stream = new ReadableStream({
      pull(controller) {
        sent++;
        if (sent > 1000) controller.close();
        else controller.enqueue(new Uint8Array(512));
      },
    });
    return new HttpResponse(stream, { headers: { "content-type": "application/octet-stream" } });
  }),
  http.get("https://api.example.com/status/:code", ({ params }) =>
    HttpResponse.json(
      { error: "nope" },
      {
        status: Number(params.code),
        headers: params.code === "302" ? { location: "https://evil.test/" } : {},
      },
    ),
  ),
  http.get("https://sub.tools.example.org/ok", () => HttpResponse.json({ ok: true })),
);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  seen.length = 0;
});
afterAll(() => server.close());

const SECRET = "sk-live-0123456789abcdef0123";
function env(
  overrides: Partial<NodeEnv["http"]> = {},
  secrets: Record<string, string> = { API_KEY: SECRET },
): NodeEnv {
  return {
    provider: { name: "none", complete: () => Promise.reject(new Error("no llm here")) },
    http: {
      allowHosts: ["api.example.com", "*.tools.example.org"],
      timeoutMs: 1000,
      maxResponseBytes: 64 * 1024,
      ...overrides,
    },
    secret: (name) => secrets[name],
  };
}
function httpNode(config: Partial<HttpConfig> & { url: string }): CompiledNode {
  const method = config.method ?? "GET";
  return {
    id: "call",
    type: "http",
    label: "node-call-http",
    config: { method, headers: {}, sideEffecting: method !== "GET", ...config },
    dependsOn: ["in"],
    incoming: [{ from: "in", handle: null }],
  };
}
const scope = { input: { id: 7, name: "Ada" }, results: { in: { id: 7, name: "Ada" } } };

async function failure(p: Promise<unknown>): Promise<NodeError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(NodeError);
    return err as NodeError;
  }
  throw new Error("expected the call to fail");
}

describe("runHttp", () => {
  it("renders the URL, parses a JSON answer and marks a GET as not side-effecting", async () => {
    const outcome = await runHttp(
      httpNode({ url: "https://api.example.com/echo?id={{input.id}}" }),
      scope,
      env(),
    );
    expect(outcome.output).toEqual({ status: 200, body: { method: "GET", got: null } });
    expect(outcome.sideEffecting).toBe(false);
    expect(seen[0].url).toBe("https://api.example.com/echo?id=7");
    expect(outcome.input).toEqual({ method: "GET", url: "https://api.example.com/echo?id=7", headers: {} });
  });

  it("sends a rendered JSON body on POST and marks it side-effecting", async () => {
    const node = httpNode({
      method: "POST",
      url: "https://api.example.com/echo",
      body: { user: "{{input.name}}", tags: ["id-{{input.id}}"], n: 1 },
    });
    const outcome = await runHttp(node, scope, env());
    expect(outcome.sideEffecting).toBe(true);
    expect(seen[0].headers["content-type"]).toBe("application/json");
    expect(JSON.parse(seen[0].body)).toEqual({ user: "Ada", tags: ["id-7"], n: 1 });
    expect((outcome.output as any).body.got).toEqual({ user: "Ada", tags: ["id-7"], n: 1 });
  });

  it("in a shadow, replays the primary's output of a side-effecting call instead of making it", async () => {
    const node = httpNode({
      method: "POST",
      url: "https://api.example.com/echo",
      body: { user: "{{input.name}}" },
    });
    const primary = await runHttp(node, scope, env());
    expect(seen).toHaveLength(1);
    const shadow = await runHttp(node, scope, { ...env(), sideEffectOutputs: { call: primary.output } });
    expect(seen).toHaveLength(1); // the shadow sent nothing
    expect(shadow.output).toEqual(primary.output);
    expect(shadow.input).toEqual(primary.input);
    expect(shadow.sideEffecting).toBe(true);
  });

  it("in a shadow, refuses a side-effecting call the primary has no output for, and still makes GETs", async () => {
    const post = httpNode({ method: "DELETE", url: "https://api.example.com/echo" });
    const err = await failure(runHttp(post, scope, { ...env(), sideEffectOutputs: {} }));
    expect(err.code).toBe("SIDE_EFFECT_SUPPRESSED");
    expect(err.message).toContain('"call"');
    expect(seen).toHaveLength(0);
    await runHttp(httpNode({ url: "https://api.example.com/echo" }), scope, {
      ...env(),
      sideEffectOutputs: {},
    });
    expect(seen).toHaveLength(1);
  });

  it("resolves secret headers by name and records only the reference", async () => {
    const node = httpNode({
      url: "https://api.example.com/echo",
      headers: { authorization: { $secret: "API_KEY" }, "x-user": "{{input.name}}" },
    });
    const outcome = await runHttp(node, scope, env());
    expect(seen[0].headers.authorization).toBe(SECRET);
    expect(seen[0].headers["x-user"]).toBe("Ada");
    expect((outcome.input as any).headers).toEqual({ authorization: "[secret:API_KEY]", "x-user": "Ada" });
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
  });

  it("fails with SECRET_MISSING naming the secret, before any request", async () => {
    const node = httpNode({
      url: "https://api.example.com/echo",
      headers: { authorization: { $secret: "NOPE" } },
    });
    const err = await failure(runHttp(node, scope, env()));
    expect(err.code).toBe("SECRET_MISSING");
    expect(err.message).toContain('"NOPE"');
    expect(seen).toHaveLength(0);
  });

  it("re-checks the host against the allow-list at run time", async () => {
    const rendered = httpNode({ url: "https://{{input.name}}.evil.test/x" });
    const err = await failure(runHttp(rendered, scope, env()));
    expect(err.code).toBe("HTTP_NOT_ALLOWED");
    expect(err.message).toContain("ada.evil.test");
    expect(
      (
        await failure(
          runHttp(httpNode({ url: "https://api.example.com/echo" }), scope, env({ allowHosts: [] })),
        )
      ).code,
    ).toBe("HTTP_NOT_ALLOWED");
    expect((await failure(runHttp(httpNode({ url: "file:///etc/passwd" }), scope, env()))).code).toBe(
      "HTTP_NOT_ALLOWED",
    );
    expect((await failure(runHttp(httpNode({ url: "not a url" }), scope, env()))).code).toBe(
      "HTTP_NOT_ALLOWED",
    );
    // Wildcard entries cover subdomains only (matching shared with the compiler's allow-hosts.ts).
    expect(
      (await failure(runHttp(httpNode({ url: "https://tools.example.org/ok" }), scope, env()))).code,
    ).toBe("HTTP_NOT_ALLOWED");
    const sub = await runHttp(httpNode({ url: "https://sub.tools.example.org/ok" }), scope, env());
    expect(sub.output).toEqual({ status: 200, body: { ok: true } });
  });

  it("times out with a retryable HTTP_TIMEOUT", async () => {
    const err = await failure(
      runHttp(httpNode({ url: "https://api.example.com/slow" }), scope, env({ timeoutMs: 50 })),
    );
    expect(err.code).toBe("HTTP_TIMEOUT");
    expect(err.retryable).toBe(true);
  });

  it("caps the response size, declared or streamed", async () => {
    const small = env({ maxResponseBytes: 4096 });
    expect(
      (await failure(runHttp(httpNode({ url: "https://api.example.com/big-declared" }), scope, small))).code,
    ).toBe("HTTP_TOO_LARGE");
    expect(
      (await failure(runHttp(httpNode({ url: "https://api.example.com/big-stream" }), scope, small))).code,
    ).toBe("HTTP_TOO_LARGE");
  });

  it("fails non-2xx answers with HTTP_STATUS, retryable only for 5xx and 429, and follows no redirect", async () => {
    const at = (code: number) =>
      runHttp(httpNode({ url: `https://api.example.com/status/${code}` }), scope, env());
    const server = await failure(at(503));
    expect([server.code, server.retryable, server.details?.status]).toEqual(["HTTP_STATUS", true, 503]);
    const missing = await failure(at(404));
    expect([missing.code, missing.retryable]).toEqual(["HTTP_STATUS", false]);
    expect((await failure(at(429))).retryable).toBe(true);
    const redirect = await failure(at(302));
    expect(redirect.message).toContain("redirect not followed");
  });

  it("keeps text bodies as text, also when a JSON content type lies", async () => {
    expect((await runHttp(httpNode({ url: "https://api.example.com/text" }), scope, env())).output).toEqual({
      status: 200,
      body: "plain words",
    });
    expect(
      (await runHttp(httpNode({ url: "https://api.example.com/bad-json" }), scope, env())).output,
    ).toEqual({
      status: 200,
      body: "{not json",
    });
  });

  it("answers CANCELED when the run's signal aborts mid-call", async () => {
    const controller = new AbortController();
    const call = runHttp(httpNode({ url: "https://api.example.com/slow" }), scope, {
      ...env(),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    expect((await failure(call)).code).toBe("CANCELED");
  });
});
