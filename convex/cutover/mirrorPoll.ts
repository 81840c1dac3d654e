"use node";
// When does the mirror poll Inngest? A scheduled action that mirrors open runs, then reschedules itself while any stay open.
import { v } from "convex/values";
import { mirrorOpenRuns } from "../../executors/inngest/mirror-poll.ts";
import { internal } from "../_generated/api";
import { internalAction } from "../_generated/server";

/** Time between passes (MIRROR_POLL_MS in the deployment's environment, default 5 s). */
function intervalMs(): number {
  const ms = Number(process.env.MIRROR_POLL_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : 5_000;
}

/** One pass; the next is scheduled by mirror.continuePoll, which ends the chain once no run is open. */
export const poll = internalAction({
  args: {},
  returns: v.object({ polled: v.number(), closed: v.number(), failed: v.number(), again: v.boolean() }),
  handler: async (ctx): Promise<{ polled: number; closed: number; failed: number; again: boolean }> => {
    const client = {
      query: (ref: any, args: any) => ctx.runQuery(ref, args),
      mutation: (ref: any, args: any) => ctx.runMutation(ref, args),
      // Large step payloads the serving host kept in file storage (convex/inngestBlobs.ts) are read back here.
      action: (ref: any, args: any) => ctx.runAction(ref, args),
    };
    try {
      const pass = await mirrorOpenRuns(client);
      const again = await ctx.runMutation(internal.cutover.mirror.continuePoll, { intervalMs: intervalMs() });
      return { ...pass, again };
    } catch (err) {
      // Keep the chain alive through a failed pass; the lease lets the cron restart it if this fails too.
      await ctx.runMutation(internal.cutover.mirror.continuePoll, { intervalMs: intervalMs() });
      throw err;
    }
  },
});
