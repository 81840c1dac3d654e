// Which inferpipe workflows did `cutover import` bring into the production control plane? The imported-workflow
// table keyed by (workspaceId, workflowId); a batch is compared and written in one mutation (one transaction),
// with the same rule as the SQLite store (store/imported-workflows.ts). Operator-only: internal functions.
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { decideImport, type ImportedWorkflow, type ImportOutcome } from "../../store/imported-workflows.ts";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, internalQuery, type QueryCtx } from "../_generated/server";
import { fieldsOf } from "./validators";

const row = v.object({
  workspaceId: v.string(),
  workflowId: v.string(),
  name: v.string(),
  ownerUserId: v.union(v.string(), v.null()),
  documentJson: v.string(),
  workflowVersionId: v.string(),
  profile: v.union(v.literal("legacy"), v.literal("dag")),
});

function toImported(d: Doc<"cutover_importedWorkflows">): ImportedWorkflow {
  const { _id, _creationTime, ...rest } = d;
  return rest;
}

async function rowOf(ctx: QueryCtx, workspaceId: string, workflowId: string) {
  return await ctx.db
    .query("cutover_importedWorkflows")
    .withIndex("by_workspace_workflow", (q) => q.eq("workspaceId", workspaceId).eq("workflowId", workflowId))
    .unique();
}

/** Stores a checked batch in one transaction; returns per row imported, updated or unchanged. */
export const put = internalMutation({
  args: { rows: v.array(row), at: v.string() },
  returns: v.any(),
  handler: async (ctx, { rows, at }) => {
    const outcomes: ImportOutcome[] = [];
    for (const next of rows) {
      const existing = await rowOf(ctx, next.workspaceId, next.workflowId);
      const decided = decideImport(existing ? toImported(existing) : null, next, at);
      if (decided.row) {
        if (existing) await ctx.db.replace("cutover_importedWorkflows", existing._id, decided.row);
        else await ctx.db.insert("cutover_importedWorkflows", decided.row);
      }
      outcomes.push(decided.outcome);
    }
    return outcomes;
  },
});

/** Returns the workspace's imported workflow, or null. */
export const get = internalQuery({
  args: { workspaceId: v.string(), workflowId: v.string() },
  returns: v.union(fieldsOf("cutover_importedWorkflows"), v.null()),
  handler: async (ctx, { workspaceId, workflowId }) => {
    const d = await rowOf(ctx, workspaceId, workflowId);
    return d ? toImported(d) : null;
  },
});

/** Returns the imported workflow in every workspace that has this id, ordered by workspaceId. */
export const find = internalQuery({
  args: { workflowId: v.string() },
  returns: v.array(fieldsOf("cutover_importedWorkflows")),
  handler: async (ctx, { workflowId }) => {
    const rows = await ctx.db
      .query("cutover_importedWorkflows")
      .withIndex("by_workflow", (q) => q.eq("workflowId", workflowId))
      .collect();
    return rows.map(toImported);
  },
});

/** Returns one page of imported workflows without their documents, by workspaceId then workflowId. */
export const list = internalQuery({
  args: { workspaceId: v.optional(v.string()), paginationOpts: paginationOptsValidator },
  returns: v.any(),
  handler: async (ctx, { workspaceId, paginationOpts }) => {
    const table = ctx.db.query("cutover_importedWorkflows");
    const q =
      workspaceId === undefined
        ? table.withIndex("by_workspace_workflow")
        : table.withIndex("by_workspace_workflow", (i) => i.eq("workspaceId", workspaceId));
    const page = await q.order("asc").paginate(paginationOpts);
    return {
      page: page.page.map((d) => {
        const { documentJson: _, ...summary } = toImported(d);
        return summary;
      }),
      isDone: page.isDone,
      continueCursor: page.continueCursor,
    };
  },
});
