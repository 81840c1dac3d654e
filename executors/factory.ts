// Which executor runs a workflow? Builds an Executor by name from the environment and options.
import type { RunOptions } from "../convex/runOptions.ts";
import { createEmbeddedBackend } from "./convex/embedded-backend.ts";
import { ConvexExecutor } from "./convex/executor.ts";
import { createHttpBackend } from "./convex/http-backend.ts";
import type { Executor } from "./executor.ts";
import type { ExecutorName } from "./records.ts";

export interface ExecutorOptions {
  /** Environment to read deployment settings from (CONVEX_URL, CUTOVER_CONVEX_KEY); process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Where to say which backend was chosen (one line); stderr by default. */
  announce?: (line: string) => void;
  /** Execution settings for the runs started (attempts, backoff, deadline, parallelism, ...). */
  runOptions?: Partial<RunOptions>;
}

/**
 * Returns the named executor. "convex" runs on the deployment at CONVEX_URL (with the operator key
 * CUTOVER_CONVEX_KEY) when set, otherwise on the embedded convex-test runtime.
 */
export function createExecutor(name: ExecutorName, options: ExecutorOptions = {}): Executor {
  const env = options.env ?? process.env;
  const announce = options.announce ?? ((line: string) => process.stderr.write(`${line}\n`));
  switch (name) {
    case "convex": {
      const backend = env.CONVEX_URL
        ? createHttpBackend(env.CONVEX_URL, env.CUTOVER_CONVEX_KEY ?? "")
        : createEmbeddedBackend();
      announce(`convex: ${backend.description}`);
      return new ConvexExecutor({ backend, runOptions: options.runOptions });
    }
    case "inngest":
      throw new Error('executor "inngest" is not wired into createExecutor yet');
    default:
      throw new Error(`unknown executor "${name as string}" (expected convex or inngest)`);
  }
}
