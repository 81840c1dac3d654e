// What happened during a run, in words? The run's log lines, read per workspace.
import { v } from "convex/values";
import { query } from "../_generated/server";
import { requireWorkspace } from "./auth";

/** Returns the run's log lines, oldest first (empty when the workspace has no such run). */
export const list = query({
  args: { apiKey: v.string(), workspaceId: v.string(), runId: v.string() },
  returns: v.array(
    v.object({
      at: v.number(),
      level: v.union(v.literal("info"), v.literal("warn"), v.literal("error")),
      message: v.string(),
      step: v.optional(v.string()),
    }),
  ),
  handler: async (ctx, args) => {
    await requireWorkspace(ctx, args.apiKey, args.workspaceId, "runs:read");
    const lines = await ctx.db
      .query("cutover_logs")
      .withIndex("by_run", (q) => q.eq("runId", args.runId))
      .collect();
    return lines
      .filter((l) => l.workspaceId === args.workspaceId)
      .map(({ at, level, message, step }) => ({ at, level, message, step }));
  },
});
