"use node";
// What runs a legacy Convex run? The scheduled action: the shared graph walk, each step recorded by mutation.
import { v } from "convex/values";
import { executeRun } from "../executors/convex/execute-run.ts";
import type { ExecutionPort } from "../executors/convex/port.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { internal } from "./_generated/api";
import { internalAction } from "./_generated/server";
import type { RunOptions } from "./runOptions";

/** Scheduled by `runs.start`; `inputJson` is the caller's unredacted input (the record keeps it redacted). */
export const run = internalAction({
  args: { runId: v.string(), inputJson: v.string() },
  handler: async (ctx, { runId, inputJson }) => {
    const port: ExecutionPort = {
      load: async () => {
        const loaded = await ctx.runQuery(internal.runs.loadForExecution, { runId });
        if (!loaded) return null;
        return {
          provider: loaded.run.provider,
          options: loaded.run.options as RunOptions,
          workflow: JSON.parse(loaded.compiledJson) as CompiledWorkflow,
        };
      },
      markStarted: (at) => ctx.runMutation(internal.runs.markStarted, { runId, at }),
      beginStep: (step) => ctx.runMutation(internal.steps.begin, { runId, ...step }),
      finishStep: (step) => ctx.runMutation(internal.steps.finish, { runId, ...step }),
      skipStep: async (step) => {
        await ctx.runMutation(internal.steps.skip, { runId, ...step });
      },
      isCancelRequested: () => ctx.runQuery(internal.runs.isCancelRequested, { runId }),
      finishRun: async (end) => {
        await ctx.runMutation(internal.runs.finish, { runId, ...end });
      },
      storeBlob: async (text) => {
        const id = await ctx.storage.store(new Blob([text], { type: "application/json" }));
        return `convex-storage:${id}`;
      },
      // Secrets are deployment environment variables (`npx convex env set NAME value`).
      secret: (name) => process.env[name],
    };
    await executeRun(port, inputJson);
  },
});
