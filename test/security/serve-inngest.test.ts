// Does serve-inngest hold against the attacks of issue 9, item 6? Each test is the attack, against a running server:
// a forged host to register, a 200 MB body to swallow, a request that makes the SDK fail and print its stack.
import { createHmac, randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { connect } from "node:net";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { SERVE_PATH, type ServedInngest, startInngestServer } from "../../executors/inngest/serve.ts";
import { canonicalJson } from "../../lib/canonical.ts";

// Log lines, captured: the stacks taken out of responses must land here (stderr in production), not on the wire.
const logged = vi.hoisted(() => [] as string[]);
vi.mock("../../lib/log.ts", async () => {
  const { default: pino } = await import("pino");
  const root = pino({ level: "debug", base: undefined }, { write: (line: string) => void logged.push(line) });
  return { logger: () => root, log: (component: string) => root.child({ component }) };
});

const SIGNING_KEY = `signkey-test-${randomBytes(32).toString("hex")}`;
const ORIGIN = "https://cutover.test";
const FN_ID = "inferpipe-execute-workflow";
const MiB = 1024 * 1024;

// The Inngest API, as far as serve-inngest talks to it: every registration it attempts is recorded here.
const registrations: { url: string; body: { url: string; functions: { steps: Record<string, any> }[] } }[] =
  [];
const inngestApi = setupServer(
  http.post("*/fn/register", async ({ request }) => {
    registrations.push({ url: request.url, body: (await request.json()) as any });
    return HttpResponse.json({ ok: true, modified: true });
  }),
);
beforeAll(() =>
  inngestApi.listen({
    onUnhandledRequest: (req, print) => {
      if (new URL(req.url).hostname !== "127.0.0.1") print.error();
    },
  }),
);
afterAll(() => inngestApi.close());

let served: ServedInngest | undefined;
const serverSockets: Socket[] = [];
afterEach(async () => {
  await served?.close();
  served = undefined;
  serverSockets.length = 0;
  registrations.length = 0;
  logged.length = 0;
});

async function serveCloud(maxBodyBytes?: number) {
  served = await startInngestServer({
    port: 0,
    maxBodyBytes,
    env: { INNGEST_SIGNING_KEY: SIGNING_KEY, INNGEST_SERVE_ORIGIN: ORIGIN },
  });
  served.server.on("connection", (s: Socket) => serverSockets.push(s));
  return served;
}

const port = () => Number(new URL((served as ServedInngest).url).port);

/** X-Inngest-Signature as Inngest computes it: HMAC-SHA256 of body + timestamp under the key without its prefix. */
function sign(body: string, key = SIGNING_KEY, ts = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac("sha256", key.replace(/^signkey-\w+-/, ""))
    .update(body + ts)
    .digest("hex");
  return `t=${ts}&s=${mac}`;
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parseResponse(raw: Buffer): RawResponse {
  const text = raw.toString("latin1");
  const split = text.indexOf("\r\n\r\n");
  const head = text.slice(0, split < 0 ? text.length : split).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const c = line.indexOf(":");
    headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  let rest =
    split < 0 ? Buffer.alloc(0) : raw.subarray(Buffer.byteLength(text.slice(0, split + 4), "latin1"));
  if (headers["transfer-encoding"] === "chunked") {
    const parts: Buffer[] = [];
    for (;;) {
      const eol = rest.indexOf("\r\n");
      const size = Number.parseInt(rest.subarray(0, eol).toString(), 16);
      if (!(size > 0)) break;
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      rest = rest.subarray(eol + 2 + size + 2);
    }
    rest = Buffer.concat(parts);
  }
  return { status: Number(head[0]?.split(" ")[1]), headers, body: rest.toString("utf8") };
}

/**
 * Sends a request on a raw socket (so any Host header goes out as written) and returns the response. `stream`,
 * if given, keeps writing body bytes (respecting backpressure) until the server answers or closes, or `limit`
 * bytes are out; `written` tells how many went.
 */
async function raw(
  request: { method: string; path?: string; headers?: Record<string, string>; body?: string },
  stream?: { chunk: Buffer; chunked: boolean; limit: number },
): Promise<RawResponse & { written: number }> {
  const socket = connect(port(), "127.0.0.1");
  const received: Buffer[] = [];
  let answered = false;
  const done = new Promise<void>((resolve) => {
    socket.on("data", (d) => {
      received.push(d);
      answered = true;
    });
    socket.on("close", () => resolve());
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  const headers: Record<string, string> = { host: "127.0.0.1", connection: "close", ...request.headers };
  if (request.body !== undefined) headers["content-length"] = String(Buffer.byteLength(request.body));
  const head = `${request.method} ${request.path ?? SERVE_PATH} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;
  socket.write(head + (request.body ?? ""));
  let written = 0;
  if (stream) {
    while (!answered && !socket.destroyed && written < stream.limit) {
      const frame = stream.chunked
        ? Buffer.concat([
            Buffer.from(`${stream.chunk.length.toString(16)}\r\n`),
            stream.chunk,
            Buffer.from("\r\n"),
          ])
        : stream.chunk;
      written += stream.chunk.length;
      if (!socket.write(frame)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            socket.off("drain", go).off("close", go).off("data", go);
            resolve();
          };
          socket.on("drain", go).on("close", go).on("data", go);
        });
      }
    }
    if (!answered && !socket.destroyed && stream.chunked) socket.write("0\r\n\r\n");
  }
  await done;
  return { ...parseResponse(Buffer.concat(received)), written };
}

/** Every string under `value` that looks like a stack: a non-empty `stack` field or a V8 frame line. */
function stacksIn(text: string): string[] {
  const found: string[] = [];
  const frames = text.match(/\bat [^\s"]+ \([^)]*:\d+:\d+\)|\bat (?:file:\/\/)?\/[^\s"]+:\d+:\d+/g);
  if (frames) found.push(...frames);
  try {
    JSON.parse(text, (key, v) => {
      if (key === "stack" && typeof v === "string" && v !== "") found.push(v);
      return v;
    });
  } catch {}
  return found;
}

/** An execution request as Inngest sends one (canonical JSON: what the SDK verifies the signature over). */
function executionBody(fnId = FN_ID) {
  const event = { name: "inferpipe/workflow.execute", data: { runId: "r1" }, id: "e1", ts: Date.now() };
  return canonicalJson({
    ctx: {
      attempt: 0,
      run_id: "01RUN",
      stack: { stack: [], current: 0 },
      fn_id: fnId,
      disable_immediate_execution: false,
      use_api: false,
    },
    event,
    events: [event],
    steps: {},
    version: 1,
  });
}

describe("attack: make serve-inngest register a URL the attacker chose", () => {
  const forged = { host: "evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" };

  it("an unsigned PUT with X-Forwarded-Host: evil.example is refused and nothing is registered", async () => {
    await serveCloud();
    const res = await raw({ method: "PUT", headers: forged });
    expect(res.status).toBe(401);
    const inBand = await raw({
      method: "PUT",
      headers: { ...forged, "content-type": "application/json", "x-inngest-sync-kind": "in_band" },
      body: JSON.stringify({ url: "https://evil.example/api/inngest" }),
    });
    expect(inBand.status).toBe(401);
    expect(registrations).toEqual([]);
  });

  it("a signed sync carrying forged host headers and a query registers only the configured URL", async () => {
    await serveCloud();
    const res = await raw({
      method: "PUT",
      path: `${SERVE_PATH}?deployId=d1&next=https://evil.example`,
      headers: { ...forged, "x-inngest-signature": sign("") },
    });
    expect(res.status).toBe(200);
    expect(registrations).toHaveLength(1);
    const [registration] = registrations;
    expect(registration?.body.url).toBe(`${ORIGIN}${SERVE_PATH}`);
    const stepUrls = registration?.body.functions.flatMap((f) =>
      Object.values(f.steps).map((s) => s.runtime.url),
    );
    expect(stepUrls?.length).toBeGreaterThan(0);
    for (const url of stepUrls ?? []) expect(new URL(url).origin).toBe(ORIGIN);
    expect(JSON.stringify(registrations)).not.toContain("evil.example");
  });

  it("a signed in-band sync naming evil.example in its body answers with the configured URL", async () => {
    await serveCloud();
    const body = JSON.stringify({ url: "https://evil.example/api/inngest" });
    const res = await raw({
      method: "PUT",
      headers: {
        ...forged,
        "content-type": "application/json",
        "x-inngest-sync-kind": "in_band",
        "x-inngest-signature": sign(body),
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).url).toBe(`${ORIGIN}${SERVE_PATH}`);
    expect(res.body).not.toContain("evil.example");
  });
});

describe("attack: make serve-inngest swallow a huge body before checking its signature", () => {
  it.each([
    ["unsigned", {}],
    ["with a forged signature", { "x-inngest-signature": sign("{}") }],
  ])("a POST declaring 200 MB (%s) gets 413 and none of its body is read", async (_name, signature) => {
    await serveCloud();
    const res = await raw(
      {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(200 * MiB), ...signature },
      },
      { chunk: Buffer.alloc(64 * 1024, 0x20), chunked: false, limit: 200 * MiB },
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ message: "Request body too large" });
    // What the server pulled off the wire: the head and at most a few socket reads, against 200 MB offered.
    expect(serverSockets).toHaveLength(1);
    expect(serverSockets[0]?.bytesRead).toBeLessThan(1 * MiB);
  });

  it("a client asking 'Expect: 100-continue' for 200 MB is answered 413, never told to send", async () => {
    await serveCloud();
    const res = await raw({
      method: "POST",
      headers: {
        "content-type": "application/json",
        "content-length": String(200 * MiB),
        expect: "100-continue",
        "x-inngest-signature": sign("{}"),
      },
    });
    expect(res.status).toBe(413);
  });

  it("a chunked body streaming past the cap gets 413 and is not read beyond the cap", async () => {
    const cap = 256 * 1024;
    await serveCloud(cap);
    const res = await raw(
      {
        method: "POST",
        path: `${SERVE_PATH}?fnId=${FN_ID}&stepId=step`,
        headers: {
          "content-type": "application/json",
          "transfer-encoding": "chunked",
          "x-inngest-signature": sign("{}"),
        },
      },
      { chunk: Buffer.alloc(16 * 1024, 0x20), chunked: true, limit: 64 * MiB },
    );
    expect(res.status).toBe(413);
    expect(serverSockets[0]?.bytesRead).toBeLessThan(cap + 512 * 1024);
  });

  it("an unsigned chunked body is refused before it is read", async () => {
    await serveCloud();
    const res = await raw(
      { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } },
      { chunk: Buffer.alloc(16 * 1024, 0x20), chunked: true, limit: 64 * MiB },
    );
    expect(res.status).toBe(401);
    expect(serverSockets[0]?.bytesRead).toBeLessThan(1 * MiB);
  });

  it("a body just under the cap still reaches the SDK (which checks its signature)", async () => {
    const cap = 256 * 1024;
    await serveCloud(cap);
    const body = JSON.stringify({ pad: "x".repeat(cap - 20) });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(cap);
    const res = await raw({
      method: "POST",
      path: `${SERVE_PATH}?fnId=${FN_ID}`,
      headers: { "content-type": "application/json", "x-inngest-signature": sign("{}") },
      body,
    });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({ message: "Unauthorized" });
  });
});

describe("attack: make serve-inngest answer with a stack trace", () => {
  async function signedPost(path: string, body: string) {
    return raw({
      method: "POST",
      path,
      headers: { "content-type": "application/json", "x-inngest-signature": sign(body) },
      body,
    });
  }

  it("an SDK failure (a function this app does not have) answers 500 without a stack, and the stack is logged", async () => {
    await serveCloud();
    const body = executionBody("no-such-function");
    const res = await signedPost(`${SERVE_PATH}?fnId=no-such-function&stepId=step`, body);
    expect(res.status).toBe(500);
    expect(stacksIn(res.body)).toEqual([]);
    expect(JSON.parse(res.body).message).toMatch(/no-such-function/);
    expect(stacksIn(JSON.stringify(res.headers))).toEqual([]);
    const line = logged.find((l) => l.includes("removed stack traces"));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string).errors[0].stack).toMatch(/\n\s+at /);
  });

  it("a function's rejection answers without a stack, re-signed so Inngest still verifies it", async () => {
    await serveCloud();
    const body = executionBody();
    const res = await signedPost(`${SERVE_PATH}?fnId=${FN_ID}&stepId=step`, body);
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/INPUT_INVALID/);
    expect(stacksIn(res.body)).toEqual([]);
    const sig = new URLSearchParams(res.headers["x-inngest-signature"]);
    expect(sig.get("s")).toBe(
      new URLSearchParams(sign(res.body, SIGNING_KEY, Number(sig.get("t")))).get("s"),
    );
  });

  it("an unknown probe answers 400 without a stack", async () => {
    await serveCloud();
    const res = await signedPost(`${SERVE_PATH}?fnId=${FN_ID}&probe=nonsense`, executionBody());
    expect(res.status).toBe(400);
    expect(stacksIn(res.body)).toEqual([]);
  });

  it("a body that is not JSON answers 400 in a short message and the server keeps serving", async () => {
    await serveCloud();
    const res = await raw({
      method: "POST",
      path: `${SERVE_PATH}?fnId=${FN_ID}`,
      headers: { "content-type": "application/json", "x-inngest-signature": sign("{}") },
      body: "not json {",
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ message: "Request body is not JSON" });
    const again = await signedPost(`${SERVE_PATH}?fnId=${FN_ID}&stepId=step`, executionBody());
    expect(again.status).toBe(400);
  });

  it("404, 405 and 401 answers are one short JSON message", async () => {
    await serveCloud();
    for (const [request, status, message] of [
      [{ method: "GET", path: "/elsewhere" }, 404, "Not found"],
      [{ method: "DELETE" }, 405, "Method not allowed"],
      [{ method: "GET" }, 401, "Unauthorized"],
    ] as const) {
      const res = await raw(request);
      expect(res.status).toBe(status);
      expect(JSON.parse(res.body)).toEqual({ message });
    }
  });
});
