// How does the executing action record each step? Internal mutations for start, finish and skip.
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel";
import { internalMutation, type MutationCtx } from "./_generated/server";

async function runOf(ctx: MutationCtx, runId: string): Promise<Doc<"runs"> | null> {
  return await ctx.db
    .query("runs")
    .withIndex("by_run", (q) => q.eq("runId", runId))
    .unique();
}

async function stepOf(ctx: MutationCtx, runId: string, name: string) {
  return await ctx.db
    .query("steps")
    .withIndex("by_run_name", (q) => q.eq("runId", runId).eq("name", name))
    .unique();
}

const identity = { runId: v.string(), name: v.string(), nodeId: v.string(), type: v.string() };

/**
 * Records that an attempt of a step starts. Returns false, recording nothing, when the run was asked
 * to stop or has ended: that is where cancellation is honoured between steps.
 */
export const begin = internalMutation({
  args: { ...identity, attempt: v.number(), at: v.number() },
  handler: async (ctx, args) => {
    const run = await runOf(ctx, args.runId);
    if (!run || run.cancelRequested || run.status !== "running") return false;
    const step = await stepOf(ctx, args.runId, args.name);
    if (step) {
      // A retry: the record keeps its first start and shows the attempt now running.
      await ctx.db.patch(step._id, { status: "running", attempt: args.attempt, error: undefined });
    } else {
      await ctx.db.insert("steps", {
        workspaceId: run.workspaceId,
        runId: args.runId,
        nodeId: args.nodeId,
        name: args.name,
        type: args.type,
        status: "running",
        attempt: args.attempt,
        costUsd: 0,
        startedAt: args.at,
      });
    }
    return true;
  },
});

/** Records how an attempt ended; returns true when the run has since been asked to stop. */
export const finish = internalMutation({
  args: {
    ...identity,
    status: v.union(v.literal("completed"), v.literal("failed"), v.literal("canceled")),
    attempt: v.number(),
    at: v.number(),
    inputJson: v.optional(v.string()),
    outputJson: v.optional(v.string()),
    error: v.optional(v.object({ code: v.string(), message: v.string() })),
    tokens: v.optional(v.object({ input: v.number(), output: v.number(), total: v.number() })),
    costUsd: v.number(),
    model: v.optional(v.string()),
    settings: v.optional(v.any()),
    /** Set when the attempt failed and another follows after this many milliseconds. */
    retryInMs: v.optional(v.number()),
  },
  handler: async (ctx, args) => {
    const run = await runOf(ctx, args.runId);
    if (!run) return true;
    const { retryInMs, ...fields } = args;
    const step = await stepOf(ctx, args.runId, args.name);
    const patch = {
      status: fields.status,
      attempt: fields.attempt,
      inputJson: fields.inputJson,
      outputJson: fields.outputJson,
      error: fields.error,
      tokens: fields.tokens,
      costUsd: fields.costUsd,
      model: fields.model,
      settings: fields.settings,
      finishedAt: fields.at,
    };
    if (step) await ctx.db.patch(step._id, patch);
    else
      await ctx.db.insert("steps", {
        workspaceId: run.workspaceId,
        runId: args.runId,
        nodeId: args.nodeId,
        name: args.name,
        type: args.type,
        startedAt: args.at,
        ...patch,
      });
    if (args.error) {
      await ctx.db.insert("logs", {
        workspaceId: run.workspaceId,
        runId: run.runId,
        at: args.at,
        level: retryInMs === undefined ? "error" : "warn",
        step: args.name,
        message:
          retryInMs === undefined
            ? `attempt ${args.attempt} failed: ${args.error.code} ${args.error.message}`
            : `attempt ${args.attempt} failed: ${args.error.code}; retrying in ${retryInMs} ms`,
      });
    }
    return run.cancelRequested;
  },
});

/** Records that a node was skipped (all its incoming edges inactive). */
export const skip = internalMutation({
  args: { ...identity, at: v.number() },
  handler: async (ctx, args) => {
    const run = await runOf(ctx, args.runId);
    if (!run || (await stepOf(ctx, args.runId, args.name))) return;
    await ctx.db.insert("steps", {
      workspaceId: run.workspaceId,
      runId: args.runId,
      nodeId: args.nodeId,
      name: args.name,
      type: args.type,
      status: "skipped",
      attempt: 1,
      costUsd: 0,
    });
  },
});
