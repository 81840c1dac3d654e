// Which Inngest runs our workflows: Cloud, a dev server, or the embedded in-process runner?
import type { RunOptions } from "../../convex/cutover/runOptions.ts";
import { RETRY_POLICY, retryDelayMs } from "../../workflow/retry-policy.ts";
import type { Executor } from "../executor.ts";
import { createInngestClient, isDevMode } from "./client.ts";
import { EmbeddedInngestExecutor } from "./embedded.ts";
import { InngestExecutor, type RunIndex } from "./executor.ts";
import { nodeEnvFactory } from "./node-env.ts";
import { DEFAULT_RETRIES } from "./orchestrator.ts";
import { envBlobStore } from "./payload.ts";
import { InngestRestClient, resolveApiTarget } from "./rest.ts";

export interface InngestBackendOptions {
  env?: NodeJS.ProcessEnv;
  /** Where the one line naming the backend goes (stderr in the CLI). */
  announce?: (line: string) => void;
  runOptions?: Partial<RunOptions>;
  /**
   * Workflow secrets by variable name (`CUTOVER_SECRET_<WORKSPACE>__<NAME>`): the embedded runner reads them
   * before its environment; a served function reads only the serving process's environment.
   */
  secretOverlay?: Record<string, string>;
  /**
   * Where a Cloud or dev-server executor remembers submitted runs (in memory when absent). A process that
   * waits for runs another process submitted (Convex's shadow follow-up) passes the persisted index.
   */
  index?: RunIndex;
}

/** Returns true when the environment names a dev server or Inngest Cloud rather than the embedded runner. */
export function usesRemoteInngest(env: NodeJS.ProcessEnv = process.env): boolean {
  return isDevMode(env) || !!env.INNGEST_EVENT_KEY;
}

/**
 * Returns the Inngest executor the environment asks for: the dev server with INNGEST_DEV=1, Inngest
 * Cloud with INNGEST_EVENT_KEY plus INNGEST_SIGNING_KEY (or INNGEST_API_KEY), else the embedded
 * runner. Throws when only some Cloud credentials are set, naming the missing one.
 */
export function createInngestExecutor(options: InngestBackendOptions = {}): Executor {
  const env = options.env ?? process.env;
  const announce = options.announce ?? ((line: string) => process.stderr.write(`${line}\n`));
  const run = options.runOptions ?? {};
  const retries = Math.min(
    20,
    Math.max(0, run.maxAttempts !== undefined ? run.maxAttempts - 1 : DEFAULT_RETRIES),
  );
  const target = resolveApiTarget(env);
  const dev = isDevMode(env);
  const hasEventKey = !!env.INNGEST_EVENT_KEY;
  if (!dev && (hasEventKey || target.key)) {
    if (!hasEventKey)
      throw new Error(
        "Inngest Cloud needs INNGEST_EVENT_KEY to send runs (or unset the keys to run embedded)",
      );
    if (!target.key) {
      throw new Error(
        "Inngest Cloud needs INNGEST_SIGNING_KEY or INNGEST_API_KEY to read runs (or unset the keys to run embedded)",
      );
    }
  }
  if (usesRemoteInngest(env)) {
    announce(
      `inngest: ${dev ? "dev server" : "Inngest Cloud"} at ${target.baseUrl} (the function is served by \`cutover serve-inngest\`)`,
    );
    const missing = Object.keys(options.secretOverlay ?? {}).filter((name) => env[name] === undefined);
    if (missing.length > 0) announce(`inngest: the serving process must define ${missing.join(", ")}`);
    return new InngestExecutor({
      client: createInngestClient(env),
      rest: new InngestRestClient({ baseUrl: target.baseUrl, key: target.key }),
      redactPaths: run.redactPaths,
      // Event fields too large for the event go where serve-inngest reads them (Convex file storage in production).
      eventBlobs: envBlobStore(env),
      ...(options.index && { index: options.index }),
    });
  }
  announce(
    "inngest: embedded runner (execute-workflow in-process via @inngest/test; no Inngest credentials set)",
  );
  return new EmbeddedInngestExecutor({
    env: nodeEnvFactory({ secretOverlay: options.secretOverlay }),
    retries,
    parallelism: run.parallelism,
    finishTimeoutMs: run.timeoutMs,
    payloadThresholdBytes: run.payloadThresholdBytes,
    redactPaths: run.redactPaths,
    // The backoff of RETRY_POLICY (this run's base and cap when given), as the Convex executor waits.
    retryDelayMs: (attempt, after) =>
      retryDelayMs(
        attempt,
        {
          baseMs: run.backoffBaseMs ?? RETRY_POLICY.backoff.baseMs,
          maxMs: run.backoffMaxMs ?? RETRY_POLICY.backoff.maxMs,
        },
        after,
      ),
  });
}
