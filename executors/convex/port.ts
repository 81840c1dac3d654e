// What does an executing run need from Convex? The calls the action makes, as a port (ctx-backed in convex/execute.ts).

import type { RunOptions } from "../../convex/cutover/runOptions.ts";
import type { CompiledWorkflow } from "../../workflow/compiled.ts";
import type { Cassette } from "../../workflow/providers/cassette.ts";
import type { RecordError, Tokens } from "../records.ts";

export interface StepIdentity {
  name: string;
  nodeId: string;
  type: string;
}

export interface StepFinish {
  /** The step's id, as beginStep returned it. */
  stepRef: string;
  /** The step's name, as given to beginStep. */
  name: string;
  status: "completed" | "failed" | "canceled";
  attempt: number;
  at: number;
  inputJson?: string;
  outputJson?: string;
  error?: RecordError;
  tokens?: Tokens;
  costUsd: number | null;
  model?: string;
  settings?: unknown;
  retryInMs?: number;
}

/** A step an earlier action of the same run completed: what it recorded. */
export interface CompletedStep {
  name: string;
  inputJson?: string;
  outputJson?: string;
  tokens?: Tokens;
  costUsd: number | null;
  model?: string;
  settings?: unknown;
}

export interface LoadedRun {
  provider: string;
  /** When the run started (ms), once it has: a continuation's deadline counts from here. */
  startedAt?: number;
  /** What seeds the run's scripts' Math.random: the run id, a shadow's primary's (as the Inngest side does). */
  seedRunId?: string;
  options: RunOptions;
  workflow: CompiledWorkflow;
  /** Shadow runs: side-effecting nodes' outputs to replay (see NodeEnv.sideEffectOutputs). */
  sideEffectOutputs?: Record<string, unknown>;
  /** Replay-mode shadows: the primary's recorded LLM answers, used instead of the provider. */
  replay?: Cassette;
}

export interface ExecutionPort {
  /** The run to execute, or null when it does not exist. */
  load(): Promise<LoadedRun | null>;
  /** Moves the run to running; false when it must not run (canceled or already started). */
  markStarted(at: number): Promise<boolean>;
  /**
   * Records an attempt starting and returns the step's id (given back as `stepRef` for later
   * attempts); null when the run was asked to stop (nothing recorded).
   */
  beginStep(step: StepIdentity & { stepRef?: string; attempt: number; at: number }): Promise<string | null>;
  /** Records how an attempt ended; true when the run has since been asked to stop. */
  finishStep(step: StepFinish): Promise<boolean>;
  skipStep(step: StepIdentity & { at: number }): Promise<void>;
  isCancelRequested(): Promise<boolean>;
  finishRun(end: {
    status: "completed" | "failed" | "canceled";
    outputJson?: string;
    error?: RecordError;
    at: number;
  }): Promise<void>;
  /** Stores a large payload's text as a file; returns its reference id. */
  storeBlob(text: string): Promise<string>;
  /** Returns the text stored under a reference storeBlob returned. */
  loadBlob(ref: string): Promise<string>;
  /**
   * Runs that go step by step (the legacy profile: one action per AI node): picks up a run an earlier
   * action started; false when it must not go on (canceled or ended).
   */
  resume(): Promise<boolean>;
  /** The steps earlier actions of this run completed. */
  completedSteps(): Promise<CompletedStep[]>;
  /** Schedules the next action of a step-by-step run. */
  continueLater(): Promise<void>;
  /** Returns a secret's value by name from the run's workspace's store (workflow/secrets.ts). */
  secret(name: string): string | undefined;
}
