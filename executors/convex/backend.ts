// What does the Convex executor talk to? One small client shape over a deployment or the embedded runtime.
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import type { RunCalls } from "./run-calls.ts";

export interface ConvexBackend {
  /** Where runs execute, for the one line on stderr: "embedded (convex-test)" or the deployment URL. */
  readonly description: string;
  /** How often waitFor polls a run (a deployment is further away than the embedded runtime). */
  readonly pollMs: number;
  query<Q extends FunctionReference<"query">>(ref: Q, args: FunctionArgs<Q>): Promise<FunctionReturnType<Q>>;
  mutation<M extends FunctionReference<"mutation">>(
    ref: M,
    args: FunctionArgs<M>,
  ): Promise<FunctionReturnType<M>>;
  /**
   * Resolves when the runtime has no function in flight (the embedded runtime knows; a deployment
   * does not, and omits it). Lets waitFor sleep until a run can have changed instead of polling hard.
   */
  whenIdle?(): Promise<void>;
  /** Returns the API key a caller presents for a workspace to the public functions. */
  apiKeyFor(workspaceId: string): Promise<string>;
  /**
   * How the executor starts, reads and stops runs: the internal functions from code that is (or runs
   * inside) the deployment, the public ones with the tenant's key from a deployment client.
   */
  readonly runs: RunCalls;
}
