// How does an Inngest run become a RunRecord? Step observations (jobs or embedded events) merged with the function's step summary.
import { canonicalJson, sha256 } from "../../lib/canonical.ts";
import { redact } from "../../lib/redact.ts";
import type { CompiledNode, CompiledWorkflow } from "../../workflow/compiled.ts";
import { prepareInput } from "../../workflow/input.ts";
import type { RunRequest } from "../executor.ts";
import {
  type RecordError,
  type RunRecord,
  type RunStatus,
  type ShadowMark,
  type StepRecord,
  type StepStatus,
  sumUsage,
} from "../records.ts";
import type { FunctionResult, StepResult } from "./events.ts";
import { type BlobStore, isPayloadRef, loadRef } from "./payload.ts";

/** What the executor knows about a run from its submit. */
export interface RunMeta {
  runId: string;
  workspaceId: string;
  workflow: CompiledWorkflow;
  input: unknown;
  shadow?: ShadowMark;
  createdAt: string;
  /** Dot paths (with `*`) redacted in recorded inputs and outputs (`input.…` / `output.…`), besides secret keys. */
  redactPaths?: readonly string[];
}

/** Returns what a submit tells the executor about its run, stamped with the submit time. */
export function runMetaFor(request: RunRequest, redactPaths?: readonly string[]): RunMeta {
  return {
    runId: request.runId,
    workspaceId: request.workspaceId,
    workflow: request.workflow,
    input: request.input,
    shadow: request.shadow,
    createdAt: new Date().toISOString(),
    redactPaths,
  };
}

/** How recorded payloads are kept: redacted, inline up to thresholdBytes, else by reference. */
export interface PayloadPolicy {
  blobs: BlobStore;
  thresholdBytes: number;
}

/** One step as observed outside the function's summary (a REST job, or an embedded step event). */
export interface ObservedStep {
  name: string;
  status: StepStatus;
  /** 1-based, when known. */
  attempt: number | null;
  result: StepResult | null;
  error: RecordError | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface RunState {
  status: RunStatus;
  /** The function's return value when it completed. */
  result: unknown;
  error: RecordError | null;
  startedAt: string | null;
  finishedAt: string | null;
  observed: ObservedStep[];
  /** The function's step summary when it is not the return value: a failed run's error carries it. */
  summarySteps?: StepRecord[];
}

/**
 * Returns the node a step label belongs to (`node-<id>-<type>`, `node-<id>-map-<i>` or a chunk's
 * `node-<id>-map-<first>-<last>`), or undefined.
 */
export function nodeForLabel(workflow: CompiledWorkflow, label: string): CompiledNode | undefined {
  const item = /^(.*-map)-\d+(?:-\d+)?$/.exec(label);
  const base = item ? item[1] : label;
  return workflow.topologicallySortedNodes.find((n) => n.label === label || (item && n.label === base));
}

/** Returns the function's result when `value` is one (directly, or as the JSON string some APIs return). */
export function asFunctionResult(value: unknown): FunctionResult | null {
  const v = typeof value === "string" ? tryJson(value) : value;
  if (v && typeof v === "object" && Array.isArray((v as FunctionResult).steps) && "output" in v) {
    return v as FunctionResult;
  }
  return null;
}

/**
 * Returns the step summary a failed run's error carries (`cause.steps`, set by the orchestrator when the
 * walk fails), or an empty list when the error has none.
 */
export function stepsOfFailure(value: unknown): StepRecord[] {
  const v = typeof value === "string" ? tryJson(value) : value;
  if (!v || typeof v !== "object") return [];
  const o = v as Record<string, unknown>;
  const cause = (o.cause ?? (o.error as Record<string, unknown> | undefined)?.cause) as
    | Record<string, unknown>
    | undefined;
  const steps = cause?.steps;
  return Array.isArray(steps) ? (steps.filter((s) => s && typeof s === "object") as StepRecord[]) : [];
}

/** Returns a step result when `value` is one (or its JSON string), else null. */
export function asStepResult(value: unknown): StepResult | null {
  const v = typeof value === "string" ? tryJson(value) : value;
  const inner =
    v && typeof v === "object" && "data" in v && !("attempt" in v) ? (v as { data: unknown }).data : v;
  if (inner && typeof inner === "object" && "attempt" in inner && "startedAt" in inner)
    return inner as StepResult;
  return null;
}

/**
 * Returns the run's record: the summary's steps first, observed steps filling what it lacks, in graph
 * order; every payload redacted and, when large, kept as a reference hashed like the legacy executor's.
 */
export async function buildRunRecord(
  meta: RunMeta,
  state: RunState,
  payloads: PayloadPolicy,
): Promise<RunRecord> {
  const summary = state.status === "completed" ? asFunctionResult(state.result) : null;
  const byName = new Map<string, StepRecord>();
  for (const s of summary?.steps ?? state.summarySteps ?? []) byName.set(s.name, { ...s });
  for (const o of state.observed) {
    const known = byName.get(o.name);
    if (known) {
      if (o.attempt && o.attempt > known.attempt && o.status === known.status)
        byName.set(o.name, { ...known, attempt: o.attempt });
      continue;
    }
    const node = nodeForLabel(meta.workflow, o.name);
    if (node) byName.set(o.name, observedStep(node, o, state.status));
  }
  if (!summary) restoreLegacyInputStep(meta, state, byName);
  const order = new Map(meta.workflow.topologicallySortedNodes.map((n, i) => [n.id, i]));
  const steps = [...byName.values()].sort(
    (a, b) =>
      (order.get(a.nodeId) ?? 0) - (order.get(b.nodeId) ?? 0) || itemIndex(a.name) - itemIndex(b.name),
  );
  const keep = (value: unknown, root: "input" | "output") =>
    recordPayload(value, meta.redactPaths ?? [], root, payloads);
  for (const step of steps) {
    step.input = await keep(step.input, "input");
    step.output = await keep(step.output, "output");
  }
  const { tokens, costUsd } = sumUsage(steps);
  const durationMs =
    state.startedAt && state.finishedAt
      ? Math.max(0, Date.parse(state.finishedAt) - Date.parse(state.startedAt))
      : null;
  return {
    runId: meta.runId,
    workflowId: meta.workflow.workflowId,
    workspaceId: meta.workspaceId,
    workflowVersionId: meta.workflow.workflowVersionId,
    executor: "inngest",
    status: state.status,
    input: await keep(meta.input, "input"),
    output:
      state.status === "completed" ? await keep(summary ? summary.output : state.result, "output") : null,
    error: state.status === "completed" ? null : state.error,
    tokens,
    costUsd,
    createdAt: meta.createdAt,
    startedAt: state.startedAt,
    finishedAt: state.finishedAt,
    durationMs,
    ...(meta.shadow && { shadow: meta.shadow }),
    steps,
  };
}

/**
 * A legacy run's input step is no durable step: the orchestrator hands the run input on inline and keeps it
 * only in the function's summary, which a run that did not complete never returns. When later steps ran,
 * it is rebuilt here as it ran (the run input, prepared, in and out), so a failed legacy run shows the same
 * steps on Inngest as on Convex.
 */
function restoreLegacyInputStep(meta: RunMeta, state: RunState, byName: Map<string, StepRecord>): void {
  if (meta.workflow.profile !== "legacy" || byName.size === 0 || !state.startedAt) return;
  const node = meta.workflow.topologicallySortedNodes.find((n) => n.type === "input");
  if (!node || byName.has(node.label)) return;
  let value: unknown;
  try {
    value = prepareInput(meta.workflow, meta.input);
  } catch {
    return;
  }
  byName.set(node.label, {
    nodeId: node.id,
    name: node.label,
    type: node.type,
    status: "completed",
    attempt: 1,
    input: value,
    output: value,
    error: null,
    tokens: null,
    costUsd: 0,
    model: null,
    startedAt: state.startedAt,
    finishedAt: state.startedAt,
    durationMs: 0,
  });
}

/** Returns a payload as a record keeps it (the legacy executor's rule, so both hash alike). */
export async function recordPayload(
  value: unknown,
  redactPaths: readonly string[],
  root: "input" | "output",
  payloads: PayloadPolicy,
): Promise<unknown> {
  const loaded = isPayloadRef(value) ? await loadRef(value, payloads.blobs) : value;
  const paths = redactPaths.filter((p) => p.startsWith(`${root}.`)).map((p) => p.slice(root.length + 1));
  const safe = redact(loaded === undefined ? null : loaded, paths);
  if (Buffer.byteLength(JSON.stringify(safe), "utf8") <= payloads.thresholdBytes) return safe;
  const canonical = canonicalJson(safe);
  const hash = sha256(canonical);
  await payloads.blobs.put(hash, canonical);
  return { $ref: `blob:${hash}`, bytes: Buffer.byteLength(canonical, "utf8"), sha256: hash };
}

function observedStep(node: CompiledNode, o: ObservedStep, runStatus: RunStatus): StepRecord {
  const r = o.result;
  // A step still "running" when its run was canceled never finished.
  const status = o.status === "running" && runStatus === "canceled" ? "canceled" : o.status;
  const startedAt = r?.startedAt ?? o.startedAt;
  const finishedAt = r?.finishedAt ?? o.finishedAt;
  return {
    nodeId: node.id,
    name: o.name,
    type: node.type,
    status,
    attempt: r?.attempt ?? o.attempt ?? 1,
    input: r?.input ?? null,
    output: status === "completed" ? (r?.output ?? null) : null,
    error: status === "failed" ? (o.error ?? { code: "INTERNAL", message: "step failed" }) : null,
    tokens: r?.tokens ?? null,
    costUsd: r?.costUsd ?? 0,
    model: r?.model ?? null,
    startedAt,
    finishedAt,
    durationMs:
      r?.durationMs ??
      (startedAt && finishedAt ? Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt)) : null),
  };
}

function itemIndex(name: string): number {
  const m = /-map-(\d+)(?:-\d+)?$/.exec(name);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
