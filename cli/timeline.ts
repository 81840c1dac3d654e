// How does a run read on a terminal? A RunRecord as a header, one line per step, and the output.
import type { RunRecord, StepRecord } from "../executors/records.ts";

const MARK: Record<StepRecord["status"], string> = {
  completed: "✓",
  failed: "✗",
  skipped: "–",
  canceled: "○",
  running: "…",
};
const OUTPUT_PREVIEW_CHARS = 2000;

/** Returns one line describing a step: mark, name, duration, model, usage, and the error when it failed. */
export function formatStep(step: StepRecord, nameWidth = 28): string {
  const parts = [`  ${MARK[step.status]} ${step.name.padEnd(nameWidth)}`];
  if (step.status === "skipped") parts.push("skipped");
  else parts.push(step.durationMs === null ? step.status : `${String(step.durationMs).padStart(5)} ms`);
  if (step.model) parts.push(step.model);
  if (step.tokens) parts.push(`${step.tokens.total} tokens`);
  if (step.costUsd === null && step.tokens) parts.push("cost unknown");
  else if (step.costUsd !== null && step.costUsd > 0) parts.push(`$${step.costUsd.toFixed(6)}`);
  if (step.attempt > 1) parts.push(`attempt ${step.attempt}`);
  if (step.error)
    parts.push(
      `${step.status === "canceled" ? "canceled" : "failed"}: ${step.error.code} ${step.error.message}`,
    );
  return parts.join("  ");
}

/** Returns the run's header line: id, executor, status, duration and totals. */
export function formatHeader(record: RunRecord): string {
  const took = record.durationMs === null ? "" : ` in ${record.durationMs} ms`;
  return (
    `run ${record.runId} (${record.executor}) ${record.status}${took}` +
    ` · ${record.tokens.total} tokens (${record.tokens.input} in / ${record.tokens.output} out)` +
    ` · ${record.costUsd === null ? "cost unknown (a model has no price)" : `$${record.costUsd.toFixed(6)}`}`
  );
}

/** Returns the whole timeline: header, steps in start order, then the error or the output (truncated). */
export function formatTimeline(record: RunRecord): string {
  const width = Math.min(48, Math.max(12, ...record.steps.map((s) => s.name.length)));
  const lines = [formatHeader(record), ...record.steps.map((s) => formatStep(s, width))];
  if (record.error) lines.push(`error: ${record.error.code} ${record.error.message}`);
  if (record.status === "completed") {
    const text = typeof record.output === "string" ? record.output : JSON.stringify(record.output, null, 2);
    lines.push(
      `output: ${text.length > OUTPUT_PREVIEW_CHARS ? `${text.slice(0, OUTPUT_PREVIEW_CHARS)}… (${text.length} chars)` : text}`,
    );
  }
  return lines.join("\n");
}
