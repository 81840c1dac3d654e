// How does one run of an Inngest function execute in-process the way Inngest would run it — steps memoized, retried, cancelable?
import { InngestTestEngine } from "@inngest/test";
import type { InngestFunction } from "inngest";
import { StepMode, StepOpCode } from "inngest/types";
import type { RunBudget } from "./limits.ts";

/**
 * @inngest/test runs one execution at a time and has no retries; its own chaining re-runs parallel
 * steps. This drives it the way Inngest's executor does: each execution gets a fresh engine with
 * every completed step given back as a mocked (memoized) result; planned parallel steps run once
 * each; a failed step is re-executed alone, with `attempt` raised, until the retries run out.
 * Like Inngest v4 (checkpointing is its default), an execution that finds a single new step runs it,
 * checkpoints it and carries on to the next, so a chain takes one execution rather than one per step.
 */
class Engine extends InngestTestEngine {
  once(options: InngestTestEngine.InlineOptions) {
    return this.individualExecution(options);
  }
}

export interface StepEvent {
  /** The step id as the function named it (`node-<id>-<type>`). */
  name: string;
  status: "completed" | "failed";
  /** 0-based, as Inngest's ctx.attempt. */
  attempt: number;
  data?: unknown;
  error?: unknown;
  startedAt: string;
  finishedAt: string;
  /** False when this failure ends the step (no retry follows). */
  willRetry?: boolean;
}

export type EmbeddedOutcome =
  | { status: "completed"; output: unknown }
  | { status: "failed"; error: unknown; step: string | null }
  | { status: "canceled" };

export interface EmbeddedRunOptions {
  /** The function's retry count: a step (or the function body) gets 1 + retries attempts. */
  retries: number;
  /** Checked at every step boundary; true ends the run "canceled" (steps done so far are kept). */
  isCanceled?: () => boolean;
  /** Wall-clock deadline (epoch ms): passing it fails the run, like Inngest's timeouts.finish. */
  deadline?: number;
  /** Milliseconds to wait before attempt `attempt` (1-based retry number); retryAfterMs is what the error asked for. */
  retryDelayMs?: (attempt: number, retryAfterMs: number | undefined) => number;
  onStep?: (event: StepEvent) => void;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Inngest's limits on steps, step outputs and run state (executors/inngest/limits.ts): a step past one
   * fails, and with it the run, with the limit's code, where production would end the run.
   */
  budget?: RunBudget;
}

export interface EmbeddedRunStats {
  /** Function executions (re-entries), the cost Inngest's model adds per step. */
  executions: number;
}

interface Op {
  id: string;
  op?: string;
  name?: string;
  displayName?: string;
  userland?: { id: string };
  data?: unknown;
  error?: unknown;
  /** When the step ran: `a` its start and `b` its duration, both in nanoseconds. */
  timing?: { a: number; b: number };
}
/** The checkpoints one execution ends at (the SDK's ExecutionResult, without its context). */
type ExecResult =
  | { type: "function-resolved"; data: unknown }
  | { type: "function-rejected"; error: unknown; retriable: boolean | string }
  | { type: "step-ran"; step: Op; retriable?: boolean | string }
  | { type: "steps-found"; steps: Op[] }
  | { type: "step-not-found" | "change-mode" };
type EventPayload = { name: string; data: Record<string, unknown>; id?: string; ts?: number };

const MAX_EXECUTIONS = 100_000;

/** Default backoff between attempts: the error's Retry-After (capped at a minute), else 100 ms doubling to 5 s. */
export function defaultRetryDelay(attempt: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, 60_000);
  return Math.min(5_000, 100 * 2 ** (attempt - 1));
}

/** Runs `fn` for `event` to the end; returns how it ended and how many executions it took. */
export async function runEmbedded(
  fn: InngestFunction.Like,
  event: EventPayload,
  options: EmbeddedRunOptions,
): Promise<EmbeddedOutcome & { stats: EmbeddedRunStats }> {
  const done = new Map<string, unknown>();
  const stats: EmbeddedRunStats = { executions: 0 };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const delayFor = options.retryDelayMs ?? defaultRetryDelay;
  const canceled = () => options.isCanceled?.() ?? false;
  const timedOut = () => options.deadline !== undefined && Date.now() > options.deadline;

  // A step boundary inside a checkpointing execution: keep the step, then end the execution if the run must stop.
  const checkpointed = withCheckpoints(
    fn,
    async (steps) => {
      for (const step of steps) if (!complete(step, 0, startOf(step), endOf(step))) break;
      if (halted || canceled() || timedOut()) throw new Error("run stopped at a step boundary");
    },
    (ran, executionStart) => settleParallel(ran, executionStart),
  );
  /** Set when a step of a parallel group failed for good inside an execution: the run ends with it. */
  let halted: StepFailure | null = null;

  const execute = async (attempt: number, target?: string): Promise<ExecResult> => {
    stats.executions++;
    const engine = new Engine({
      // A requested step runs alone, as Inngest runs it without checkpointing.
      function: target === undefined ? checkpointed : fn,
      events: [event],
      steps: [...done].map(([id, data]) => ({ id, idIsHashed: true, handler: () => data })),
      // The engine always says attempt 0; Inngest tells the function which attempt this is.
      transformCtx: (ctx) => ({ ...ctx, attempt }),
    });
    const { result } = await engine.once({
      targetStepId: target,
      disableImmediateExecution: target !== undefined,
    });
    return result as unknown as ExecResult;
  };

  type StepRan = Extract<ExecResult, { type: "step-ran" }>;
  type StepFailure = { status: "failed"; error: unknown; step: string } | { status: "canceled" };

  let lastEnd: string | undefined;
  /** Keeps a step's result; false when it passed one of Inngest's limits (the run is then halted). */
  const complete = (step: Op, attempt: number, startedAt: string, finishedAt: string): boolean => {
    // Inngest keeps a step's output as JSON: what comes back on replay is the JSON form.
    const data = toJson(step.data);
    // The step's own clock (a StepResult carries it) may run a millisecond past the SDK's timing.
    const ownEnd = (data as { finishedAt?: unknown } | null)?.finishedAt;
    lastEnd = later(later(finishedAt, lastEnd), typeof ownEnd === "string" ? ownEnd : undefined);
    const over = options.budget?.step(stepName(step), data);
    if (over) {
      const error = errorJson(over);
      options.onStep?.({
        name: stepName(step),
        status: "failed",
        attempt,
        error,
        startedAt,
        finishedAt,
        willRetry: false,
      });
      halted ??= { status: "failed", error, step: stepName(step) };
      return false;
    }
    done.set(step.id, data);
    options.onStep?.({ name: stepName(step), status: "completed", attempt, data, startedAt, finishedAt });
    return true;
  };

  // Settles one step's execution at `attempt`, retrying it alone while attempts remain.
  const settle = async (
    ran: StepRan,
    attempt: number,
    executionStart: string,
  ): Promise<StepFailure | null> => {
    const name = stepName(ran.step);
    // A step that ran inside a checkpointing execution after others did started when its own timing says,
    // not when the execution did (else it would seem to start before the steps it depends on finished).
    // Clamped to the last checkpointed step's end: the SDK's two timings can overlap by a millisecond.
    const own = ran.step.timing ? startOf(ran.step) : executionStart;
    const startedAt = later(own, lastEnd);
    const finishedAt = later(ran.step.timing ? endOf(ran.step) : new Date().toISOString(), startedAt);
    if (ran.step.error === undefined) {
      return complete(ran.step, attempt, startedAt, finishedAt) ? null : halted;
    }
    const willRetry = ran.retriable !== false && attempt < options.retries && !canceled();
    options.onStep?.({
      name,
      status: "failed",
      attempt,
      error: ran.step.error,
      startedAt,
      finishedAt,
      willRetry,
    });
    if (!willRetry) return { status: "failed", error: ran.step.error, step: name };
    await sleep(delayFor(attempt + 1, retryAfterMs(ran.retriable)));
    if (canceled()) return { status: "canceled" };
    return runStep(ran.step.id, attempt + 1);
  };

  /**
   * Settles the parallel steps an execution ran together: each success is kept (a checkpoint), each failure
   * is retried alone while attempts remain, as for a single step. Returns the steps to resume the execution
   * with, or null when the execution must end (a step failed for good, or the run was canceled or timed out).
   */
  const settleParallel = async (ran: Op[], executionStart: string): Promise<Op[] | null> => {
    for (const op of ran) if (op.error === undefined && !complete(op, 0, startOf(op), endOf(op))) return null;
    const failures = await Promise.all(
      ran
        .filter((op) => op.error !== undefined)
        .map((op) =>
          settle(
            { type: "step-ran", step: { ...op, error: errorJson(op.error) }, retriable: retriableOf(op) },
            0,
            executionStart,
          ),
        ),
    );
    const failure = failures.find((f) => f?.status === "failed") ?? failures.find((f) => f !== null);
    if (failure) {
      halted = failure;
      return null;
    }
    if (canceled() || timedOut()) return null;
    return ran.map((op) => ({ id: op.id, op: StepOpCode.StepRun, data: done.get(op.id), timing: op.timing }));
  };

  const runStep = async (id: string, attempt: number): Promise<StepFailure | null> => {
    const startedAt = new Date().toISOString();
    const result = await execute(attempt, id);
    if (result.type !== "step-ran") {
      return { status: "failed", error: new Error(`step ${id} did not run (got ${result.type})`), step: id };
    }
    return settle(result, attempt, startedAt);
  };

  // The function's return value counts toward the run's state too.
  const finish = (output: unknown): EmbeddedOutcome & { stats: EmbeddedRunStats } => {
    const over = options.budget?.result(output);
    if (over) return { status: "failed", error: errorJson(over), step: null, stats };
    return { status: "completed", output, stats };
  };

  let fnAttempt = 0;
  while (stats.executions < MAX_EXECUTIONS) {
    if (canceled()) return { status: "canceled", stats };
    if (timedOut()) return { status: "failed", error: timeoutError(), step: null, stats };
    const startedAt = new Date().toISOString();
    const result = await execute(fnAttempt);
    switch (result.type) {
      case "function-resolved":
        return finish(toJson(result.data));
      case "function-rejected": {
        if (result.retriable !== false && fnAttempt < options.retries) {
          fnAttempt++;
          await sleep(delayFor(fnAttempt, retryAfterMs(result.retriable)));
          continue;
        }
        return { status: "failed", error: result.error, step: null, stats };
      }
      case "step-ran": {
        const failure = await settle(result, 0, startedAt);
        if (failure) return { ...failure, stats };
        continue;
      }
      case "steps-found": {
        // A checkpointing execution reports the function's return as a RunComplete op.
        const end = result.steps.find((s) => s.op === StepOpCode.RunComplete);
        if (end && !halted) return finish(toJson(end.data));
        // A parallel group that failed for good, or a stop, ended the execution: nothing more runs.
        if (halted) return { ...(halted as StepFailure), stats };
        if (canceled() || timedOut()) continue;
        // Steps it checkpointed before stopping are done already; the rest were planned in parallel.
        const planned = result.steps.filter((s) => !done.has(s.id));
        const failures = (await Promise.all(planned.map((s) => runStep(s.id, 0)))).filter((f) => f !== null);
        const failure = failures.find((f) => f.status === "failed") ?? failures[0];
        if (failure) return { ...failure, stats };
        continue;
      }
      default:
        // step-not-found / change-mode: execute again with the state we have.
        continue;
    }
  }
  return {
    status: "failed",
    error: new Error(`run exceeded ${MAX_EXECUTIONS} executions`),
    step: null,
    stats,
  };
}

/** A step the SDK found while executing: its memoization state and, for a planned step, its handler. */
type FoundStep = {
  hashedId: string;
  op?: string;
  fn?: unknown;
  fulfilled?: boolean;
  hasStepState?: boolean;
};
type Execution = {
  checkpoint(steps: Op[]): Promise<void>;
  options: { requestedRunStep?: string; disableImmediateExecution?: boolean };
  tryExecuteStep(steps: FoundStep[]): Promise<Op | undefined>;
  executeStep(step: FoundStep): Promise<Op>;
  resumeStepWithResult(op: Op): unknown;
};
type CreateExecution = (opts: { partialOptions: Record<string, unknown> }) => Execution;

type Internals = {
  createExecution: CreateExecution;
  shouldAsyncCheckpoint(
    step: undefined,
    fnId: string,
    disableImmediate: boolean,
    maxRuntime: undefined,
  ): unknown;
};

/**
 * Returns `fn` with its executions in Inngest v4's async-checkpointing mode, configured as the function
 * and its client say (on by default; `checkpointing: false` keeps one execution per step), handing each
 * checkpoint to `save` in place of Inngest's API. When `save` throws, the SDK ends the execution and
 * reports the checkpointed steps, as it does when Inngest cannot be reached.
 */
function withCheckpoints(
  fn: InngestFunction.Like,
  save: (steps: Op[]) => Promise<void>,
  settleParallel: (ran: Op[], executionStart: string) => Promise<Op[] | null>,
): InngestFunction.Like {
  const internals = fn as unknown as Internals;
  // Inngest checkpoints only executions that carry its internal function id; any id stands in for it here.
  // No maxRuntime: there is no HTTP request whose timeout the execution must beat.
  const config = internals.shouldAsyncCheckpoint(undefined, "embedded", false, undefined);
  if (!config) return fn;
  const createExecution = internals.createExecution.bind(fn);
  const wrapped: CreateExecution = ({ partialOptions }) => {
    const execution = createExecution({
      partialOptions: {
        ...partialOptions,
        stepMode: StepMode.AsyncCheckpointing,
        checkpointingConfig: config,
      },
    });
    execution.checkpoint = save;
    runParallelGroupsInline(execution, settleParallel);
    return execution;
  };
  return Object.create(fn, { createExecution: { value: wrapped } });
}

/**
 * Makes the execution run the steps it finds planned together (parallel steps) in place, all at once, and
 * resume with their results, as checkpointing does for a single step. Inngest would end the execution and
 * re-enter the function once per parallel step, each replaying every memoized step: cost that grows with the
 * square of the graph's width or depth. The steps, their attempts and their results are the same either way.
 */
function runParallelGroupsInline(
  execution: Execution,
  settleParallel: (ran: Op[], executionStart: string) => Promise<Op[] | null>,
): void {
  const single = execution.tryExecuteStep.bind(execution);
  execution.tryExecuteStep = async (steps) => {
    const planned = steps.filter(
      (s) => !s.fulfilled && !s.hasStepState && s.op === StepOpCode.StepPlanned && s.fn,
    );
    const { requestedRunStep, disableImmediateExecution } = execution.options;
    if (planned.length < 2 || requestedRunStep || disableImmediateExecution) return single(steps);
    const executionStart = new Date().toISOString();
    const ran = await Promise.all(planned.map((s) => execution.executeStep(s)));
    const resume = await settleParallel(ran, executionStart);
    // Resumed steps have state now, so the SDK finds nothing new and carries on; otherwise it reports them
    // as planned and the execution ends.
    if (resume) for (const op of resume) execution.resumeStepWithResult(op);
    return undefined;
  };
}

/** Returns whether Inngest would retry a step that failed with `op` (false, a Retry-After, or true). */
function retriableOf(op: Op): boolean | string {
  if (op.op === StepOpCode.StepFailed) return false;
  const err = op.error as { name?: string; retryAfter?: unknown } | undefined;
  if (err?.name === "RetryAfterError" && typeof err.retryAfter === "string") return err.retryAfter;
  return true;
}

/** Returns a thrown value as the JSON object Inngest keeps for it (name, message, stack, cause). */
function errorJson(err: unknown): unknown {
  if (!(err instanceof Error)) return toJson(err);
  const e = err as Error & { cause?: unknown };
  return toJson({
    name: e.name,
    message: e.message,
    stack: e.stack ?? "",
    ...(e.cause !== undefined && { cause: e.cause instanceof Error ? errorJson(e.cause) : e.cause }),
  });
}

/** Returns the later of two ISO times (the first when the second is absent). */
function later(a: string, b: string | undefined): string {
  return b !== undefined && b > a ? b : a;
}

function startOf(step: Op): string {
  return new Date(step.timing ? step.timing.a / 1e6 : Date.now()).toISOString();
}

function endOf(step: Op): string {
  return new Date(step.timing ? (step.timing.a + step.timing.b) / 1e6 : Date.now()).toISOString();
}

function stepName(step: {
  id: string;
  name?: string;
  displayName?: string;
  userland?: { id: string };
}): string {
  return step.userland?.id ?? step.displayName ?? step.name ?? step.id;
}

/** Returns the JSON form of a value (undefined becomes null, as Inngest stores it). */
function toJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/** Inngest's retriable flag is a string of seconds (or a date) when a RetryAfterError named a wait. */
function retryAfterMs(retriable: boolean | string | undefined): number | undefined {
  if (typeof retriable !== "string") return undefined;
  const seconds = Number(retriable);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(retriable);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function timeoutError(): Error {
  return new Error("RUN_TIMEOUT: the run did not finish within its finish timeout");
}
