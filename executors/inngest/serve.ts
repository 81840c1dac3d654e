// How is `execute-workflow` offered to Inngest? An HTTP endpoint via inngest/node, refusing to start without a way to trust callers.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "inngest/node";
import { createInngestClient, isDevMode } from "./client.ts";
import { nodeEnvFactory } from "./node-env.ts";
import { createExecuteWorkflow, type OrchestratorOptions } from "./orchestrator.ts";

export const SERVE_PATH = "/api/inngest";

/** Thrown when serving would accept unsigned requests in cloud mode. */
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
  /** Orchestrator settings (retries, timeouts, parallelism); the node environment defaults to the process's. */
  orchestrator?: Partial<OrchestratorOptions>;
}

/**
 * Returns a listening server for the function at /api/inngest. Cloud mode (no INNGEST_DEV) needs
 * INNGEST_SIGNING_KEY: the SDK then rejects requests whose signature does not verify.
 */
export async function startInngestServer(
  options: ServeOptions = {},
): Promise<{ server: Server; url: string; mode: "dev" | "cloud"; close(): Promise<void> }> {
  const env = options.env ?? process.env;
  const dev = isDevMode(env);
  if (!dev && !env.INNGEST_SIGNING_KEY) {
    throw new ServeConfigError(
      "refusing to serve: no INNGEST_SIGNING_KEY is set and INNGEST_DEV is not 1 — requests could not be verified. " +
        "Set INNGEST_SIGNING_KEY (Inngest Cloud) or INNGEST_DEV=1 (local dev server).",
    );
  }
  const client = createInngestClient(env);
  const fn = createExecuteWorkflow({ env: nodeEnvFactory(), ...options.orchestrator, client });
  const handler = serve({ client, functions: [fn], servePath: SERVE_PATH });
  const server = createServer((req, res) => {
    if (!req.url?.startsWith(SERVE_PATH)) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: serving at ${SERVE_PATH}\n`);
      return;
    }
    handler(req, res);
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 3000, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${port}${SERVE_PATH}`,
    mode: dev ? "dev" : "cloud",
    close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
