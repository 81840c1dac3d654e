// Which Inngest client sends our events and serves our function? One client, id "inferpipe", configured on first use.
import { Inngest } from "inngest";
import { log } from "../../lib/log.ts";

export const INNGEST_APP_ID = "inferpipe";

/** True when INNGEST_DEV asks for the dev server ("1", "true" or the dev server's URL). */
export function isDevMode(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.INNGEST_DEV?.trim();
  return !!v && v !== "0" && v !== "false";
}

let shared: Inngest | undefined;

/**
 * Returns a new client configured from `env`: dev mode with INNGEST_DEV=1, the event key and
 * signing key from INNGEST_EVENT_KEY / INNGEST_SIGNING_KEY, the SDK's own logs through our logger.
 */
export function createInngestClient(env: NodeJS.ProcessEnv = process.env): Inngest {
  const isDev = isDevMode(env);
  return new Inngest({
    id: INNGEST_APP_ID,
    isDev,
    eventKey: env.INNGEST_EVENT_KEY || undefined,
    signingKey: env.INNGEST_SIGNING_KEY || undefined,
    signingKeyFallback: env.INNGEST_SIGNING_KEY_FALLBACK || undefined,
    baseUrl: env.INNGEST_BASE_URL || undefined,
    logger: log("inngest-sdk"),
  });
}

/** Returns the process's client, built from the environment the first time it is asked for (never at import). */
export function inngestClient(): Inngest {
  shared ??= createInngestClient();
  return shared;
}
