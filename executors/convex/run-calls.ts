// How does the Convex executor start, read and stop runs? Internal functions from trusted code, public ones with a tenant's key.
import type { FunctionReturnType } from "convex/server";
import { type api, internal } from "../../convex/_generated/api.js";
import type { RunOptions } from "../../convex/cutover/runOptions.ts";
import type { CompiledWorkflow } from "../../workflow/compiled.ts";
import type { ShadowMark } from "../records.ts";
import { type StoreText, startAttachments, startInput } from "./run-input.ts";

/** One run to start, as the executor hands it to its backend. */
export interface StartRun {
  workspaceId: string;
  runId: string;
  workflow: CompiledWorkflow;
  inputJson: string;
  provider: string;
  options?: Partial<RunOptions>;
  shadow?: ShadowMark;
  sideEffectOutputsJson?: string;
  replayJson?: string;
  /** The builder document the workflow was compiled from: a deployment client saves it before starting. */
  source?: unknown;
}

export type LoadedRun = FunctionReturnType<typeof api.cutover.runs.get>;

/** What the executor asks of a backend about runs. */
export interface RunCalls {
  start(args: StartRun): Promise<{ runId: string }>;
  /** The run and its steps, or null when the workspace has no such run. */
  get(workspaceId: string, runId: string): Promise<LoadedRun>;
  status(workspaceId: string, runId: string): Promise<string | null>;
  cancel(workspaceId: string, runId: string): Promise<{ found: boolean; status: string | null }>;
}

/** Calls any function, internal ones included: what the embedded runtime and a deployment's own actions can do. */
export interface TrustedCaller {
  // Internal and public references alike; the runtime (convex-test, an action's ctx) checks the arguments.
  query(ref: any, args: any): Promise<any>;
  mutation(ref: any, args: any): Promise<any>;
  /** Stores text in the deployment's file storage (an action's ctx.storage): inputs over the threshold go by reference. */
  storeText?: StoreText;
}

/**
 * Returns run calls over the internal functions, with no API key: for code that runs inside the
 * deployment (the router's actions) or is the deployment (the embedded runtime of the CLI). Such a
 * caller is trusted with a compiled graph; no tenant can reach these functions.
 */
export function trustedRunCalls(caller: TrustedCaller): RunCalls {
  return {
    start: async ({
      source: _source,
      workflow,
      options,
      inputJson,
      replayJson,
      sideEffectOutputsJson,
      ...rest
    }) => {
      const started = await caller.mutation(internal.cutover.runs.startCompiled, {
        ...rest,
        ...(await startInput(inputJson, options, caller.storeText)),
        ...(await startAttachments({ replayJson, sideEffectOutputsJson }, options, caller.storeText)),
        workflowJson: JSON.stringify(workflow),
        ...(options && { options }),
      });
      return { runId: started.runId };
    },
    get: async (workspaceId, runId) =>
      withAllSteps(await caller.query(internal.cutover.runs.getInternal, { workspaceId, runId }), (cursor) =>
        caller.query(internal.cutover.runs.stepsPageInternal, { workspaceId, runId, cursor }),
      ),
    status: (workspaceId, runId) =>
      caller.query(internal.cutover.runs.statusInternal, { workspaceId, runId }),
    cancel: (workspaceId, runId) =>
      caller.mutation(internal.cutover.runs.cancelInternal, { workspaceId, runId }),
  };
}

type StepPage = { steps: NonNullable<LoadedRun>["steps"]; stepsCursor: string | null } | null;

/**
 * Returns the run with every step: `get` answers with the first page of steps (a query reads at most
 * 16 MiB, so a wide run's steps come in pages) and `next` continues from its cursor.
 */
export async function withAllSteps(
  first: LoadedRun,
  next: (cursor: string) => Promise<StepPage>,
): Promise<LoadedRun> {
  if (!first) return first;
  const steps = [...first.steps];
  let cursor = first.stepsCursor;
  while (cursor !== null) {
    const page = await next(cursor);
    if (!page) break;
    steps.push(...page.steps);
    cursor = page.stepsCursor;
  }
  return { ...first, steps, stepsCursor: null };
}
