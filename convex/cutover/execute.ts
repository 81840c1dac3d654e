"use node";
// What runs a legacy Convex run? The scheduled action: the shared graph walk, each step recorded by mutation.
import { v } from "convex/values";
import { executeRun } from "../../executors/convex/execute-run.ts";
import type { CompletedStep, ExecutionPort } from "../../executors/convex/port.ts";
import { redactString } from "../../lib/redact.ts";
import type { CompiledWorkflow } from "../../workflow/compiled.ts";
import type { Cassette } from "../../workflow/providers/cassette.ts";
import { workspaceSecrets } from "../../workflow/secrets.ts";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { type ActionCtx, internalAction } from "../_generated/server";
import type { RunOptions } from "./runOptions";

/**
 * Scheduled by `runs.startCompiled` with the run's id alone: nothing secret is a scheduled argument. The
 * caller's unredacted input is read here from the run (or file storage, when large).
 */
export const run = internalAction({
  args: {
    run: v.id("cutover_runs"),
    /** Accepted from runs scheduled before the input moved out of the arguments; never sent now. */
    inputJson: v.optional(v.string()),
    /** Set on the later actions of a step-by-step (legacy) run: the run has started already. */
    continuation: v.optional(v.boolean()),
  },
  returns: v.null(),
  handler: async (ctx, { run, inputJson: scheduledInput, continuation }) => {
    const inputJson = scheduledInput ?? (await executionInput(ctx, run));
    // Set when the run starts: the step mutations and the cancel poll read this small document.
    let control: Id<"cutover_runControls"> | null = null;
    // The run's workspace, known once loaded: its secrets are the only ones the run can read.
    let secrets: (name: string) => string | undefined = () => undefined;
    const started = (): Id<"cutover_runControls"> => {
      if (!control) throw new Error(`run ${run}: a step was recorded before the run started`);
      return control;
    };
    const port: ExecutionPort = {
      load: async () => {
        const loaded = await ctx.runQuery(internal.cutover.runs.loadForExecution, { run });
        if (!loaded) return null;
        secrets = workspaceSecrets(loaded.run.workspaceId);
        // A shadow's cassette and side-effect outputs, inline or (when large) in file storage.
        const replayJson = loaded.run.replayJson ?? (await storedText(ctx, loaded.run.replayRef));
        const sideEffectOutputsJson =
          loaded.run.sideEffectOutputsJson ?? (await storedText(ctx, loaded.run.sideEffectOutputsRef));
        return {
          provider: loaded.run.provider,
          ...(loaded.run.startedAt !== undefined && { startedAt: loaded.run.startedAt }),
          seedRunId: loaded.run.shadow?.of ?? loaded.run.runId,
          options: loaded.run.options as RunOptions,
          workflow: JSON.parse(loaded.compiledJson) as CompiledWorkflow,
          ...(replayJson !== undefined && { replay: JSON.parse(replayJson) as Cassette }),
          ...(sideEffectOutputsJson !== undefined && {
            sideEffectOutputs: JSON.parse(sideEffectOutputsJson) as Record<string, unknown>,
          }),
        };
      },
      markStarted: async (at) => {
        control = await ctx.runMutation(internal.cutover.runs.markStarted, { run, at });
        return control !== null;
      },
      beginStep: ({ stepRef, ...step }) =>
        ctx.runMutation(internal.cutover.steps.begin, {
          control: started(),
          step: stepRef as Id<"cutover_steps"> | undefined,
          ...step,
        }),
      finishStep: ({ stepRef, ...step }) =>
        ctx.runMutation(internal.cutover.steps.finish, {
          control: started(),
          step: stepRef as Id<"cutover_steps">,
          ...step,
        }),
      skipStep: async (step) => {
        await ctx.runMutation(internal.cutover.steps.skip, { control: started(), ...step });
      },
      isCancelRequested: () => ctx.runQuery(internal.cutover.runs.isCancelRequested, { control: started() }),
      finishRun: async (end) => {
        await ctx.runMutation(internal.cutover.runs.finish, { run, ...end });
      },
      storeBlob: async (text) => {
        const id = await ctx.storage.store(new Blob([text], { type: "application/json" }));
        return `convex-storage:${id}`;
      },
      loadBlob: async (ref) => {
        const blob = await ctx.storage.get(ref.replace(/^convex-storage:/, "") as Id<"_storage">);
        if (!blob) throw new Error(`run ${run}: stored payload ${ref} is missing`);
        return await blob.text();
      },
      resume: async () => {
        control = await ctx.runQuery(internal.cutover.runs.liveControl, { run });
        return control !== null;
      },
      completedSteps: async () => {
        // In pages: the completed steps of a long run can hold more than one query may read.
        const steps = [];
        let cursor: string | null = null;
        do {
          const page: { steps: CompletedStep[]; cursor: string | null } = await ctx.runQuery(
            internal.cutover.steps.completed,
            { control: started(), cursor },
          );
          steps.push(...page.steps);
          cursor = page.cursor;
        } while (cursor !== null);
        return steps;
      },
      continueLater: async () => {
        await ctx.scheduler.runAfter(0, internal.cutover.execute.run, { run, continuation: true });
      },
      // The workspace's secrets: CUTOVER_SECRET_<WORKSPACE>__<NAME> in the deployment's environment
      // (workflow/secrets.ts), never any other variable.
      secret: (name) => secrets(name),
    };
    try {
      await executeRun(port, inputJson, { continuation });
    } catch (err) {
      // executeRun records a run's own failures; this is the executor failing (a lost mutation, a
      // bug). The run still ends, so nobody waits on it forever; finish ignores a run that ended.
      await port.finishRun({
        status: "failed",
        error: {
          code: "INTERNAL",
          message: redactString(`executor error: ${err instanceof Error ? err.message : String(err)}`),
        },
        at: Date.now(),
      });
      throw err;
    }
    return null;
  },
});

/** The run's unredacted input as JSON text ("null" for a run that is gone: executeRun then does nothing). */
async function executionInput(ctx: ActionCtx, run: Id<"cutover_runs">): Promise<string> {
  const found = await ctx.runQuery(internal.cutover.runs.executionInput, { run });
  if (!found) return "null";
  if (found.ref === undefined) return found.json as string;
  const blob = await ctx.storage.get(found.ref);
  if (!blob) throw new Error(`run ${run}: its stored input is missing`);
  return await blob.text();
}

/** The text of a stored file, or undefined without an id. */
async function storedText(ctx: ActionCtx, id: Id<"_storage"> | undefined): Promise<string | undefined> {
  if (id === undefined) return undefined;
  const blob = await ctx.storage.get(id);
  if (!blob) throw new Error(`stored payload ${id} is missing`);
  return await blob.text();
}
