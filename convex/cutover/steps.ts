// How does the executing action record each step? Internal mutations for start, finish and skip.
// They address the run's control document and the step by id: a lookup that stays constant-time
// however many steps a run (or the deployment) holds, where an index query would be a scan in the
// embedded runtime; and the control document stays small whatever the run's input.
import { v } from "convex/values";
import { internalMutation, internalQuery } from "../_generated/server";
import { cost, recordError, tokens } from "./schema";

const identity = {
  control: v.id("cutover_runControls"),
  name: v.string(),
  nodeId: v.string(),
  type: v.string(),
};

/**
 * Records that an attempt of a step starts and returns the step's id (pass it back for later attempts
 * and for finish). Returns null, recording nothing, when the run was asked to stop or has ended:
 * that is where cancellation is honoured between steps.
 */
export const begin = internalMutation({
  args: { ...identity, step: v.optional(v.id("cutover_steps")), attempt: v.number(), at: v.number() },
  returns: v.union(v.id("cutover_steps"), v.null()),
  handler: async (ctx, args) => {
    const control = await ctx.db.get(args.control);
    if (!control?.live) return null;
    if (args.step) {
      // A retry: the record keeps its first start and shows the attempt now running.
      await ctx.db.patch(args.step, { status: "running", attempt: args.attempt, error: undefined });
      return args.step;
    }
    return await ctx.db.insert("cutover_steps", {
      workspaceId: control.workspaceId,
      runId: control.runId,
      nodeId: args.nodeId,
      name: args.name,
      type: args.type,
      status: "running",
      attempt: args.attempt,
      costUsd: 0,
      startedAt: args.at,
    });
  },
});

/**
 * Records how an attempt ended; returns true when the run has since been asked to stop. The step is
 * patched without being read first (its id came from begin, and steps are never deleted): each read
 * is a round trip through the runtime, and this runs twice per step with begin.
 */
export const finish = internalMutation({
  args: {
    control: v.id("cutover_runControls"),
    step: v.id("cutover_steps"),
    /** The step's name (as begin recorded it), for the log line of a failed attempt. */
    name: v.string(),
    status: v.union(v.literal("completed"), v.literal("failed"), v.literal("canceled")),
    attempt: v.number(),
    at: v.number(),
    inputJson: v.optional(v.string()),
    outputJson: v.optional(v.string()),
    error: v.optional(recordError),
    tokens: v.optional(tokens),
    costUsd: cost,
    model: v.optional(v.string()),
    settings: v.optional(v.any()),
    /** Set when the attempt failed and another follows after this many milliseconds. */
    retryInMs: v.optional(v.number()),
  },
  returns: v.boolean(),
  handler: async (ctx, args) => {
    const control = await ctx.db.get(args.control);
    if (!control) return true;
    // The run's running totals move by this attempt's usage less what an earlier attempt of the step
    // recorded (the step keeps its last attempt's usage), so the run's end reads no step.
    const before = await ctx.db.get(args.step);
    const was = before?.tokens ?? { input: 0, output: 0, total: 0 };
    const now = args.tokens ?? { input: 0, output: 0, total: 0 };
    const wasCost = before ? before.costUsd : 0;
    const total = control.costUsd === undefined ? 0 : control.costUsd;
    await ctx.db.patch(args.control, {
      tokensIn: (control.tokensIn ?? 0) + now.input - was.input,
      tokensOut: (control.tokensOut ?? 0) + now.output - was.output,
      // One unpriced step makes the run's cost unknown, not smaller.
      costUsd:
        total === null || args.costUsd === null || wasCost === null ? null : total + args.costUsd - wasCost,
    });
    await ctx.db.patch(args.step, {
      status: args.status,
      attempt: args.attempt,
      inputJson: args.inputJson,
      outputJson: args.outputJson,
      error: args.error,
      tokens: args.tokens,
      costUsd: args.costUsd,
      model: args.model,
      settings: args.settings,
      finishedAt: args.at,
    });
    if (args.error) {
      await ctx.db.insert("cutover_logs", {
        workspaceId: control.workspaceId,
        runId: control.runId,
        at: args.at,
        level: args.retryInMs === undefined ? "error" : "warn",
        step: args.name,
        message:
          args.retryInMs === undefined
            ? `attempt ${args.attempt} failed: ${args.error.code} ${args.error.message}`
            : `attempt ${args.attempt} failed: ${args.error.code}; retrying in ${args.retryInMs} ms`,
      });
    }
    return !control.live;
  },
});

/** Records that a node was skipped (all its incoming edges inactive). */
export const skip = internalMutation({
  args: { ...identity, at: v.number() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const control = await ctx.db.get(args.control);
    if (!control) return;
    await ctx.db.insert("cutover_steps", {
      workspaceId: control.workspaceId,
      runId: control.runId,
      nodeId: args.nodeId,
      name: args.name,
      type: args.type,
      status: "skipped",
      attempt: 1,
      costUsd: 0,
    });
  },
});

/** Returns one page of what the completed steps of a running run recorded (the next action of a step-by-step run replays them). */
export const completed = internalQuery({
  args: { control: v.id("cutover_runControls"), cursor: v.optional(v.union(v.string(), v.null())) },
  returns: v.object({
    steps: v.array(
      v.object({
        name: v.string(),
        inputJson: v.optional(v.string()),
        outputJson: v.optional(v.string()),
        tokens: v.optional(tokens),
        costUsd: cost,
        model: v.optional(v.string()),
        settings: v.optional(v.any()),
      }),
    ),
    /** Where the next page starts; null when these were the last (a query reads at most 16 MiB). */
    cursor: v.union(v.string(), v.null()),
  }),
  handler: async (ctx, args) => {
    const control = await ctx.db.get(args.control);
    if (!control) return { steps: [], cursor: null };
    const page = await ctx.db
      .query("cutover_steps")
      .withIndex("by_run_status", (q) => q.eq("runId", control.runId).eq("status", "completed"))
      .paginate({ cursor: args.cursor ?? null, numItems: 4096, maximumBytesRead: 8 * 1024 * 1024 });
    return {
      steps: page.page
        .filter((s) => s.workspaceId === control.workspaceId)
        .map((s) => ({
          name: s.name,
          inputJson: s.inputJson,
          outputJson: s.outputJson,
          tokens: s.tokens,
          costUsd: s.costUsd,
          model: s.model,
          settings: s.settings,
        })),
      cursor: page.isDone ? null : page.continueCursor,
    };
  },
});
