"use node";
// How does a tenant's key start a run on the legacy executor? By workflow id and input: the deployment compiles its stored workflow itself.
import { ConvexError, v } from "convex/values";
import { startInput } from "../../executors/convex/run-input.ts";
import { compiledFrom } from "../../shadow/run-start.ts";
import { internal } from "../_generated/api";
import { action } from "../_generated/server";
import { publicRunOptionsValidator } from "./runOptions";

/** Run ids a caller may choose; `~` is kept for the ids the router derives (`<runId>~shadow`, `~noise`). */
const RUN_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Starts a run of the workspace's stored workflow (saved with `workflows:save`) on this deployment and
 * returns `{ runId, created, status }`; idempotent on runId. The caller names the workflow and gives the
 * input; the deployment compiles the stored graph itself, its http nodes may call only the hosts in the
 * deployment's CUTOVER_HTTP_ALLOW_HOSTS, and their secrets come from the workspace's own store
 * (workflow/secrets.ts). Nothing a caller sends can name a graph, an egress list or a secret. With
 * `workflowVersionId`, refuses WORKFLOW_CHANGED when the stored workflow compiles to another version
 * (the caller compiled a different graph from the one stored).
 * Refusals (ConvexError): UNAUTHENTICATED, FORBIDDEN, INPUT_INVALID, WORKFLOW_NOT_FOUND,
 * WORKFLOW_INVALID, WORKFLOW_CHANGED, OPTIONS_INVALID.
 */
export const start = action({
  args: {
    apiKey: v.string(),
    workspaceId: v.string(),
    workflowId: v.string(),
    runId: v.string(),
    inputJson: v.string(),
    provider: v.string(),
    workflowVersionId: v.optional(v.string()),
    options: v.optional(publicRunOptionsValidator),
    /** Shadow runs the caller's own router pairs: labels, and answers that only narrow what the run may do. */
    shadow: v.optional(v.object({ pairId: v.string(), of: v.string() })),
    sideEffectOutputsJson: v.optional(v.string()),
    replayJson: v.optional(v.string()),
  },
  returns: v.object({ runId: v.string(), created: v.boolean(), status: v.string() }),
  handler: async (ctx, args): Promise<{ runId: string; created: boolean; status: string }> => {
    const auth = await ctx.runQuery(internal.cutover.triggers.authorize, {
      apiKey: args.apiKey,
      workspaceId: args.workspaceId,
    });
    if (!auth.ok) throw new ConvexError({ code: auth.code, message: auth.message });
    if (!RUN_ID.test(args.runId)) {
      throw new ConvexError({
        code: "INPUT_INVALID",
        message: "runId must be 1–128 letters, digits, _ . : or - (~ is reserved for the router's ids)",
      });
    }
    // A replay provider reads a cassette file where the run executes: never a caller's path.
    if (args.provider.startsWith("replay")) {
      throw new ConvexError({
        code: "INPUT_INVALID",
        message: "provider replay is not available to callers",
      });
    }
    try {
      JSON.parse(args.inputJson);
    } catch {
      throw new ConvexError({ code: "INPUT_INVALID", message: "inputJson is not JSON" });
    }
    const source = await ctx.runQuery(internal.cutover.triggers.workflowSource, {
      workspaceId: args.workspaceId,
      workflowId: args.workflowId,
    });
    if (!source) {
      throw new ConvexError({
        code: "WORKFLOW_NOT_FOUND",
        message: `workspace ${args.workspaceId} has no workflow ${JSON.stringify(args.workflowId)} (save it with workflows:save)`,
      });
    }
    const compiled = compiledFrom(source, args.workflowId);
    if (!compiled.ok) throw new ConvexError({ code: "WORKFLOW_INVALID", message: compiled.message });
    if (
      args.workflowVersionId !== undefined &&
      args.workflowVersionId !== compiled.compiled.workflowVersionId
    ) {
      throw new ConvexError({
        code: "WORKFLOW_CHANGED",
        message: `workflow ${args.workflowId} as stored compiles to ${compiled.compiled.workflowVersionId}, not ${args.workflowVersionId}: save the graph you mean to run`,
      });
    }
    return await ctx.runMutation(internal.cutover.runs.startCompiled, {
      workspaceId: args.workspaceId,
      runId: args.runId,
      workflowJson: JSON.stringify(compiled.compiled),
      // A large input goes to file storage first, so the run document stays under 1 MiB.
      ...(await startInput(args.inputJson, args.options, (text) =>
        ctx.storage.store(new Blob([text], { type: "application/json" })),
      )),
      provider: args.provider,
      ...(args.options && { options: args.options }),
      ...(args.shadow && { shadow: args.shadow }),
      ...(args.sideEffectOutputsJson !== undefined && { sideEffectOutputsJson: args.sideEffectOutputsJson }),
      ...(args.replayJson !== undefined && { replayJson: args.replayJson }),
    });
  },
});
