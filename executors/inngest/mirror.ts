// How do Inngest runs show up in the control plane? A poller copying each run's record into runs/steps/logs rows, redacted, idempotently.
import { log } from "../../lib/log.ts";
import { redact } from "../../lib/redact.ts";
import type { Executor } from "../executor.ts";
import { isTerminal, type RunRecord, type StepRecord } from "../records.ts";

/** Rows shaped like the control plane's Convex `runs`, `steps` and `logs` tables (payloads as JSON text, times in ms). */
export interface MirrorRunRow {
  workspaceId: string;
  runId: string;
  workflowId: string;
  workflowVersionId: string;
  status: RunRecord["status"];
  inputJson: string;
  outputJson?: string;
  error?: { code: string; message: string };
  tokens: RunRecord["tokens"];
  costUsd: number | null;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  shadow?: RunRecord["shadow"];
}

export interface MirrorStepRow {
  workspaceId: string;
  runId: string;
  nodeId: string;
  name: string;
  type: string;
  status: StepRecord["status"];
  attempt: number;
  inputJson?: string;
  outputJson?: string;
  error?: { code: string; message: string };
  tokens?: StepRecord["tokens"] & object;
  costUsd: number | null;
  model?: string;
  startedAt?: number;
  finishedAt?: number;
}

export interface MirrorLogRow {
  workspaceId: string;
  runId: string;
  at: number;
  level: "info" | "warn" | "error";
  message: string;
  step?: string;
}

/**
 * Where mirrored rows go. Every write is an upsert on its natural key — run (workspaceId, runId),
 * step (workspaceId, runId, name), log (workspaceId, runId, step, message) — so polling again
 * never duplicates a row. In production a Convex mutation implements it over the tables above.
 */
export interface MirrorSink {
  upsertRun(row: MirrorRunRow): Promise<void>;
  upsertStep(row: MirrorStepRow): Promise<void>;
  appendLogOnce(row: MirrorLogRow): Promise<void>;
}

/** A sink in memory: for tests and for looking at what would be written. */
export class MemoryMirrorSink implements MirrorSink {
  readonly runs = new Map<string, MirrorRunRow>();
  readonly steps = new Map<string, MirrorStepRow>();
  readonly logs = new Map<string, MirrorLogRow>();
  async upsertRun(row: MirrorRunRow) {
    this.runs.set(`${row.workspaceId}/${row.runId}`, row);
  }
  async upsertStep(row: MirrorStepRow) {
    this.steps.set(`${row.workspaceId}/${row.runId}/${row.name}`, row);
  }
  async appendLogOnce(row: MirrorLogRow) {
    const key = `${row.workspaceId}/${row.runId}/${row.step ?? ""}/${row.message}`;
    if (!this.logs.has(key)) this.logs.set(key, row);
  }
}

/** Copies one run's current record into the sink; returns the record (null when the executor has no such run). */
export async function mirrorRun(
  source: Pick<Executor, "get">,
  sink: MirrorSink,
  workspaceId: string,
  runId: string,
  redactPaths: readonly string[] = [],
): Promise<RunRecord | null> {
  const found = await source.get(workspaceId, runId);
  if (!found) return null;
  // Records are redacted when built; redacting again here keeps the sink safe whatever the source.
  const record = redactRecord(found, redactPaths);
  // Log times come from the record, never the clock, so a re-poll writes the same line at the same time.
  const createdAt = ms(record.createdAt) ?? 0;
  await sink.upsertRun(runRow(record));
  for (const step of record.steps) {
    await sink.upsertStep(stepRow(record, step));
    if (step.status === "running") continue;
    await sink.appendLogOnce({
      workspaceId,
      runId,
      at: ms(step.finishedAt) ?? ms(step.startedAt) ?? createdAt,
      level: step.status === "failed" ? "error" : step.status === "canceled" ? "warn" : "info",
      message: `step ${step.name} ${step.status} (attempt ${step.attempt})${step.error ? `: ${step.error.code} ${step.error.message}` : ""}`,
      step: step.name,
    });
  }
  if (isTerminal(record.status)) {
    await sink.appendLogOnce({
      workspaceId,
      runId,
      at: ms(record.finishedAt) ?? createdAt,
      level: record.status === "failed" ? "error" : record.status === "canceled" ? "warn" : "info",
      message: `run ${record.status}${record.error ? `: ${record.error.code} ${record.error.message}` : ""}`,
    });
  }
  return record;
}

/** Polls tracked runs until each is terminal, mirroring them on every pass (a Convex action on the scheduler in production). */
export class RunMirror {
  private readonly tracked = new Map<string, { workspaceId: string; runId: string }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly logger = log("inngest-mirror");

  constructor(
    private readonly source: Pick<Executor, "get">,
    private readonly sink: MirrorSink,
    private readonly options: { intervalMs?: number; redactPaths?: readonly string[] } = {},
  ) {}

  track(workspaceId: string, runId: string): void {
    this.tracked.set(`${workspaceId}/${runId}`, { workspaceId, runId });
  }

  /** Mirrors every tracked run once; returns how many are still being tracked. */
  async pollOnce(): Promise<number> {
    for (const [key, { workspaceId, runId }] of this.tracked) {
      try {
        const record = await mirrorRun(this.source, this.sink, workspaceId, runId, this.options.redactPaths);
        if (!record || isTerminal(record.status)) this.tracked.delete(key);
      } catch (err) {
        // One unreadable run must not stop the others; it is tried again next pass.
        this.logger.warn({ runId, err }, "mirroring a run failed");
      }
    }
    return this.tracked.size;
  }

  start(): void {
    if (this.timer) return;
    const tick = async () => {
      await this.pollOnce();
      this.timer = setTimeout(tick, this.options.intervalMs ?? 2_000);
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function redactRecord(record: RunRecord, paths: readonly string[]): RunRecord {
  const under = (root: string) =>
    paths.filter((p) => p.startsWith(`${root}.`)).map((p) => p.slice(root.length + 1));
  return {
    ...record,
    input: redact(record.input, under("input")),
    output: redact(record.output, under("output")),
    error: record.error && redact(record.error),
    steps: record.steps.map((s) => ({
      ...s,
      input: redact(s.input, under("input")),
      output: redact(s.output, under("output")),
      error: s.error && redact(s.error),
    })),
  };
}

function runRow(r: RunRecord): MirrorRunRow {
  return {
    workspaceId: r.workspaceId,
    runId: r.runId,
    workflowId: r.workflowId,
    workflowVersionId: r.workflowVersionId,
    status: r.status,
    inputJson: JSON.stringify(r.input ?? null),
    ...(r.status === "completed" && { outputJson: JSON.stringify(r.output ?? null) }),
    ...(r.error && { error: r.error }),
    tokens: r.tokens,
    costUsd: r.costUsd,
    createdAt: ms(r.createdAt) ?? 0,
    ...(r.startedAt && { startedAt: ms(r.startedAt) }),
    ...(r.finishedAt && { finishedAt: ms(r.finishedAt) }),
    ...(r.shadow && { shadow: r.shadow }),
  };
}

function stepRow(r: RunRecord, s: StepRecord): MirrorStepRow {
  return {
    workspaceId: r.workspaceId,
    runId: r.runId,
    nodeId: s.nodeId,
    name: s.name,
    type: s.type,
    status: s.status,
    attempt: s.attempt,
    ...(s.input !== null && s.input !== undefined && { inputJson: JSON.stringify(s.input) }),
    ...(s.status === "completed" && { outputJson: JSON.stringify(s.output ?? null) }),
    ...(s.error && { error: s.error }),
    ...(s.tokens && { tokens: s.tokens }),
    costUsd: s.costUsd,
    ...(s.model && { model: s.model }),
    ...(s.startedAt && { startedAt: ms(s.startedAt) }),
    ...(s.finishedAt && { finishedAt: ms(s.finishedAt) }),
  };
}

function ms(iso: string | null): number | undefined {
  return iso ? Date.parse(iso) : undefined;
}
