// How does an operator offer the orchestrator to Inngest? `cutover serve-inngest [--port]`: the function over HTTP until stopped.
import type { Command } from "commander";
import { ServeConfigError, startInngestServer } from "../executors/inngest/serve.ts";
import { UsageError } from "./exit.ts";

export function registerServeInngest(program: Command): void {
  program
    .command("serve-inngest")
    .description(
      "Serve the execute-workflow function for Inngest Cloud (INNGEST_SIGNING_KEY) or a dev server (INNGEST_DEV=1)",
    )
    .option("--port <port>", "port to listen on", "3000")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .action(async (opts: { port: string; host: string }) => {
      const port = Number(opts.port);
      if (!/^\d+$/.test(opts.port) || port > 65_535) {
        throw new UsageError(`--port must be a whole number from 0 to 65535, got "${opts.port}"`);
      }
      let served: Awaited<ReturnType<typeof startInngestServer>>;
      try {
        served = await startInngestServer({ port, host: opts.host });
      } catch (err) {
        if (err instanceof ServeConfigError) throw new UsageError(err.message);
        if ((err as NodeJS.ErrnoException).code === "EADDRINUSE")
          throw new UsageError(`port ${port} is already in use`);
        throw err;
      }
      process.stderr.write(`cutover: serving execute-workflow (${served.mode} mode) at ${served.url}\n`);
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
