// Which store does this process use? The Convex deployment when CONVEX_URL is set, else the local SQLite file.

import { join } from "node:path";
import { ConvexHttpClient } from "convex/browser";
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
  return convexStore(client as unknown as ConvexCaller);
}
