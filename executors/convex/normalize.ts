// What RunRecord does a Convex run document become? Normalising runs and steps docs to the shared contract.
import type { Doc } from "../../convex/_generated/dataModel";
import { RunRecord, type StepRecord } from "../records.ts";

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
const parse = (json: string | undefined): unknown => (json === undefined ? null : JSON.parse(json));
const duration = (start?: number, end?: number): number | null =>
  start === undefined || end === undefined ? null : Math.max(0, end - start);

/** Returns the contract's record for a run and its steps (in the order they started). */
export function toRunRecord(run: Doc<"cutover_runs">, steps: readonly Doc<"cutover_steps">[]): RunRecord {
  const record: RunRecord = {
    runId: run.runId,
    workflowId: run.workflowId,
    workspaceId: run.workspaceId,
    workflowVersionId: run.workflowVersionId,
    executor: "convex",
    status: run.status,
    input: parse(run.inputJson),
    output: run.status === "completed" ? parse(run.outputJson) : null,
    error: run.error ?? null,
    tokens: run.tokens,
    costUsd: run.costUsd,
    createdAt: iso(run.createdAt)!,
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    durationMs: duration(run.startedAt, run.finishedAt),
    ...(run.shadow ? { shadow: run.shadow } : {}),
    steps: steps.map(toStepRecord),
  };
  return RunRecord.parse(record);
}

function toStepRecord(step: Doc<"cutover_steps">): StepRecord {
  return {
    nodeId: step.nodeId,
    name: step.name,
    type: step.type,
    status: step.status,
    attempt: step.attempt,
    input: parse(step.inputJson),
    output: parse(step.outputJson),
    error: step.error ?? null,
    tokens: step.tokens ?? null,
    costUsd: step.costUsd,
    model: step.model ?? null,
    startedAt: iso(step.startedAt),
    finishedAt: iso(step.finishedAt),
    durationMs: duration(step.startedAt, step.finishedAt),
  };
}
