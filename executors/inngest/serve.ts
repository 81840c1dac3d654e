// How is `execute-workflow` offered to Inngest? An HTTP endpoint on the SDK's comm handler, behind guards that run before it.
//
// In order, for every request: only the serve path (404) and GET/PUT/POST (405); a declared body over the cap (413,
// unread); in cloud mode no X-Inngest-Signature header (401, unread); then "100 Continue" if asked for; the body
// counted as it streams (413 past the cap); JSON (400). Only then does the SDK see it: it verifies the signature, and registers or runs the function.
// The URL it registers is the configured origin plus /api/inngest, never a request header. Responses lose stacks.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { InngestCommHandler } from "inngest";
import { log } from "../../lib/log.ts";
import { createInngestClient, isDevMode } from "./client.ts";
import { nodeEnvFactory } from "./node-env.ts";
import { createExecuteWorkflow, type OrchestratorOptions } from "./orchestrator.ts";
import { envBlobStore } from "./payload.ts";
import { DEFAULT_MAX_BODY_BYTES, declaresTooLarge, readCappedBody } from "./serve-body.ts";
import { removeStacks, resignResponse } from "./serve-errors.ts";

export { DEFAULT_MAX_BODY_BYTES } from "./serve-body.ts";

export const SERVE_PATH = "/api/inngest";

/** Thrown when serving would be unsafe or cannot work as configured (the CLI prints it as one line, exit 2). */
export class ServeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServeConfigError";
  }
}

export interface ServeOptions {
  port?: number;
  host?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * The public origin Inngest reaches this server at (`https://cutover.example.com`): the registered URL is
   * it plus /api/inngest. Overrides INNGEST_SERVE_ORIGIN. Required in cloud mode; in dev mode it defaults
   * to the listening address.
   */
  serveOrigin?: string;
  /** The largest request body read, in bytes (default DEFAULT_MAX_BODY_BYTES); larger ones get 413. */
  maxBodyBytes?: number;
  /** Orchestrator settings (retries, timeouts, parallelism); the node environment defaults to the process's. */
  orchestrator?: Partial<OrchestratorOptions>;
}

export interface ServedInngest {
  server: Server;
  /** Where this process listens. */
  url: string;
  /** The only URL this process ever registers with Inngest. */
  registerUrl: string;
  mode: "dev" | "cloud";
  maxBodyBytes: number;
  close(): Promise<void>;
}

/** Returns `raw` as an origin (scheme, host, optional port), or throws ServeConfigError naming the option. */
export function parseServeOrigin(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {}
  if (
    !url ||
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    url.username ||
    url.password ||
    url.pathname !== "/" ||
    url.search ||
    url.hash
  ) {
    throw new ServeConfigError(
      `the serve origin (--serve-origin or INNGEST_SERVE_ORIGIN) must be an http(s) origin such as https://cutover.example.com, with no path, query or credentials; got "${raw}"`,
    );
  }
  return url.origin;
}

/** The origin of a listening address: the unspecified address becomes loopback, IPv6 gets brackets. */
function listenOrigin(host: string, port: number): string {
  const h = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${h.includes(":") ? `[${h}]` : h}:${port}`;
}

/** True when INNGEST_STREAMING asks the SDK to stream responses (which this server does not do). */
function streamingRequested(value: string | undefined): boolean {
  const v = value?.trim().toLowerCase();
  return !!v && !["0", "false", "no", "off"].includes(v);
}

type HandlerArgs = [req: IncomingMessage, res: ServerResponse, body: unknown, query: URLSearchParams];

/**
 * Returns a listening server for the function at /api/inngest. Cloud mode (no INNGEST_DEV) needs
 * INNGEST_SIGNING_KEY and a serve origin: every request must then be signed (sync included), and the
 * SDK rejects those whose signature does not verify.
 */
export async function startInngestServer(options: ServeOptions = {}): Promise<ServedInngest> {
  const env = options.env ?? process.env;
  const dev = isDevMode(env);
  if (!dev && !env.INNGEST_SIGNING_KEY) {
    throw new ServeConfigError(
      "refusing to serve: no INNGEST_SIGNING_KEY is set and INNGEST_DEV is not 1 — requests could not be verified. " +
        "Set INNGEST_SIGNING_KEY (Inngest Cloud) or INNGEST_DEV=1 (local dev server).",
    );
  }
  const rawOrigin = (options.serveOrigin ?? env.INNGEST_SERVE_ORIGIN)?.trim() || undefined;
  const configuredOrigin = rawOrigin === undefined ? undefined : parseServeOrigin(rawOrigin);
  if (!dev && !configuredOrigin) {
    throw new ServeConfigError(
      "refusing to serve: no serve origin in cloud mode — set --serve-origin https://<public host> or INNGEST_SERVE_ORIGIN " +
        "(the URL registered with Inngest is built from it, never from request headers).",
    );
  }
  // The SDK reads INNGEST_STREAMING from the process environment itself, and would then answer every
  // request in a stream this server neither sends nor checks for stacks.
  if (streamingRequested(process.env.INNGEST_STREAMING) || streamingRequested(env.INNGEST_STREAMING)) {
    throw new ServeConfigError(
      "refusing to serve: serve-inngest does not stream responses; unset INNGEST_STREAMING.",
    );
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new ServeConfigError(
      `the body cap must be a whole number of bytes of at least 1, got ${maxBodyBytes}`,
    );
  }

  const logger = log("serve-inngest");
  const client = createInngestClient(env);
  // Large step outputs and event fields sent by reference live where every instance reads them: Convex file
  // storage when CONVEX_URL and CONVEX_DEPLOY_KEY are set, else a directory under the state directory.
  const fn = createExecuteWorkflow({
    env: nodeEnvFactory(),
    blobs: envBlobStore(env),
    ...options.orchestrator,
    client,
  });
  const signingKeys = [env.INNGEST_SIGNING_KEY, env.INNGEST_SIGNING_KEY_FALLBACK].filter(
    (k): k is string => !!k,
  );

  /** Answers without the SDK; a body left unread is never drained: the connection closes once the answer is out. */
  const answer = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    message: string,
    headers = {},
  ) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const unread = !req.complete;
    res.writeHead(status, {
      "content-type": "application/json",
      ...headers,
      ...(unread ? { connection: "close" } : {}),
    });
    res.end(JSON.stringify({ message }));
    if (unread) res.once("finish", () => req.socket.destroy());
  };

  const buildHandler = (origin: string) =>
    new InngestCommHandler<HandlerArgs, void>({
      frameworkName: "nodejs",
      client,
      functions: [fn],
      serveOrigin: origin,
      servePath: SERVE_PATH,
      // Cloud mode: a sync (PUT) or introspection (GET) must be signed too, so no one else can make this process
      // call the Inngest API. (The SDK's default accepts an unsigned PUT and registers.)
      enableUnauthedSync: false,
      streaming: false,
      handler: (req, res, body, query) => ({
        body: () => body,
        env: () => env,
        headers: (key) => {
          const v = req.headers[key.toLowerCase()];
          return Array.isArray(v) ? v[0] : v;
        },
        method: () => req.method ?? "GET",
        // The request's URL as the SDK sees it is always the configured one; only the query comes from the request.
        url: () => new URL(SERVE_PATH, origin),
        queryString: (key) => query.get(key),
        transformResponse: ({ status, headers, body: text }) => {
          const { body: clean, removed } = removeStacks(text, status);
          const out: Record<string, string> = { ...headers };
          if (removed.length > 0) {
            logger[status >= 500 ? "error" : "warn"](
              { status, method: req.method, errors: removed },
              "removed stack traces from a response; they are logged here instead",
            );
            const sigKey = Object.keys(out).find((k) => k.toLowerCase() === "x-inngest-signature");
            if (sigKey) {
              const resigned = resignResponse(text, clean, out[sigKey], signingKeys);
              if (resigned) out[sigKey] = resigned;
              else delete out[sigKey];
            }
          }
          res.writeHead(status, out);
          res.end(clean);
        },
      }),
    });

  let handle: ((...args: HandlerArgs) => Promise<unknown>) | undefined;

  const serveRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const target = req.url ?? "/";
    const q = target.indexOf("?");
    const path = q < 0 ? target : target.slice(0, q);
    if (path !== SERVE_PATH) return answer(req, res, 404, "Not found");
    if (req.method !== "GET" && req.method !== "PUT" && req.method !== "POST") {
      return answer(req, res, 405, "Method not allowed", { allow: "GET, PUT, POST" });
    }
    if (declaresTooLarge(req, maxBodyBytes)) {
      logger.warn(
        { method: req.method, contentLength: req.headers["content-length"], maxBodyBytes },
        "refused a request body over the cap",
      );
      return answer(req, res, 413, "Request body too large");
    }
    // The SDK would refuse it too, but only after reading and parsing the whole body.
    if (!dev && !req.headers["x-inngest-signature"]) return answer(req, res, 401, "Unauthorized");
    // A client that asked before sending (Expect: 100-continue) is told to go on only now, past the checks above.
    if (req.headers.expect?.toLowerCase() === "100-continue") res.writeContinue();
    const read = await readCappedBody(req, maxBodyBytes);
    if (!read.ok) {
      if (read.reason === "aborted") return res.destroy();
      logger.warn(
        { method: req.method, bytesRead: read.bytes, maxBodyBytes },
        "refused a request body over the cap",
      );
      return answer(req, res, 413, "Request body too large");
    }
    let body: unknown = "";
    if (read.body.length > 0) {
      try {
        body = JSON.parse(read.body.toString("utf8"));
      } catch {
        return answer(req, res, 400, "Request body is not JSON");
      }
      if (body === null || typeof body !== "object")
        return answer(req, res, 400, "Request body is not a JSON object");
    }
    if (!handle) return answer(req, res, 503, "Starting");
    await handle(req, res, body, new URLSearchParams(q < 0 ? "" : target.slice(q + 1)));
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    serveRequest(req, res).catch((err: unknown) => {
      logger.error({ err, method: req.method }, "serve-inngest failed to answer a request");
      answer(req, res, 500, "Internal error");
    });
  };
  // With a checkContinue listener Node no longer sends "100 Continue" by itself before the checks have run.
  const server = createServer(onRequest).on("checkContinue", onRequest);
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 3000, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = configuredOrigin ?? listenOrigin(host, port);
  handle = buildHandler(origin).createHandler();
  return {
    server,
    url: `${listenOrigin(host, port)}${SERVE_PATH}`,
    registerUrl: `${origin}${SERVE_PATH}`,
    mode: dev ? "dev" : "cloud",
    maxBodyBytes,
    close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
