// How do Inngest runs land in runs/steps/logs? Upserts keyed so a re-poll rewrites rows instead of adding them, and the poller's lease.
import { ConvexError, v } from "convex/values";
import { redact, redactString } from "../../lib/redact.ts";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { cost, recordError, stepFields, tokens } from "./schema";

/** Returns JSON text with secrets replaced (text that is not JSON is scrubbed as a string). */
function redactJson(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.stringify(redact(JSON.parse(text)));
  } catch {
    return redactString(text);
  }
}

function redactError(error: { code: string; message: string } | undefined) {
  return error && { code: error.code, message: redactString(error.message) };
}

/** Returns the fields of `next` that differ from `doc` (absent ones included, so patch clears them). */
function changes<T extends Record<string, unknown>>(doc: Record<string, unknown>, next: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(next) as (keyof T & string)[]) {
    if (JSON.stringify(doc[key]) !== JSON.stringify(next[key])) out[key] = next[key];
  }
  return out;
}

/** Returns the mirrored run row; throws when the id belongs to another workspace or to a legacy run. */
async function mirroredRun(
  ctx: MutationCtx,
  workspaceId: string,
  runId: string,
): Promise<Doc<"cutover_runs"> | null> {
  // Run ids are per workspace: another tenant's run with the same id is not this one.
  const run = await ctx.db
    .query("cutover_runs")
    .withIndex("by_workspace_run", (q) => q.eq("workspaceId", workspaceId).eq("runId", runId))
    .unique();
  if (!run) return null;
  // A legacy row with this id is another executor's run: the mirror never overwrites it.
  if (run.mirroredFrom !== "inngest")
    throw new ConvexError({ code: "RUN_NOT_MIRRORED", message: `run ${runId} was not executed on Inngest` });
  return run;
}

/** Writes the run row (inserting it the first time), redacted; changes nothing when nothing changed. */
export const upsertRun = internalMutation({
  args: {
    workspaceId: v.string(),
    runId: v.string(),
    workflowId: v.string(),
    workflowVersionId: v.string(),
    status: v.union(
      v.literal("queued"),
      v.literal("running"),
      v.literal("completed"),
      v.literal("failed"),
      v.literal("canceled"),
    ),
    inputJson: v.string(),
    outputJson: v.optional(v.string()),
    error: v.optional(recordError),
    tokens,
    costUsd: cost,
    createdAt: v.number(),
    startedAt: v.optional(v.number()),
    finishedAt: v.optional(v.number()),
    shadow: v.optional(v.object({ pairId: v.string(), of: v.string() })),
  },
  returns: v.null(),
  handler: async (ctx, args): Promise<void> => {
    const next = {
      status: args.status,
      inputJson: redactJson(args.inputJson) as string,
      outputJson: redactJson(args.outputJson),
      error: redactError(args.error),
      tokens: args.tokens,
      costUsd: args.costUsd,
      startedAt: args.startedAt,
      finishedAt: args.finishedAt,
      shadow: args.shadow,
    };
    const run = await mirroredRun(ctx, args.workspaceId, args.runId);
    if (run) {
      const patch = changes(run, next);
      if (Object.keys(patch).length > 0) await ctx.db.patch(run._id, patch);
      return;
    }
    const entry = await ctx.db
      .query("cutover_inngestRuns")
      .withIndex("by_workspace_run", (q) => q.eq("workspaceId", args.workspaceId).eq("runId", args.runId))
      .unique();
    await ctx.db.insert("cutover_runs", {
      ...next,
      workspaceId: args.workspaceId,
      runId: args.runId,
      workflowId: args.workflowId,
      workflowVersionId: args.workflowVersionId,
      provider: entry?.provider ?? "unknown",
      createdAt: args.createdAt,
      cancelRequested: false,
      options: {},
      mirroredFrom: "inngest",
    });
  },
});

/** Writes a step row keyed by (runId, name), redacted; retries update the attempt on the same row. */
export const upsertStep = internalMutation({
  args: stepFields,
  returns: v.null(),
  handler: async (ctx, args): Promise<void> => {
    if (!(await mirroredRun(ctx, args.workspaceId, args.runId)))
      throw new Error(`mirror: step ${args.name} of run ${args.runId} arrived before its run`);
    const next = {
      nodeId: args.nodeId,
      type: args.type,
      status: args.status,
      attempt: args.attempt,
      inputJson: redactJson(args.inputJson),
      outputJson: redactJson(args.outputJson),
      error: redactError(args.error),
      tokens: args.tokens,
      costUsd: args.costUsd,
      model: args.model,
      startedAt: args.startedAt,
      finishedAt: args.finishedAt,
    };
    const step = await ctx.db
      .query("cutover_steps")
      .withIndex("by_run_name", (q) => q.eq("runId", args.runId).eq("name", args.name))
      .filter((q) => q.eq(q.field("workspaceId"), args.workspaceId))
      .unique();
    if (step) {
      const patch = changes(step, next);
      if (Object.keys(patch).length > 0) await ctx.db.patch(step._id, patch);
      return;
    }
    await ctx.db.insert("cutover_steps", {
      ...next,
      workspaceId: args.workspaceId,
      runId: args.runId,
      name: args.name,
    });
  },
});

/** Adds a log line unless the run already has the same line (same time, step and words). */
export const appendLogOnce = internalMutation({
  args: {
    workspaceId: v.string(),
    runId: v.string(),
    at: v.number(),
    level: v.union(v.literal("info"), v.literal("warn"), v.literal("error")),
    message: v.string(),
    step: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, args): Promise<void> => {
    if (!(await mirroredRun(ctx, args.workspaceId, args.runId)))
      throw new Error(`mirror: a log line of run ${args.runId} arrived before its run`);
    const message = redactString(args.message);
    const same = await ctx.db
      .query("cutover_logs")
      .withIndex("by_run", (q) => q.eq("runId", args.runId).eq("at", args.at))
      .filter((q) =>
        q.and(
          q.eq(q.field("workspaceId"), args.workspaceId),
          q.eq(q.field("message"), message),
          q.eq(q.field("step"), args.step),
        ),
      )
      .first();
    if (same) return;
    await ctx.db.insert("cutover_logs", { ...args, message });
  },
});

/** Returns up to `limit` runs still open in the mirror, least recently polled first. */
export const openEntries = internalQuery({
  args: { limit: v.number() },
  returns: v.array(v.object({ workspaceId: v.string(), runId: v.string(), createdAt: v.number() })),
  handler: async (ctx, args): Promise<{ workspaceId: string; runId: string; createdAt: number }[]> => {
    const entries = await ctx.db
      .query("cutover_inngestRuns")
      .withIndex("by_open_polled", (q) => q.eq("open", true))
      .take(args.limit);
    return entries.map(({ workspaceId, runId, createdAt }) => ({ workspaceId, runId, createdAt }));
  },
});

/** Records a poll of the run; `open: false` takes it off the poller's list. */
export const markPolled = internalMutation({
  args: { workspaceId: v.string(), runId: v.string(), open: v.boolean(), at: v.number() },
  returns: v.null(),
  handler: async (ctx, args): Promise<void> => {
    const entry = await ctx.db
      .query("cutover_inngestRuns")
      .withIndex("by_workspace_run", (q) => q.eq("workspaceId", args.workspaceId).eq("runId", args.runId))
      .unique();
    if (entry) await ctx.db.patch(entry._id, { open: args.open, polledAt: args.at });
  },
});

const POLLER = "inngest";
/** Longer than an action may run (10 minutes): a lease outlives any live pass, and a dead chain's lease runs out. */
export const LEASE_SLACK_MS = 11 * 60_000;

async function lease(ctx: MutationCtx) {
  return await ctx.db
    .query("cutover_mirrorPoller")
    .withIndex("by_name", (q) => q.eq("name", POLLER))
    .unique();
}

async function anyOpen(ctx: MutationCtx): Promise<boolean> {
  const first = await ctx.db
    .query("cutover_inngestRuns")
    .withIndex("by_open_polled", (q) => q.eq("open", true))
    .first();
  return first !== null;
}

/**
 * Starts a poll chain when runs are open and no chain holds the lease; returns whether it started one.
 * The cron calls it every minute, so a chain that died is restarted once its lease runs out.
 */
export async function kickPoller(ctx: MutationCtx): Promise<boolean> {
  const now = Date.now();
  const held = await lease(ctx);
  if (held && held.leaseUntil > now) return false;
  if (!(await anyOpen(ctx))) return false;
  if (held) await ctx.db.patch(held._id, { leaseUntil: now + LEASE_SLACK_MS });
  else await ctx.db.insert("cutover_mirrorPoller", { name: POLLER, leaseUntil: now + LEASE_SLACK_MS });
  await ctx.scheduler.runAfter(0, internal.cutover.mirrorPoll.poll, {});
  return true;
}

export const kick = internalMutation({
  args: {},
  returns: v.boolean(),
  handler: async (ctx): Promise<boolean> => await kickPoller(ctx),
});

/**
 * Called by a poll pass when it ends: schedules the next pass while runs are open, else releases the
 * lease so the chain stops. Returns whether another pass was scheduled.
 */
export const continuePoll = internalMutation({
  args: { intervalMs: v.number() },
  returns: v.boolean(),
  handler: async (ctx, args): Promise<boolean> => {
    const held = await lease(ctx);
    if (!(await anyOpen(ctx))) {
      if (held) await ctx.db.patch(held._id, { leaseUntil: 0 });
      return false;
    }
    const leaseUntil = Date.now() + args.intervalMs + LEASE_SLACK_MS;
    if (held) await ctx.db.patch(held._id, { leaseUntil });
    else await ctx.db.insert("cutover_mirrorPoller", { name: POLLER, leaseUntil });
    await ctx.scheduler.runAfter(args.intervalMs, internal.cutover.mirrorPoll.poll, {});
    return true;
  },
});
