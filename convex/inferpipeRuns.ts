// How does a run cutover executed reach inferpipe's run pages? A host-side adapter that writes it into the host's own `runs` and `steps` shapes.
//
// This file belongs to the host app, not to cutover: it reads cutover's `cutover_runs`/`cutover_steps`
// rows (Inngest runs the mirror copied, or legacy runs) and upserts inferpipe's documents — status words
// `pending|running|completed|failed`, `nodeType`, `metadata` {model, tokens, cost, duration},
// `completedAt` — so the UI inferpipe already has shows them. A run of a workflow the host does not hold
// (the workflowId is not one of its `workflows` ids) is not written: its page could not exist.
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { internalMutation } from "./_generated/server";

type HostStatus = "pending" | "running" | "completed" | "failed";
type CutoverRun = Doc<"cutover_runs">;
type CutoverStep = Doc<"cutover_steps">;

/** cutover's run status in inferpipe's words: a queued run is pending, a canceled one failed. */
export function hostRunStatus(status: CutoverRun["status"]): HostStatus {
  if (status === "queued") return "pending";
  if (status === "canceled") return "failed";
  return status;
}

/** cutover's step status in inferpipe's words: a skipped step never ran (pending), a canceled one failed. */
export function hostStepStatus(status: CutoverStep["status"]): HostStatus {
  if (status === "skipped") return "pending";
  if (status === "canceled") return "failed";
  return status;
}

/** The builder's node type for a compiled step type (the builder calls LLM nodes `ai`). */
export function hostNodeType(type: string): string {
  return type === "llm" ? "ai" : type;
}

/** True when Convex can store the value as a document field (no `$`- or `_`-prefixed keys, plain data). */
function storable(value: unknown): boolean {
  if (value === null || typeof value !== "object") return typeof value !== "function" && value !== undefined;
  if (Array.isArray(value)) return value.every(storable);
  return Object.entries(value).every(([k, x]) => !k.startsWith("$") && !k.startsWith("_") && storable(x));
}

/**
 * A JSON payload as the host's `v.any()` fields keep it: the value itself when Convex can store it;
 * otherwise (a `{ $ref, bytes, sha256 }` payload reference, user data with `$` keys) the JSON text.
 */
export function hostValue(json: string | undefined): unknown {
  if (json === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return json;
  }
  return storable(value) ? value : json;
}

const errorText = (error: { code: string; message: string } | undefined) =>
  error && `${error.code}: ${error.message}`;

/** inferpipe's run document (without its workflow and user) for a cutover run and its steps. */
export function toHostRun(run: CutoverRun, steps: readonly CutoverStep[]) {
  const end = run.finishedAt;
  return {
    status: hostRunStatus(run.status),
    input: hostValue(run.inputJson) ?? null,
    output: run.status === "completed" ? hostValue(run.outputJson) : undefined,
    error: run.status === "canceled" ? "CANCELED: the run was canceled" : errorText(run.error),
    metadata: {
      totalSteps: steps.length,
      completedSteps: steps.filter((s) => s.status === "completed").length,
      ...(run.costUsd === null ? {} : { cost: run.costUsd }),
      ...(run.startedAt !== undefined && end !== undefined
        ? { duration: Math.max(0, end - run.startedAt) }
        : {}),
    },
    createdAt: run.createdAt,
    updatedAt: end ?? run.startedAt ?? run.createdAt,
  };
}

/** inferpipe's step document (without its run and user) for a cutover step. */
export function toHostStep(step: CutoverStep) {
  const duration =
    step.startedAt !== undefined && step.finishedAt !== undefined
      ? Math.max(0, step.finishedAt - step.startedAt)
      : undefined;
  return {
    nodeId: step.nodeId,
    nodeType: hostNodeType(step.type),
    status: hostStepStatus(step.status),
    input: hostValue(step.inputJson) ?? null,
    output: hostValue(step.outputJson),
    error: errorText(step.error),
    metadata: {
      ...(step.model === undefined ? {} : { model: step.model }),
      ...(step.tokens === undefined
        ? {}
        : { tokens: { input: step.tokens.input, output: step.tokens.output } }),
      ...(step.costUsd === null ? {} : { cost: step.costUsd }),
      ...(duration === undefined ? {} : { duration }),
    },
    startedAt: step.startedAt,
    completedAt: step.status === "running" ? undefined : step.finishedAt,
  };
}

/** At most this many steps are copied per call: a run's page shows them, and the transaction stays small. */
const MAX_STEPS = 512;

/**
 * Writes (or rewrites) inferpipe's `runs` document and `steps` documents for one cutover run; returns
 * the host run's id, or null when the run is unknown or its workflow is not one of the host's. Call it
 * when the mirror has copied a run (the host's cron or after `mirror.upsertRun`): re-running it changes
 * only what changed, keyed by the link row `inferpipeRunLinks`.
 */
export const sync = internalMutation({
  args: { workspaceId: v.string(), runId: v.string() },
  returns: v.union(v.id("runs"), v.null()),
  handler: async (ctx, { workspaceId, runId }): Promise<Id<"runs"> | null> => {
    const run = await ctx.db
      .query("cutover_runs")
      .withIndex("by_workspace_run", (q) => q.eq("workspaceId", workspaceId).eq("runId", runId))
      .unique();
    if (!run) return null;
    const workflowId = ctx.db.normalizeId("workflows", run.workflowId);
    const workflow = workflowId && (await ctx.db.get(workflowId));
    if (!workflowId || !workflow) return null;

    const steps = (
      await ctx.db
        .query("cutover_steps")
        .withIndex("by_run", (q) => q.eq("runId", run.runId))
        .take(MAX_STEPS)
    )
      .filter((s) => s.workspaceId === workspaceId)
      .sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));

    const hostRun = { workflowId, userId: workflow.userId, ...toHostRun(run, steps) };
    const link = await ctx.db
      .query("inferpipeRunLinks")
      .withIndex("by_run", (q) => q.eq("workspaceId", workspaceId).eq("runId", runId))
      .unique();
    let hostRunId: Id<"runs">;
    if (link && (await ctx.db.get(link.hostRunId))) {
      hostRunId = link.hostRunId;
      await ctx.db.replace(hostRunId, hostRun);
    } else {
      hostRunId = await ctx.db.insert("runs", hostRun);
      if (link) await ctx.db.patch(link._id, { hostRunId });
      else await ctx.db.insert("inferpipeRunLinks", { workspaceId, runId, hostRunId });
    }

    // Steps in start order, matched to the host's in creation order: rewritten in place, extras added.
    const existing = await ctx.db
      .query("steps")
      .withIndex("by_run", (q) => q.eq("runId", hostRunId))
      .take(MAX_STEPS + 1);
    for (const [i, step] of steps.entries()) {
      const doc = { runId: hostRunId, userId: workflow.userId, ...toHostStep(step) };
      if (i < existing.length) await ctx.db.replace(existing[i]._id, doc);
      else await ctx.db.insert("steps", doc);
    }
    for (const extra of existing.slice(steps.length)) await ctx.db.delete(extra._id);
    return hostRunId;
  },
});
