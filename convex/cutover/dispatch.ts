"use node";
// Where does every production run start? The run-start actions: HTTP, cron and internal triggers dispatch through the Router here.
import { v } from "convex/values";
import { followShadow as follow, type StartOutcome, startRun } from "../../shadow/run-start.ts";
import { internalAction } from "../_generated/server";

const trigger = v.union(v.literal("http"), v.literal("cron"), v.literal("internal"));

/**
 * Starts a run of a workspace's stored workflow on the executor its flag names and returns as soon as
 * that executor accepted it: `{ ok: true, runId, executor, shadow, pairId }`, or `{ ok: false, code,
 * message }` (WORKFLOW_NOT_FOUND, WORKFLOW_INVALID, INPUT_INVALID). Idempotent on (workspace, runId).
 * The HTTP route calls it after checking the API key; the builder's cron and other trusted callers call
 * it directly: `ctx.scheduler.runAfter(0, internal.cutover.dispatch.start, { workspaceId, workflowId, inputJson, trigger: "cron" })`.
 */
export const start = internalAction({
  args: {
    workspaceId: v.string(),
    workflowId: v.string(),
    runId: v.optional(v.string()),
    inputJson: v.string(),
    trigger,
    provider: v.optional(v.string()),
  },
  returns: v.union(
    v.object({
      ok: v.literal(true),
      runId: v.string(),
      executor: v.union(v.literal("convex"), v.literal("inngest")),
      shadow: v.union(v.literal("none"), v.literal("sampled-out"), v.literal("scheduled")),
      pairId: v.union(v.string(), v.null()),
    }),
    v.object({
      ok: v.literal(false),
      code: v.union(
        v.literal("WORKFLOW_NOT_FOUND"),
        v.literal("WORKFLOW_INVALID"),
        v.literal("INPUT_INVALID"),
      ),
      message: v.string(),
    }),
  ),
  handler: async (ctx, args): Promise<StartOutcome> => startRun(ctx, args),
});

/** Runs a dispatched run's shadow once its primary finishes and stores the pair's parity result; scheduled by `start`. */
export const followShadow = internalAction({
  args: {
    workspaceId: v.string(),
    runId: v.string(),
    trigger,
    provider: v.string(),
    workflowJson: v.string(),
    inputJson: v.string(),
    routeJson: v.string(),
    clockMs: v.optional(v.number()),
  },
  returns: v.union(v.object({ pairId: v.string(), verdict: v.string() }), v.null()),
  handler: async (ctx, args): Promise<{ pairId: string; verdict: string } | null> => {
    const result = await follow(ctx, args);
    return result && { pairId: result.pairId, verdict: result.verdict };
  },
});
