// How does the Convex executor start runs from inside a Convex action? Through the action's ctx and the internal run functions: no key.
import type { ActionCtx } from "../convex/_generated/server.js";
import type { ConvexBackend } from "../executors/convex/backend.ts";
import { trustedRunCalls } from "../executors/convex/run-calls.ts";

/**
 * Returns a backend whose calls are the action's own `ctx.runQuery`/`ctx.runMutation` (no HTTP round trip
 * to the deployment it is part of). Runs are started, read and canceled through the internal functions:
 * code of the deployment needs no API key, so there is no dispatcher key to derive, store, leak or rotate.
 */
export function actionBackend(
  ctx: Pick<ActionCtx, "runQuery" | "runMutation"> & Partial<Pick<ActionCtx, "storage">>,
  pollMs = 100,
): ConvexBackend {
  return {
    description: "this deployment (action ctx)",
    pollMs,
    query: (ref, args) => ctx.runQuery(ref, args),
    mutation: (ref, args) => ctx.runMutation(ref, args),
    apiKeyFor: async () => {
      throw new Error("the deployment's own actions call internal functions and hold no API key");
    },
    runs: trustedRunCalls({
      query: ctx.runQuery,
      mutation: ctx.runMutation,
      // Inputs over the payload threshold go to file storage before the run starts (run-input.ts).
      ...(ctx.storage && {
        storeText: async (text: string) =>
          await ctx.storage!.store(new Blob([text], { type: "application/json" })),
      }),
    }),
  };
}
