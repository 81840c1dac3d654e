// Who may start this run, and of which workflow? The queries the run-start path (HTTP, cron, internal) reads before dispatching.
import { ConvexError, v } from "convex/values";
import { pairIdFor } from "../../shadow/pair-id.ts";
import { internalQuery } from "../_generated/server";
import { hashApiKey, requireWorkspace } from "./auth";

/**
 * Returns `{ ok: true, workspaceId }` when `apiKey` is a live key holding runs:write for the workspace
 * asked for (the key's own workspace when none is named), else `{ ok: false, code, message }` with code
 * UNAUTHENTICATED or FORBIDDEN. The answer never repeats the key.
 */
export const authorize = internalQuery({
  args: { apiKey: v.string(), workspaceId: v.optional(v.string()) },
  returns: v.union(
    v.object({ ok: v.literal(true), workspaceId: v.string() }),
    v.object({ ok: v.literal(false), code: v.string(), message: v.string() }),
  ),
  handler: async (ctx, { apiKey, workspaceId }) => {
    const keyHash = await hashApiKey(apiKey);
    const key = await ctx.db
      .query("cutover_apiKeys")
      .withIndex("by_hash", (q) => q.eq("keyHash", keyHash))
      .unique();
    try {
      await requireWorkspace(ctx, apiKey, workspaceId ?? key?.workspaceId ?? "", "runs:write");
      return { ok: true as const, workspaceId: workspaceId ?? key!.workspaceId };
    } catch (err) {
      if (!(err instanceof ConvexError)) throw err;
      const { code, message } = err.data as { code: string; message: string };
      return { ok: false as const, code, message };
    }
  },
});

/**
 * Returns what a run of the workspace's workflow starts from: the builder graph (JSON text) the workspace
 * saved with `workflows:save`, compiled by the caller on this deployment; null for an unknown workflow.
 * Never a stored compiled version: before issue 9 a tenant could store a hand-made compiled graph
 * (the public `runs.start` took one), and a public start must not run it.
 */
export const workflowSource = internalQuery({
  args: { workspaceId: v.string(), workflowId: v.string() },
  returns: v.union(v.object({ kind: v.literal("graph"), json: v.string() }), v.null()),
  handler: async (ctx, { workspaceId, workflowId }) => {
    const saved = await ctx.db
      .query("cutover_workflows")
      .withIndex("by_workspace_workflow", (q) =>
        q.eq("workspaceId", workspaceId).eq("workflowId", workflowId),
      )
      .unique();
    return saved ? { kind: "graph" as const, json: saved.graphJson } : null;
  },
});

/**
 * Returns how an earlier start of this run went — the executor that answered and whether a shadow pair
 * was opened — or null when the workspace never started it. A retried runId is answered from this, so a
 * flag changed in between cannot send the retry to the other executor.
 */
export const priorStart = internalQuery({
  args: { workspaceId: v.string(), runId: v.string() },
  returns: v.union(v.object({ executor: v.string(), pairId: v.union(v.string(), v.null()) }), v.null()),
  handler: async (ctx, { workspaceId, runId }) => {
    const inngest = await ctx.db
      .query("cutover_inngestRuns")
      .withIndex("by_workspace_run", (q) => q.eq("workspaceId", workspaceId).eq("runId", runId))
      .unique();
    const convex = await ctx.db
      .query("cutover_runs")
      .withIndex("by_workspace_run", (q) => q.eq("workspaceId", workspaceId).eq("runId", runId))
      .unique();
    const executor = inngest || convex?.mirroredFrom ? "inngest" : convex ? "convex" : null;
    if (!executor) return null;
    const pair = await ctx.db
      .query("cutover_shadowPairs")
      .withIndex("by_pair", (q) => q.eq("pairId", pairIdFor(workspaceId, runId)))
      .unique();
    return { executor, pairId: pair?.workspaceId === workspaceId ? pair.pairId : null } as const;
  },
});
