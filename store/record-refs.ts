// How does a stored pair record stay small whatever the run's payloads? Large payloads kept by reference to the run that holds them.

import type { RunRecord } from "../executors/records.ts";
import { canonicalJson, sha256 } from "../lib/canonical.ts";

/** Payloads (inputs, outputs, step inputs and outputs) longer than this are stored by reference. */
export const RECORD_INLINE_BYTES = 64 * 1024;

/**
 * Returns the record with every payload over `limit` bytes replaced by `{ $ref, bytes, sha256 }`,
 * where `$ref` names the run and the field that holds it (`run:<workspace>/<runId>#steps[3].output`):
 * the run's own record keeps the value (inline, or in file storage). Two records whose payloads are
 * equal still compare equal by hash, and a stored pair record stays far under Convex's 1 MiB document
 * limit however wide the run. Payloads already kept by reference are left as they are.
 */
export function withLargePayloadsByRef(record: RunRecord, limit = RECORD_INLINE_BYTES): RunRecord {
  const base = `run:${record.workspaceId}/${record.runId}`;
  const ref = (value: unknown, field: string): unknown => {
    if (value === null || (typeof value !== "object" && typeof value !== "string")) return value;
    if (isRef(value)) return value;
    const text = canonicalJson(value);
    const bytes = Buffer.byteLength(text, "utf8");
    return bytes <= limit ? value : { $ref: `${base}#${field}`, bytes, sha256: sha256(text) };
  };
  return {
    ...record,
    input: ref(record.input, "input"),
    output: ref(record.output, "output"),
    steps: record.steps.map((s, i) => ({
      ...s,
      input: ref(s.input, `steps[${i}].input`),
      output: ref(s.output, `steps[${i}].output`),
    })),
  };
}

function isRef(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { $ref?: unknown }).$ref === "string" &&
    typeof (value as { sha256?: unknown }).sha256 === "string"
  );
}
