// Which of Inngest's platform limits does a run meet, and what does passing one cost? Named, configurable limits.
//
// From Inngest's published limits (docs: "Usage Limits" and "Durable Execution limits", read 2026-11):
// the largest event is 256 KiB on the free plan and 3 MiB on Pro and Business; a step may return 4 MB; a
// run's state (its event, every step's returned data and the function's return value) may not pass 32 MB;
// a function may take at most 1,000 steps. The server's source names the step-count overflow too (run
// status Overflowed, pkg/enums/run_status.go). MB is read as MiB here, the larger reading.
import { ErrorCode } from "../../workflow/errors.ts";

/** The largest event payload on Inngest's free plan. */
export const FREE_PLAN_EVENT_BYTES = 256 * 1024;
/** The largest event payload on Inngest's Pro and Business plans. */
export const PAID_PLAN_EVENT_BYTES = 3 * 1024 * 1024;
/** The most a single step may return. */
export const STEP_OUTPUT_BYTES = 4 * 1024 * 1024;
/** The most state one run may hold: its event, every step's returned data and the function's return value. */
export const RUN_STATE_BYTES = 32 * 1024 * 1024;
/** The most steps one run may take. */
export const MAX_STEPS_PER_RUN = 1_000;

export interface InngestLimits {
  /** The plan's event payload limit (FREE_PLAN_EVENT_BYTES by default: the plan cutover assumes). */
  eventBytes: number;
  stepOutputBytes: number;
  runStateBytes: number;
  maxSteps: number;
}

/**
 * Returns the limits the embedded engine enforces and the orchestrator stays under: the free plan's by
 * default; `CUTOVER_INNGEST_EVENT_BYTES` (a byte count, or `paid` for 3 MiB) raises the event limit for an
 * account on a paid plan.
 */
export function inngestLimits(
  overrides: Partial<InngestLimits> = {},
  env: NodeJS.ProcessEnv = process.env,
): InngestLimits {
  return {
    eventBytes: overrides.eventBytes ?? eventBytesFromEnv(env),
    stepOutputBytes: overrides.stepOutputBytes ?? STEP_OUTPUT_BYTES,
    runStateBytes: overrides.runStateBytes ?? RUN_STATE_BYTES,
    maxSteps: overrides.maxSteps ?? MAX_STEPS_PER_RUN,
  };
}

function eventBytesFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.CUTOVER_INNGEST_EVENT_BYTES?.trim();
  if (!raw) return FREE_PLAN_EVENT_BYTES;
  if (raw.toLowerCase() === "paid") return PAID_PLAN_EVENT_BYTES;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    throw new Error(
      `CUTOVER_INNGEST_EVENT_BYTES must be a positive byte count or "paid", got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

/** Returns the bytes a JSON value takes as Inngest stores it (UTF-8 JSON; undefined counts as null). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null) ?? "null", "utf8");
}

/** Returns a size in readable form (`5.2 MiB`, `300 KiB`). */
export function humanBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
  return `${bytes} B`;
}

/** A run passed one of Inngest's limits: the error production would end it with, with its code. */
export class InngestLimitError extends Error {
  constructor(
    readonly code:
      | typeof ErrorCode.INNGEST_EVENT_TOO_LARGE
      | typeof ErrorCode.INNGEST_STEP_OUTPUT_TOO_LARGE
      | typeof ErrorCode.INNGEST_STATE_TOO_LARGE
      | typeof ErrorCode.INNGEST_TOO_MANY_STEPS,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`, { cause: { code, message: detail } });
    // Inngest does not retry these: the same run passes the same limit again.
    this.name = "NonRetriableError";
  }
}

/** Returns the error for an event over the limit, or null when it fits. */
export function checkEvent(event: unknown, limits: InngestLimits): InngestLimitError | null {
  const bytes = jsonBytes(event);
  if (bytes <= limits.eventBytes) return null;
  return new InngestLimitError(
    ErrorCode.INNGEST_EVENT_TOO_LARGE,
    `the event is ${humanBytes(bytes)}; Inngest accepts at most ${humanBytes(limits.eventBytes)} per event on this plan`,
  );
}

/**
 * Keeps the running totals of one run against the step, step-output and state limits: `step` is called
 * for each step Inngest would keep, `result` for the function's return value.
 */
export class RunBudget {
  private steps = 0;
  private state: number;

  constructor(
    private readonly limits: InngestLimits,
    eventBytes: number,
  ) {
    this.state = eventBytes;
  }

  /** Returns the error a step returning `data` ends the run with, or null when it is within every limit. */
  step(name: string, data: unknown): InngestLimitError | null {
    this.steps++;
    if (this.steps > this.limits.maxSteps) {
      return new InngestLimitError(
        ErrorCode.INNGEST_TOO_MANY_STEPS,
        `step ${name} is step ${this.steps} of the run; Inngest allows at most ${this.limits.maxSteps} steps per run`,
      );
    }
    const bytes = jsonBytes(data);
    if (bytes > this.limits.stepOutputBytes) {
      return new InngestLimitError(
        ErrorCode.INNGEST_STEP_OUTPUT_TOO_LARGE,
        `step ${name} returned ${humanBytes(bytes)}; Inngest keeps at most ${humanBytes(this.limits.stepOutputBytes)} per step`,
      );
    }
    return this.add(bytes, `step ${name}`);
  }

  /** Returns the error the function's return value ends the run with, or null. */
  result(data: unknown): InngestLimitError | null {
    return this.add(jsonBytes(data), "the function's return value");
  }

  private add(bytes: number, what: string): InngestLimitError | null {
    this.state += bytes;
    if (this.state <= this.limits.runStateBytes) return null;
    return new InngestLimitError(
      ErrorCode.INNGEST_STATE_TOO_LARGE,
      `${what} took the run's state to ${humanBytes(this.state)}; Inngest keeps at most ${humanBytes(this.limits.runStateBytes)} per run`,
    );
  }
}
