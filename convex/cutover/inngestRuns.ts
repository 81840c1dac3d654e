// Which Inngest event and run stand behind our runId? The InngestExecutor's persisted index, one row per run.
import { v } from "convex/values";
import { redact } from "../../lib/redact.ts";
import { internalMutation, internalQuery } from "../_generated/server";
import { kickPoller } from "./mirror";
import { ensureWorkflowVersion, prefixed } from "./runs";

/** Returns the entry with its compiled workflow (JSON text), or null when the workspace has no such run. */
export const get = internalQuery({
  args: { workspaceId: v.string(), runId: v.string() },
  returns: v.union(
    v.object({
      eventId: v.string(),
      inngestRunId: v.optional(v.string()),
      provider: v.optional(v.string()),
      metaJson: v.string(),
      compiledJson: v.string(),
    }),
    v.null(),
  ),
  handler: async (ctx, args) => {
    const entry = await ctx.db
      .query("cutover_inngestRuns")
      .withIndex("by_workspace_run", (q) => q.eq("workspaceId", args.workspaceId).eq("runId", args.runId))
      .unique();
    if (!entry) return null;
    const version = await ctx.db
      .query("cutover_workflowVersions")
      .withIndex("by_workspace_version", (q) =>
        q.eq("workspaceId", entry.workspaceId).eq("workflowVersionId", entry.workflowVersionId),
      )
      .unique();
    if (!version)
      throw new Error(`inngest run ${entry.runId}: workflow version ${entry.workflowVersionId} is missing`);
    return {
      eventId: entry.eventId,
      inngestRunId: entry.inngestRunId,
      provider: entry.provider,
      metaJson: entry.metaJson,
      compiledJson: version.compiledJson,
    };
  },
});

/**
 * Records a submitted run, or what has since been learnt of it (its Inngest run id). The input is
 * redacted before it is stored (secret keys and the run's redaction paths); the compiled workflow
 * goes to workflowVersions once. A new entry is open for mirroring; with `kickMirror` the poller
 * starts at once instead of at the next cron tick.
 */
export const put = internalMutation({
  args: {
    workspaceId: v.string(),
    runId: v.string(),
    eventId: v.string(),
    inngestRunId: v.optional(v.string()),
    provider: v.optional(v.string()),
    metaJson: v.string(),
    workflowJson: v.string(),
    kickMirror: v.boolean(),
  },
  returns: v.null(),
  handler: async (ctx, args): Promise<void> => {
    const meta = JSON.parse(args.metaJson) as { input?: unknown; redactPaths?: string[] };
    const metaJson = JSON.stringify({
      ...meta,
      input: redact(meta.input ?? null, prefixed("input", meta.redactPaths ?? [])),
    });
    const existing = await ctx.db
      .query("cutover_inngestRuns")
      .withIndex("by_workspace_run", (q) => q.eq("workspaceId", args.workspaceId).eq("runId", args.runId))
      .unique();
    if (existing) {
      await ctx.db.patch(existing._id, {
        eventId: args.eventId,
        inngestRunId: args.inngestRunId ?? existing.inngestRunId,
        metaJson,
      });
      return;
    }
    const workflow = await ensureWorkflowVersion(ctx, args.workspaceId, args.workflowJson);
    await ctx.db.insert("cutover_inngestRuns", {
      workspaceId: args.workspaceId,
      runId: args.runId,
      workflowVersionId: workflow.workflowVersionId,
      eventId: args.eventId,
      ...(args.inngestRunId && { inngestRunId: args.inngestRunId }),
      ...(args.provider && { provider: args.provider }),
      metaJson,
      createdAt: Date.now(),
      open: true,
      polledAt: 0,
    });
    if (args.kickMirror) await kickPoller(ctx);
  },
});
