// What does one run look like once normalised? The RunRecord / StepRecord contract both executors emit.
import { z } from "zod";

const isoDate = z.iso.datetime({ offset: true });

export const Tokens = z.object({
  input: z.number().int().nonnegative(),
  output: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});
export type Tokens = z.infer<typeof Tokens>;

export const RecordError = z.object({ code: z.string().min(1), message: z.string() });
export type RecordError = z.infer<typeof RecordError>;

export const ExecutorName = z.enum(["convex", "inngest"]);
export type ExecutorName = z.infer<typeof ExecutorName>;

export const RunStatus = z.enum(["queued", "running", "completed", "failed", "canceled"]);
export type RunStatus = z.infer<typeof RunStatus>;

export const StepStatus = z.enum(["completed", "failed", "skipped", "canceled", "running"]);
export type StepStatus = z.infer<typeof StepStatus>;

/** A payload too large to keep inline: comparable by hash without being loaded. */
export const PayloadRef = z.object({
  $ref: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type PayloadRef = z.infer<typeof PayloadRef>;

export const StepRecord = z.object({
  nodeId: z.string().min(1),
  /** `node-<id>-<type>`, a map item `node-<id>-map-<i>`, or a chunk of a big map's items `node-<id>-map-<first>-<last>`. */
  name: z.string().regex(/^node-.+-[a-z]+(-\d+){0,2}$/),
  type: z.string().min(1),
  status: StepStatus,
  attempt: z.number().int().min(1),
  input: z.unknown(),
  output: z.unknown(),
  error: RecordError.nullable(),
  tokens: Tokens.nullable(),
  /** null when the catalog has no price for the step's model (legacy profile). */
  costUsd: z.number().nonnegative().nullable(),
  model: z.string().nullable(),
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  durationMs: z.number().nonnegative().nullable(),
});
export type StepRecord = z.infer<typeof StepRecord>;

export const ShadowMark = z.object({ pairId: z.string().min(1), of: z.string().min(1) });
export type ShadowMark = z.infer<typeof ShadowMark>;

export const RunRecord = z.object({
  runId: z.string().min(1),
  workflowId: z.string().min(1),
  workspaceId: z.string().min(1),
  workflowVersionId: z.string().min(1),
  executor: ExecutorName,
  status: RunStatus,
  input: z.unknown(),
  output: z.unknown(),
  error: RecordError.nullable(),
  tokens: Tokens,
  /** null when a step's model has no price (see StepRecord.costUsd). */
  costUsd: z.number().nonnegative().nullable(),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  durationMs: z.number().nonnegative().nullable(),
  shadow: ShadowMark.optional(),
  steps: z.array(StepRecord),
});
export type RunRecord = z.infer<typeof RunRecord>;

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ["completed", "failed", "canceled"];

/** True when the run will not change any more. */
export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}

export const ZERO_TOKENS: Tokens = Object.freeze({ input: 0, output: 0, total: 0 });

/** Returns the sum of step usage, the run-level totals both executors report. */
export function sumUsage(steps: readonly StepRecord[]): { tokens: Tokens; costUsd: number | null } {
  let input = 0;
  let output = 0;
  let costUsd: number | null = 0;
  for (const s of steps) {
    if (s.tokens) {
      input += s.tokens.input;
      output += s.tokens.output;
    }
    // One unpriced step makes the run's cost unknown, not smaller.
    costUsd = costUsd === null || s.costUsd === null ? null : costUsd + s.costUsd;
  }
  return {
    tokens: { input, output, total: input + output },
    costUsd: costUsd === null ? null : roundUsd(costUsd),
  };
}

/** Returns a dollar figure rounded to 1e-9, so sums do not carry float dust into comparisons. */
export function roundUsd(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
