// Which store does this process use? The Convex deployment when CONVEX_URL is set, else the local SQLite file.

import { join } from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { internal } from "../convex/_generated/api";
import { type ConvexCaller, convexStore } from "./convex.ts";
import { cutoverHome } from "./home.ts";
import type { ControlStore } from "./port.ts";
import { openSqliteStore } from "./sqlite.ts";

export type { ControlStore } from "./port.ts";

/** The environment does not describe a usable store (for example CONVEX_URL without a deploy key). */
export class StoreConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreConfigError";
  }
}

/**
 * Returns the control-plane store: with CONVEX_URL, the deployment's internal functions reached with
 * CONVEX_DEPLOY_KEY (an admin key: flags are operator-only); otherwise `$CUTOVER_HOME/state.db`.
 */
export function openStore(env: NodeJS.ProcessEnv = process.env): ControlStore {
  const url = env.CONVEX_URL;
  if (!url) return openSqliteStore({ path: join(cutoverHome(env), "state.db") });
  return convexStore(adminClient(url, env) as unknown as ConvexCaller);
}

/** Returns a client of the deployment at `url` that may call internal functions (CONVEX_DEPLOY_KEY). */
function adminClient(url: string, env: NodeJS.ProcessEnv): ConvexHttpClient {
  const key = env.CONVEX_DEPLOY_KEY;
  if (!key) {
    throw new StoreConfigError(
      "CONVEX_URL is set but CONVEX_DEPLOY_KEY is not: the control-plane functions are internal and need a deploy key",
    );
  }
  let client: ConvexHttpClient;
  try {
    client = new ConvexHttpClient(url, { logger: false });
  } catch (err) {
    throw new StoreConfigError(`CONVEX_URL ${url}: ${(err as Error).message}`);
  }
  // setAdminAuth is how Convex's own CLI calls internal functions; its type is not exported.
  (client as unknown as { setAdminAuth(key: string): void }).setAdminAuth(key);
  return client;
}

/**
 * Returns the newest nightly report the deployment's cron kept (its ReportData JSON text), or null before
 * the first night. Needs CONVEX_URL and CONVEX_DEPLOY_KEY (StoreConfigError otherwise).
 */
export async function fetchNightlyReport(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const url = env.CONVEX_URL;
  if (!url)
    throw new StoreConfigError(
      "--from-deployment reads a deployment's nightly report: set CONVEX_URL and CONVEX_DEPLOY_KEY",
    );
  // An admin client may call internal functions; the type says public only, as for the store's calls.
  const client = adminClient(url, env) as unknown as {
    action(
      ref: typeof internal.cutover.nightly.latestJson,
      args: Record<string, never>,
    ): Promise<string | null>;
  };
  return await client.action(internal.cutover.nightly.latestJson, {});
}
