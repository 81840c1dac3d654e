// Did both runs end the same way? Run status, error codes (messages are only informative) and preconditions.
import { isTerminal, type RecordError, type RunRecord } from "../executors/records.ts";
import type { Context } from "./context.ts";
import { type Finding, finding } from "./finding.ts";
import { valueFindings } from "./value-findings.ts";

/** Returns findings on the runs' status, errors, inputs and workflow versions. */
export function statusFindings(primary: RunRecord, shadow: RunRecord, ctx: Context): Finding[] {
  const out: Finding[] = [];
  if (primary.workflowVersionId !== shadow.workflowVersionId) {
    out.push(
      finding({
        category: "status",
        severity: "major",
        path: "$.workflowVersionId",
        message: "the runs executed different workflow versions, so their results need not agree",
        primary: primary.workflowVersionId,
        shadow: shadow.workflowVersionId,
      }),
    );
  }
  out.push(
    ...valueFindings(primary.input, shadow.input, ["input"], ctx, { category: "status", what: "run input" }),
  );

  for (const [side, run] of [
    ["primary", primary],
    ["shadow", shadow],
  ] as const) {
    if (!isTerminal(run.status)) {
      out.push(
        finding({
          category: "status",
          severity: "major",
          path: "$.status",
          message: `the ${side} run is still ${run.status}: only finished runs can be compared`,
          primary: primary.status,
          shadow: shadow.status,
        }),
      );
    }
  }
  if (primary.status !== shadow.status) {
    out.push(
      finding({
        category: "status",
        severity: "critical",
        path: "$.status",
        message: statusMessage(primary, shadow),
        primary: primary.status,
        shadow: shadow.status,
      }),
    );
  } else {
    // With different statuses the status finding already tells both errors.
    out.push(...errorFindings(primary.error, shadow.error, { path: "$.error", what: "run" }));
  }
  return out;
}

function statusMessage(primary: RunRecord, shadow: RunRecord): string {
  if (primary.status === "completed" && (shadow.status === "failed" || shadow.status === "canceled")) {
    return `the shadow run ${shadow.status}${errorText(shadow.error)} where the primary completed`;
  }
  if (shadow.status === "completed" && (primary.status === "failed" || primary.status === "canceled")) {
    return `the shadow run completed where the primary ${primary.status}${errorText(primary.error)}`;
  }
  return `run status differs: primary ${primary.status}${errorText(primary.error)}, shadow ${shadow.status}${errorText(shadow.error)}`;
}

const errorText = (e: RecordError | null): string => (e ? ` (${e.code}: ${e.message})` : "");

/**
 * Returns findings comparing two errors: a different code (or an error on one side only) is major,
 * the same code with another message is info.
 */
export function errorFindings(
  primary: RecordError | null,
  shadow: RecordError | null,
  where: { path: string; what: string; nodeId?: string },
): Finding[] {
  if (!primary && !shadow) return [];
  const base = { category: "error" as const, nodeId: where.nodeId };
  if (!primary || !shadow) {
    return [
      finding({
        ...base,
        severity: "major",
        path: where.path,
        message: primary
          ? `${where.what} error only on the primary: ${primary.code}`
          : `${where.what} error only on the shadow: ${shadow?.code}`,
        primary,
        shadow,
      }),
    ];
  }
  if (primary.code !== shadow.code) {
    return [
      finding({
        ...base,
        severity: "major",
        path: `${where.path}.code`,
        message: `${where.what} error code differs: primary ${primary.code}, shadow ${shadow.code}`,
        primary,
        shadow,
      }),
    ];
  }
  if (primary.message !== shadow.message) {
    return [
      finding({
        ...base,
        severity: "info",
        path: `${where.path}.message`,
        message: `${where.what} failed with the same code ${primary.code}; only the message differs`,
        primary: primary.message,
        shadow: shadow.message,
      }),
    ];
  }
  return [];
}
