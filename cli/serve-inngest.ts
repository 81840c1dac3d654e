// How does an operator offer the orchestrator to Inngest? `cutover serve-inngest [--port] [--serve-origin]`: the function over HTTP until stopped.
import type { Command } from "commander";
import { DEFAULT_MAX_BODY_BYTES, ServeConfigError, startInngestServer } from "../executors/inngest/serve.ts";
import { UsageError } from "./exit.ts";
import { printJson } from "./io.ts";

interface ServeOptions {
  port: string;
  host: string;
  serveOrigin?: string;
  maxBodyBytes: string;
  json?: boolean;
}

export function registerServeInngest(program: Command): void {
  program
    .command("serve-inngest")
    .description(
      "Serve the execute-workflow function for Inngest Cloud (INNGEST_SIGNING_KEY) or a dev server (INNGEST_DEV=1)",
    )
    .option("--port <port>", "port to listen on", "3000")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option(
      "--serve-origin <url>",
      "public origin Inngest reaches this server at; the registered URL is <url>/api/inngest " +
        "(default INNGEST_SERVE_ORIGIN; required in cloud mode; in dev mode the listening address)",
    )
    .option(
      "--max-body-bytes <n>",
      "largest request body read; larger ones get 413 before any signature check",
      String(DEFAULT_MAX_BODY_BYTES),
    )
    .option("--json", "once listening, print { mode, url, registerUrl } on stdout")
    .action(async (opts: ServeOptions) => {
      const port = Number(opts.port);
      if (!/^\d+$/.test(opts.port) || port > 65_535) {
        throw new UsageError(`--port must be a whole number from 0 to 65535, got "${opts.port}"`);
      }
      const maxBodyBytes = Number(opts.maxBodyBytes);
      if (!/^\d+$/.test(opts.maxBodyBytes) || !Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
        throw new UsageError(
          `--max-body-bytes must be a whole number of bytes of at least 1, got "${opts.maxBodyBytes}"`,
        );
      }
      let served: Awaited<ReturnType<typeof startInngestServer>>;
      try {
        served = await startInngestServer({
          port,
          host: opts.host,
          serveOrigin: opts.serveOrigin,
          maxBodyBytes,
        });
      } catch (err) {
        if (err instanceof ServeConfigError) throw new UsageError(err.message);
        if ((err as NodeJS.ErrnoException).code === "EADDRINUSE")
          throw new UsageError(`port ${port} is already in use`);
        throw err;
      }
      process.stderr.write(
        `cutover: serving execute-workflow (${served.mode} mode) at ${served.url}, registered as ${served.registerUrl}\n`,
      );
      if (opts.json) printJson({ mode: served.mode, url: served.url, registerUrl: served.registerUrl });
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.stderr.write("cutover: stopping\n");
          served.close().finally(resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
