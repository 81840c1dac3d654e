// How does the Convex executor start, read and stop runs? Internal functions from trusted code, public ones with a tenant's key.
import type { FunctionReturnType } from "convex/server";
import { type api, internal } from "../../convex/_generated/api.js";
import type { RunOptions } from "../../convex/cutover/runOptions.ts";
import type { CompiledWorkflow } from "../../workflow/compiled.ts";
import type { ShadowMark } from "../records.ts";

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
}

/**
 * Returns run calls over the internal functions, with no API key: for code that runs inside the
 * deployment (the router's actions) or is the deployment (the embedded runtime of the CLI). Such a
 * caller is trusted with a compiled graph; no tenant can reach these functions.
 */
export function trustedRunCalls(caller: TrustedCaller): RunCalls {
  return {
    start: async ({ source: _source, workflow, options, ...rest }) => {
      const started = await caller.mutation(internal.cutover.runs.startCompiled, {
        ...rest,
        workflowJson: JSON.stringify(workflow),
        ...(options && { options }),
      });
      return { runId: started.runId };
    },
    get: (workspaceId, runId) => caller.query(internal.cutover.runs.getInternal, { workspaceId, runId }),
    status: (workspaceId, runId) =>
      caller.query(internal.cutover.runs.statusInternal, { workspaceId, runId }),
    cancel: (workspaceId, runId) =>
      caller.mutation(internal.cutover.runs.cancelInternal, { workspaceId, runId }),
  };
}
