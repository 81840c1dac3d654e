"use node";
// What reaps the pairs a crashed follow-up action left behind on a deployment? The cron's action, over the Convex store.
import { v } from "convex/values";
import { reapAbandonedPairs } from "../../shadow/reaper.ts";
import { convexStore } from "../../store/convex.ts";
import { internalAction } from "../_generated/server";

/** Moves pairs waiting for their primary past CUTOVER_PAIR_DEADLINE_MS (default 20 min) to abandoned, counted in the results. */
export const reap = internalAction({
  args: {},
  returns: v.number(),
  handler: async (ctx): Promise<number> =>
    reapAbandonedPairs(convexStore({ query: ctx.runQuery, mutation: ctx.runMutation })),
});
