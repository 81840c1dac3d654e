// Which builder graphs does a workspace keep? Save and read workflows as inferpipe stores them.
import { v } from "convex/values";
import { mutation, query } from "../_generated/server";
import { requireWorkspace } from "./auth";

/** Saves (or replaces) a workspace's builder graph; returns its workflowId. */
export const save = mutation({
  args: { apiKey: v.string(), workspaceId: v.string(), workflowId: v.string(), graphJson: v.string() },
  returns: v.string(),
  handler: async (ctx, args) => {
    await requireWorkspace(ctx, args.apiKey, args.workspaceId, "runs:write");
    const graph = JSON.parse(args.graphJson) as { name?: unknown };
    const name = typeof graph.name === "string" ? graph.name : args.workflowId;
    const existing = await ctx.db
      .query("cutover_workflows")
      .withIndex("by_workspace_workflow", (q) =>
        q.eq("workspaceId", args.workspaceId).eq("workflowId", args.workflowId),
      )
      .unique();
    if (existing)
      await ctx.db.patch(existing._id, { name, graphJson: args.graphJson, updatedAt: Date.now() });
    else
      await ctx.db.insert("cutover_workflows", {
        workspaceId: args.workspaceId,
        workflowId: args.workflowId,
        name,
        graphJson: args.graphJson,
        updatedAt: Date.now(),
      });
    return args.workflowId;
  },
});

/** Returns the builder graph (JSON text) and name, or null when the workspace has no such workflow. */
export const get = query({
  args: { apiKey: v.string(), workspaceId: v.string(), workflowId: v.string() },
  returns: v.union(v.object({ workflowId: v.string(), name: v.string(), graphJson: v.string() }), v.null()),
  handler: async (ctx, args) => {
    await requireWorkspace(ctx, args.apiKey, args.workspaceId, "runs:read");
    const wf = await ctx.db
      .query("cutover_workflows")
      .withIndex("by_workspace_workflow", (q) =>
        q.eq("workspaceId", args.workspaceId).eq("workflowId", args.workflowId),
      )
      .unique();
    return wf ? { workflowId: wf.workflowId, name: wf.name, graphJson: wf.graphJson } : null;
  },
});
