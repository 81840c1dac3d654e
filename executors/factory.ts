// Which executor runs a workflow? Builds an Executor by name from the environment and options.
import type { RunOptions } from "../convex/cutover/runOptions.ts";
import { secretVariables } from "../workflow/secrets.ts";
import { createEmbeddedBackend } from "./convex/embedded-backend.ts";
import { ConvexExecutor } from "./convex/executor.ts";
import { createHttpBackend } from "./convex/http-backend.ts";
import type { Executor } from "./executor.ts";
import { createInngestExecutor } from "./inngest/backend.ts";
import type { ExecutorName } from "./records.ts";

export interface ExecutorOptions {
  /** Environment to read deployment settings from (CONVEX_URL, CUTOVER_CONVEX_KEY); process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Where to say which backend was chosen (one line); stderr by default. */
  announce?: (line: string) => void;
  /** Execution settings for the runs started (attempts, backoff, deadline, parallelism, ...). */
  runOptions?: Partial<RunOptions>;
  /**
   * Secret values the workflow's `$secret` references name (compileWorkflow's secretValues), for runs of
   * `secretsWorkspace`. They become that workspace's variables (`CUTOVER_SECRET_<WORKSPACE>__<NAME>`, see
   * workflow/secrets.ts): the embedded runtimes read them in-process; a deployment or a served function
   * reads only its own environment, so the announce line names the variables to set there.
   */
  secrets?: Record<string, string>;
  /** The workspace `secrets` belong to ("default" when absent). */
  secretsWorkspace?: string;
}

/**
 * Returns the named executor. "convex" runs on the deployment at CONVEX_URL (with the operator key
 * CUTOVER_CONVEX_KEY) when set, otherwise on the embedded convex-test runtime.
 */
export function createExecutor(name: ExecutorName, options: ExecutorOptions = {}): Executor {
  const env = options.env ?? process.env;
  const announce = options.announce ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Throws (naming the workspace) when the workspace id cannot hold secrets.
  const variables = secretVariables(options.secretsWorkspace ?? "default", options.secrets ?? {});
  switch (name) {
    case "convex": {
      const backend = env.CONVEX_URL
        ? createHttpBackend(env.CONVEX_URL, env.CUTOVER_CONVEX_KEY ?? "")
        : createEmbeddedBackend();
      announce(`convex: ${backend.description}`);
      const missing = Object.keys(variables).filter((name) => env[name] === undefined);
      if (env.CONVEX_URL && missing.length > 0) {
        announce(
          `convex: the deployment must define ${missing.join(", ")} (npx convex env set <name> <value>)`,
        );
      } else {
        // The embedded runtime's actions read this process's environment, as a deployment reads its own.
        for (const name of missing) process.env[name] = variables[name];
      }
      return new ConvexExecutor({ backend, runOptions: options.runOptions });
    }
    case "inngest":
      return createInngestExecutor({
        env,
        announce,
        runOptions: options.runOptions,
        secretOverlay: variables,
      });
    default:
      throw new Error(`unknown executor "${name as string}" (expected convex or inngest)`);
  }
}
