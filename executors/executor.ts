// What must an executor offer so the router and comparator can treat Convex and Inngest alike?
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import type { Cassette } from "../workflow/providers/cassette.ts";
import type { ExecutorName, RunRecord, ShadowMark } from "./records.ts";

/** Everything an executor needs to start one run of one compiled workflow version. */
export interface RunRequest {
  runId: string;
  workspaceId: string;
  workflow: CompiledWorkflow;
  /** The caller's input, before variable defaults are applied (the run applies them). */
  input: unknown;
  /** Present on shadow runs: which pair this run belongs to and which primary it shadows. */
  shadow?: ShadowMark;
  /** Which provider answers the run's llm nodes (for example "mock", "openai", "replay:<file>"). */
  provider?: string;
  /**
   * Shadow runs only: the primary's recorded outputs of side-effecting nodes (non-GET http), by node id.
   * Such a node never executes in the shadow; its output here is replayed instead.
   */
  sideEffectOutputs?: Record<string, unknown>;
  /**
   * Replay-mode shadow runs only: the primary's recorded LLM answers. When present the run's llm calls are
   * answered from it (a miss fails REPLAY_MISS) and never reach a provider; `provider` is then informational.
   */
  replay?: Cassette;
  /**
   * The builder document the workflow was compiled from, when the caller has it (`cutover run`). A
   * deployment never runs a caller's compiled graph: the Convex executor's deployment client saves this
   * document and the deployment compiles it; the embedded runtimes ignore it.
   */
  source?: unknown;
  /**
   * The clock scripts read (`Date.now()`, `new Date()`), ms since the epoch: the router gives both runs of a
   * pair the time it dispatched the primary, so their scripts agree. Each run's own start when absent.
   */
  clockMs?: number;
}

export interface WaitOptions {
  /** Give up after this many milliseconds: waitFor rejects with a WaitTimeoutError. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Executor {
  readonly name: ExecutorName;
  /** Starts the run; idempotent on runId (a second submit returns the first run's handle). */
  submit(request: RunRequest): Promise<{ runId: string }>;
  /** Returns the run's current record, or null when this executor has no run with that id in that workspace. */
  get(workspaceId: string, runId: string): Promise<RunRecord | null>;
  /** Asks the run to stop; steps already completed are kept and the run ends "canceled". */
  cancel(workspaceId: string, runId: string): Promise<void>;
  /** Returns the run's record once it is terminal (completed, failed or canceled). */
  waitFor(workspaceId: string, runId: string, options?: WaitOptions): Promise<RunRecord>;
}

/** Thrown by waitFor when the run did not finish in time; the run itself goes on. */
export class WaitTimeoutError extends Error {
  readonly code = "WAIT_TIMEOUT";
  constructor(
    readonly runId: string,
    readonly timeoutMs: number,
  ) {
    super(`run ${runId} did not finish within ${timeoutMs} ms`);
    this.name = "WaitTimeoutError";
  }
}
