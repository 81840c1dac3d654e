// How does the Convex executor start runs from inside a Convex action? Through the action's ctx, with a dispatcher key per workspace.
import { createHmac } from "node:crypto";
import { internal } from "../convex/_generated/api.js";
import type { ActionCtx } from "../convex/_generated/server.js";
import { ALL_SCOPES, hashApiKey } from "../convex/auth.ts";
import type { ConvexBackend } from "../executors/convex/backend.ts";

/** The deployment secret dispatcher keys are derived from (`npx convex env set CUTOVER_DISPATCH_SECRET ...`). */
export const DISPATCH_SECRET_ENV = "CUTOVER_DISPATCH_SECRET";

/** The name dispatcher keys are registered under; `apiKeys:revoke` with this name stops server-side dispatch. */
export const DISPATCHER_KEY_NAME = "dispatcher";

/**
 * Returns the workspace's dispatcher key: an HMAC of the workspace id under the deployment secret, so
 * every action derives the same key and only its hash is ever stored. Throws naming the variable when
 * the secret is unset.
 */
export function dispatcherKey(workspaceId: string, env: NodeJS.ProcessEnv = process.env): string {
  const secret = env[DISPATCH_SECRET_ENV];
  if (!secret) {
    throw new Error(
      `${DISPATCH_SECRET_ENV} is not set: the run-start path needs it to derive its API keys (npx convex env set ${DISPATCH_SECRET_ENV} <random text>)`,
    );
  }
  return `cvx_dispatch_${createHmac("sha256", secret).update(workspaceId).digest("hex")}`;
}

/**
 * Returns a backend whose queries and mutations are the action's own `ctx.runQuery`/`ctx.runMutation`
 * (no HTTP round trip to the deployment it is part of). The run functions still check an API key: the
 * workspace's dispatcher key, registered (idempotently, by hash) on first use in this action.
 */
export function actionBackend(ctx: Pick<ActionCtx, "runQuery" | "runMutation">, pollMs = 100): ConvexBackend {
  const keys = new Map<string, Promise<string>>();
  return {
    description: "this deployment (action ctx)",
    pollMs,
    query: (ref, args) => ctx.runQuery(ref, args),
    mutation: (ref, args) => ctx.runMutation(ref, args),
    apiKeyFor(workspaceId) {
      let key = keys.get(workspaceId);
      if (!key) {
        key = (async () => {
          const raw = dispatcherKey(workspaceId);
          await ctx.runMutation(internal.apiKeys.register, {
            workspaceId,
            name: DISPATCHER_KEY_NAME,
            keyHash: await hashApiKey(raw),
            scopes: ALL_SCOPES,
          });
          return raw;
        })();
        keys.set(workspaceId, key);
      }
      return key;
    },
  };
}
