// Which runs exist, and how do they start, stop and end? Run mutations and queries, scoped by workspace.
import { ConvexError, v } from "convex/values";
import { redact } from "../../lib/redact.ts";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import {
  internalMutation,
  internalQuery,
  type MutationCtx,
  mutation,
  type QueryCtx,
  query,
} from "../_generated/server";
import { requireWorkspace } from "./auth";
import { resolveRunOptions, runOptionsValidator } from "./runOptions";
import { recordError } from "./schema";
import { docOf, nullable, stepPageFields } from "./validators";

const TERMINAL = new Set(["completed", "failed", "canceled"]);

async function runInWorkspace(ctx: QueryCtx, workspaceId: string, runId: string) {
  return await ctx.db
    .query("cutover_runs")
    .withIndex("by_workspace_run", (q) => q.eq("workspaceId", workspaceId).eq("runId", runId))
    .unique();
}

/** What starting a run of a compiled workflow takes (internal callers only: the graph is trusted). */
export const startArgs = {
  workspaceId: v.string(),
  runId: v.string(),
  /** The compiled workflow as JSON text. */
  workflowJson: v.string(),
  /** The caller's input as JSON text (inputs over the payload threshold come as `inputRef` instead). */
  inputJson: v.optional(v.string()),
  /** A file-storage id holding the caller's input as JSON text, for inputs over the payload threshold. */
  inputRef: v.optional(v.id("_storage")),
  /**
   * The input as the record keeps it, already redacted and by reference when large (the caller ran
   * `startInput`, executors/convex/run-input.ts); without it the input is redacted here.
   */
  recordedInputJson: v.optional(v.string()),
  provider: v.string(),
  options: v.optional(runOptionsValidator),
  shadow: v.optional(v.object({ pairId: v.string(), of: v.string() })),
  sideEffectOutputsJson: v.optional(v.string()),
  replayJson: v.optional(v.string()),
  /** The same two kept in file storage by the caller (over the payload threshold: run-input.ts). */
  sideEffectOutputsRef: v.optional(v.id("_storage")),
  replayRef: v.optional(v.id("_storage")),
};

/**
 * Starts a run of a compiled workflow and schedules the executing action. Internal: only code of this
 * deployment (the router's actions, `runStart.start` after compiling the stored workflow) and the
 * embedded runtime call it; a tenant's key reaches runs through `runStart.start`, which takes a workflow
 * id, never a graph. Idempotent on (workspace, runId): a second start returns the first run
 * (`created: false`) and schedules nothing. The recorded input is redacted; the action gets the caller's
 * input as its scheduled argument.
 */
export const startCompiled = internalMutation({
  args: startArgs,
  returns: v.object({ runId: v.string(), created: v.boolean(), status: v.string() }),
  handler: async (ctx, args) => {
    // Run ids are the workspace's own: another tenant's run with the same id is another run, and
    // nothing here says whether one exists.
    const existing = await runInWorkspace(ctx, args.workspaceId, args.runId);
    if (existing) return { runId: existing.runId, created: false, status: existing.status };
    let options: ReturnType<typeof resolveRunOptions>;
    try {
      options = resolveRunOptions(args.options);
    } catch (err) {
      throw new ConvexError({ code: "OPTIONS_INVALID", message: (err as Error).message });
    }
    if ((args.inputJson === undefined) === (args.inputRef === undefined)) {
      throw new ConvexError({
        code: "INPUT_INVALID",
        message: "send the input as exactly one of inputJson, inputRef",
      });
    }
    if (args.inputJson === undefined && args.recordedInputJson === undefined) {
      throw new ConvexError({
        code: "INPUT_INVALID",
        message: "an input sent by reference needs its recordedInputJson",
      });
    }
    const workflow = await ensureWorkflowVersion(ctx, args.workspaceId, args.workflowJson);
    const recordedInput =
      args.recordedInputJson ??
      JSON.stringify(redact(JSON.parse(args.inputJson as string), prefixed("input", options.redactPaths)));
    const run = await ctx.db.insert("cutover_runs", {
      workspaceId: args.workspaceId,
      runId: args.runId,
      workflowId: workflow.workflowId,
      workflowVersionId: workflow.workflowVersionId,
      status: "queued",
      provider: args.provider,
      inputJson: recordedInput,
      tokens: { input: 0, output: 0, total: 0 },
      costUsd: 0,
      createdAt: Date.now(),
      cancelRequested: false,
      shadow: args.shadow,
      // A shadow never performs side effects: it always gets a replay map, empty when the caller sent none.
      ...(args.sideEffectOutputsRef !== undefined
        ? { sideEffectOutputsRef: args.sideEffectOutputsRef }
        : args.shadow
          ? { sideEffectOutputsJson: args.sideEffectOutputsJson ?? "{}" }
          : {}),
      ...(args.replayJson !== undefined ? { replayJson: args.replayJson } : {}),
      ...(args.replayRef !== undefined ? { replayRef: args.replayRef } : {}),
      options,
      // The action reads the unredacted input from here (or file storage), never from its arguments:
      // a scheduled function's arguments are kept by the deployment and shown on its dashboard.
      ...(args.inputRef !== undefined ? { executionInputRef: args.inputRef } : {}),
      ...(args.inputJson !== undefined && args.inputJson !== recordedInput
        ? { executionInputJson: args.inputJson }
        : {}),
    });
    await ctx.scheduler.runAfter(0, internal.cutover.execute.run, { run });
    return { runId: args.runId, created: true, status: "queued" as const };
  },
});

/** Redaction paths are written against `{ input, output }`; returns those under `root` without it. */
export function prefixed(root: "input" | "output", paths: readonly string[]): string[] {
  return paths.filter((p) => p.startsWith(`${root}.`)).map((p) => p.slice(root.length + 1));
}

/** A step page reads at most this much (a query reads at most 16 MiB); the reader asks for the next. */
const STEP_PAGE_BYTES = 8 * 1024 * 1024;

/** The run as callers see it: without the unredacted execution input. */
function shown(run: Doc<"cutover_runs">) {
  const { executionInputJson: _raw, executionInputRef: _ref, ...rest } = run;
  return rest;
}

/**
 * Returns the run and one page of its steps (in the order they started); `stepsCursor` is null when
 * they are all there, else what `stepsPage` continues from. Null when the workspace has no such run.
 */
async function runWithSteps(ctx: QueryCtx, workspaceId: string, runId: string) {
  const run = await runInWorkspace(ctx, workspaceId, runId);
  if (!run) return null;
  const page = await stepPage(ctx, workspaceId, run.runId, null);
  return { run: shown(run), ...page };
}

async function stepPage(ctx: QueryCtx, workspaceId: string, runId: string, cursor: string | null) {
  const page = await ctx.db
    .query("cutover_steps")
    .withIndex("by_run", (q) => q.eq("runId", runId))
    .paginate({ cursor, numItems: 4096, maximumBytesRead: STEP_PAGE_BYTES });
  return {
    steps: page.page.filter((s) => s.workspaceId === workspaceId),
    stepsCursor: page.isDone ? null : page.continueCursor,
  };
}

/** Returns the run and its first page of steps, or null when the workspace has no such run. */
export const get = query({
  args: { apiKey: v.string(), workspaceId: v.string(), runId: v.string() },
  returns: nullable(v.object({ run: docOf("cutover_runs"), ...stepPageFields })),
  handler: async (ctx, args) => {
    await requireWorkspace(ctx, args.apiKey, args.workspaceId, "runs:read");
    return await runWithSteps(ctx, args.workspaceId, args.runId);
  },
});

/** `get` for this deployment's own code (the router's actions), which holds no key. */
export const getInternal = internalQuery({
  args: { workspaceId: v.string(), runId: v.string() },
  returns: nullable(v.object({ run: docOf("cutover_runs"), ...stepPageFields })),
  handler: (ctx, args) => runWithSteps(ctx, args.workspaceId, args.runId),
});

const pageArgs = { workspaceId: v.string(), runId: v.string(), cursor: v.string() };

/** The next page of a run's steps after `get`'s (or a previous page's) `stepsCursor`. */
export const stepsPage = query({
  args: { apiKey: v.string(), ...pageArgs },
  returns: nullable(v.object(stepPageFields)),
  handler: async (ctx, args) => {
    await requireWorkspace(ctx, args.apiKey, args.workspaceId, "runs:read");
    if (!(await runInWorkspace(ctx, args.workspaceId, args.runId))) return null;
    return await stepPage(ctx, args.workspaceId, args.runId, args.cursor);
  },
});

/** `stepsPage` for this deployment's own code. */
export const stepsPageInternal = internalQuery({
  args: pageArgs,
  returns: nullable(v.object(stepPageFields)),
  handler: async (ctx, args) => {
    if (!(await runInWorkspace(ctx, args.workspaceId, args.runId))) return null;
    return await stepPage(ctx, args.workspaceId, args.runId, args.cursor);
  },
});

/** The unredacted input the executing action runs with: inline, or a file-storage id. */
export const executionInput = internalQuery({
  args: { run: v.id("cutover_runs") },
  returns: v.union(v.object({ ref: v.id("_storage") }), v.object({ json: v.string() }), v.null()),
  handler: async (ctx, args) => {
    const run = await ctx.db.get(args.run);
    if (!run) return null;
    if (run.executionInputRef !== undefined) return { ref: run.executionInputRef };
    return { json: run.executionInputJson ?? run.inputJson };
  },
});

/** Forgets the unredacted input once a run has ended: it is kept only while the run may execute. */
async function dropExecutionInput(ctx: MutationCtx, run: Doc<"cutover_runs">): Promise<void> {
  if (run.executionInputRef !== undefined) await ctx.storage.delete(run.executionInputRef);
  // The stored cassette and side-effect outputs served the execution only (the record keeps its steps).
  if (run.replayRef !== undefined) await ctx.storage.delete(run.replayRef);
  if (run.sideEffectOutputsRef !== undefined) await ctx.storage.delete(run.sideEffectOutputsRef);
  if (run.replayRef !== undefined || run.sideEffectOutputsRef !== undefined) {
    await ctx.db.patch(run._id, { replayRef: undefined, sideEffectOutputsRef: undefined });
  }
  if (run.executionInputRef !== undefined || run.executionInputJson !== undefined) {
    await ctx.db.patch(run._id, { executionInputRef: undefined, executionInputJson: undefined });
  }
}

/** Returns the run's status alone (what a waiter polls), or null when the workspace has no such run. */
export const status = query({
  args: { apiKey: v.string(), workspaceId: v.string(), runId: v.string() },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, args) => {
    await requireWorkspace(ctx, args.apiKey, args.workspaceId, "runs:read");
    return (await runInWorkspace(ctx, args.workspaceId, args.runId))?.status ?? null;
  },
});

/** `status` for this deployment's own code, which holds no key. */
export const statusInternal = internalQuery({
  args: { workspaceId: v.string(), runId: v.string() },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, args) => (await runInWorkspace(ctx, args.workspaceId, args.runId))?.status ?? null,
});

/** Returns the workspace's most recent runs, optionally of one status. */
export const list = query({
  args: {
    apiKey: v.string(),
    workspaceId: v.string(),
    status: v.optional(v.string()),
    limit: v.optional(v.number()),
  },
  returns: v.array(
    v.object({ runId: v.string(), workflowId: v.string(), status: v.string(), createdAt: v.number() }),
  ),
  handler: async (ctx, args) => {
    await requireWorkspace(ctx, args.apiKey, args.workspaceId, "runs:read");
    const limit = Math.min(args.limit ?? 50, 500);
    const status = args.status as Doc<"cutover_runs">["status"] | undefined;
    const q = status
      ? ctx.db
          .query("cutover_runs")
          .withIndex("by_workspace_status_time", (q) =>
            q.eq("workspaceId", args.workspaceId).eq("status", status),
          )
      : ctx.db
          .query("cutover_runs")
          .withIndex("by_workspace_workflow", (q) => q.eq("workspaceId", args.workspaceId));
    const runs = await q.order("desc").take(limit);
    return runs.map((r) => ({
      runId: r.runId,
      workflowId: r.workflowId,
      status: r.status,
      createdAt: r.createdAt,
    }));
  },
});

/**
 * Asks a run to stop. A queued run ends canceled at once; a running one is stopped by its action
 * between steps. Returns whether the workspace has the run and its status afterwards.
 */
export const cancel = mutation({
  args: { apiKey: v.string(), workspaceId: v.string(), runId: v.string() },
  returns: v.object({ found: v.boolean(), status: v.union(v.string(), v.null()) }),
  handler: async (ctx, args) => {
    await requireWorkspace(ctx, args.apiKey, args.workspaceId, "runs:write");
    return await cancelRun(ctx, args.workspaceId, args.runId);
  },
});

/** `cancel` for this deployment's own code, which holds no key. */
export const cancelInternal = internalMutation({
  args: { workspaceId: v.string(), runId: v.string() },
  returns: v.object({ found: v.boolean(), status: v.union(v.string(), v.null()) }),
  handler: (ctx, args) => cancelRun(ctx, args.workspaceId, args.runId),
});

async function cancelRun(ctx: MutationCtx, workspaceId: string, runId: string) {
  const run = await runInWorkspace(ctx, workspaceId, runId);
  if (!run) return { found: false, status: null };
  if (TERMINAL.has(run.status)) return { found: true, status: run.status };
  if (run.status === "queued") {
    const now = Date.now();
    await ctx.db.patch(run._id, {
      cancelRequested: true,
      status: "canceled",
      error: { code: "CANCELED", message: "run canceled before it started" },
      finishedAt: now,
    });
    await dropExecutionInput(ctx, run);
    return { found: true, status: "canceled" };
  }
  await ctx.db.patch(run._id, { cancelRequested: true });
  await stopControl(ctx, run._id);
  await ctx.db.insert("cutover_logs", {
    workspaceId: run.workspaceId,
    runId: run.runId,
    at: Date.now(),
    level: "info",
    message: "cancel requested",
  });
  return { found: true, status: run.status };
}

/** The action's view of its run: the record, its options and the compiled workflow. */
export const loadForExecution = internalQuery({
  args: { run: v.id("cutover_runs") },
  returns: nullable(v.object({ run: docOf("cutover_runs"), compiledJson: v.string() })),
  handler: async (ctx, args) => {
    const run = await ctx.db.get(args.run);
    if (!run) return null;
    const version = await ctx.db
      .query("cutover_workflowVersions")
      .withIndex("by_workspace_version", (q) =>
        q.eq("workspaceId", run.workspaceId).eq("workflowVersionId", run.workflowVersionId),
      )
      .unique();
    if (!version) throw new Error(`run ${run.runId}: workflow version ${run.workflowVersionId} is missing`);
    return { run, compiledJson: version.compiledJson };
  },
});

/**
 * Moves a queued run to running and returns the id of its control document (what the step mutations
 * read); null when it must not run (canceled, or already started).
 */
export const markStarted = internalMutation({
  args: { run: v.id("cutover_runs"), at: v.number() },
  returns: v.union(v.id("cutover_runControls"), v.null()),
  handler: async (ctx, args) => {
    const run = await ctx.db.get(args.run);
    if (run?.status !== "queued" || run.cancelRequested) return null;
    await ctx.db.patch(run._id, { status: "running", startedAt: args.at });
    return await ctx.db.insert("cutover_runControls", {
      workspaceId: run.workspaceId,
      runId: run.runId,
      run: run._id,
      live: true,
    });
  },
});

/** Marks the run's control document (if it started) so that no further step starts. */
async function stopControl(ctx: MutationCtx, run: Id<"cutover_runs">): Promise<void> {
  const control = await ctx.db
    .query("cutover_runControls")
    .withIndex("by_run", (q) => q.eq("run", run))
    .unique();
  if (control?.live) await ctx.db.patch(control._id, { live: false });
}

/** Returns true when the run must stop: someone asked it to, or it has ended. */
/** Returns the control document of a run that is running and may go on (the next action of a step-by-step run), or null. */
export const liveControl = internalQuery({
  args: { run: v.id("cutover_runs") },
  returns: v.union(v.id("cutover_runControls"), v.null()),
  handler: async (ctx, args) => {
    const run = await ctx.db.get(args.run);
    if (run?.status !== "running" || run.cancelRequested) return null;
    const control = await ctx.db
      .query("cutover_runControls")
      .withIndex("by_run", (q) => q.eq("run", args.run))
      .unique();
    return control?.live ? control._id : null;
  },
});

export const isCancelRequested = internalQuery({
  args: { control: v.id("cutover_runControls") },
  returns: v.boolean(),
  handler: async (ctx, args) => !(await ctx.db.get(args.control))?.live,
});

/**
 * Ends a run: writes status, output or error and the totals summed over its steps. Steps still
 * running are marked canceled (their work was abandoned with the run). Does nothing to a run
 * that already ended.
 */
export const finish = internalMutation({
  args: {
    run: v.id("cutover_runs"),
    status: v.union(v.literal("completed"), v.literal("failed"), v.literal("canceled")),
    outputJson: v.optional(v.string()),
    error: v.optional(recordError),
    at: v.number(),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const run = await ctx.db.get(args.run);
    if (!run || TERMINAL.has(run.status)) return;
    // Only the steps still running are read (they are marked canceled); the totals were kept on the
    // control document by each step's finish, so a run of any width ends in one small transaction.
    const running = (
      await ctx.db
        .query("cutover_steps")
        .withIndex("by_run_status", (q) => q.eq("runId", run.runId).eq("status", "running"))
        .take(4096)
    ).filter((s) => s.workspaceId === run.workspaceId);
    for (const s of running) {
      await ctx.db.patch(s._id, {
        status: "canceled",
        finishedAt: args.at,
        error: { code: "CANCELED", message: `abandoned when the run ended ${args.status}` },
      });
    }
    const control = await ctx.db
      .query("cutover_runControls")
      .withIndex("by_run", (q) => q.eq("run", run._id))
      .unique();
    const input = control?.tokensIn ?? 0;
    const output = control?.tokensOut ?? 0;
    const cost = control ? (control.costUsd === undefined ? 0 : control.costUsd) : 0;
    await ctx.db.patch(run._id, {
      status: args.status,
      outputJson: args.status === "completed" ? args.outputJson : undefined,
      error: args.status === "completed" ? undefined : args.error,
      tokens: { input, output, total: input + output },
      costUsd: cost === null ? null : Math.round(cost * 1e9) / 1e9,
      finishedAt: args.at,
    });
    await dropExecutionInput(ctx, run);
    await stopControl(ctx, run._id);
    await ctx.db.insert("cutover_logs", {
      workspaceId: run.workspaceId,
      runId: run.runId,
      at: args.at,
      level: args.status === "completed" ? "info" : "warn",
      message: args.error
        ? `run ${args.status}: ${args.error.code} ${args.error.message}`
        : `run ${args.status}`,
    });
  },
});

/**
 * Returns the compiled workflow's ids after making sure its version is stored once in the workspace;
 * throws WORKFLOW_INVALID when the JSON is not a compiled workflow.
 */
export async function ensureWorkflowVersion(
  ctx: MutationCtx,
  workspaceId: string,
  workflowJson: string,
): Promise<{ workflowId: string; workflowVersionId: string }> {
  const workflow = JSON.parse(workflowJson) as { workflowId?: unknown; workflowVersionId?: unknown };
  if (typeof workflow.workflowId !== "string" || typeof workflow.workflowVersionId !== "string") {
    throw new ConvexError({ code: "WORKFLOW_INVALID", message: "workflowJson is not a compiled workflow" });
  }
  const { workflowId, workflowVersionId } = workflow as { workflowId: string; workflowVersionId: string };
  const version = await ctx.db
    .query("cutover_workflowVersions")
    .withIndex("by_workspace_version", (q) =>
      q.eq("workspaceId", workspaceId).eq("workflowVersionId", workflowVersionId),
    )
    .unique();
  if (!version) {
    await ctx.db.insert("cutover_workflowVersions", {
      workspaceId,
      workflowId,
      workflowVersionId,
      compiledJson: workflowJson,
      createdAt: Date.now(),
    });
  }
  return { workflowId, workflowVersionId };
}
