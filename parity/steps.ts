// Did both runs take the same steps with the same results? Missing, extra, status, error, input and output per step.
import type { StepRecord } from "../executors/records.ts";
import type { Context } from "./context.ts";
import { brief, type Finding, finding } from "./finding.ts";
import type { Pairing, StepPair } from "./pairing.ts";
import { stepPath } from "./pairing.ts";
import { type Path, renderPath } from "./paths.ts";
import { errorFindings } from "./status.ts";
import { valueFindings } from "./value-findings.ts";

/** Returns findings for steps run by one side only and for each matched pair of steps. */
export function stepFindings(pairing: Pairing, ctx: Context): Finding[] {
  const out: Finding[] = [];
  for (const step of pairing.missing) {
    if (!ignored(stepPath(step), ctx)) out.push(oneSided(step, "primary"));
  }
  for (const step of pairing.extra) {
    if (!ignored(stepPath(step), ctx)) out.push(oneSided(step, "shadow"));
  }
  for (const pair of pairing.pairs) out.push(...pairFindings(pair, ctx));
  return out;
}

/** Returns the finding for a step only `side` ran, carrying that side's status and output. */
function oneSided(step: StepRecord, side: "primary" | "shadow"): Finding {
  const other = side === "primary" ? "shadow" : "primary";
  return finding({
    category: "step",
    severity: "major",
    nodeId: step.nodeId,
    path: renderPath(stepPath(step)),
    message: `step ${step.name} ran on the ${side} (${step.status}) but not on the ${other}`,
    [side]: { status: step.status, output: step.output },
  });
}

function ignored(path: Path, ctx: Context): boolean {
  return ctx.ignore?.along(path)?.covered ?? false;
}

function pairFindings(pair: StepPair, ctx: Context): Finding[] {
  const { primary: p, shadow: s, at, where } = pair;
  if (ignored(at, ctx)) return [];
  const nodeId = p.nodeId;
  const out: Finding[] = [];
  if (p.status !== s.status) {
    out.push(
      finding({
        category: "step",
        severity: "major",
        nodeId,
        path: `${where}.status`,
        message: `step ${p.name} ${p.status}${errorText(p)} on the primary but ${s.status}${errorText(s)} on the shadow`,
        primary: p.status,
        shadow: s.status,
      }),
    );
  } else {
    out.push(...errorFindings(p.error, s.error, { path: `${where}.error`, what: `step ${p.name}`, nodeId }));
    out.push(
      ...valueFindings(p.input, s.input, [...at, "input"], ctx, {
        category: "step",
        what: "step input",
        nodeId,
      }),
    );
    out.push(
      ...valueFindings(p.output, s.output, [...at, "output"], ctx, {
        category: "output",
        what: "step output",
        nodeId,
      }),
    );
  }
  if (p.attempt !== s.attempt || pair.primaryRecords !== pair.shadowRecords) {
    out.push(
      finding({
        category: "timeline",
        severity: "info",
        nodeId,
        path: `${where}.attempt`,
        message: `step ${p.name} took ${attempts(p, pair.primaryRecords)} on the primary and ${attempts(s, pair.shadowRecords)} on the shadow`,
        primary: p.attempt,
        shadow: s.attempt,
      }),
    );
  }
  if (p.model !== s.model) {
    out.push(
      finding({
        category: "step",
        severity: "info",
        nodeId,
        path: `${where}.model`,
        message: `step ${p.name} reports another model: primary ${brief(p.model)}, shadow ${brief(s.model)}`,
        primary: p.model,
        shadow: s.model,
      }),
    );
  }
  return out;
}

const errorText = (step: StepRecord): string => (step.error ? ` (${step.error.code})` : "");

function attempts(step: StepRecord, records: number): string {
  const n = Math.max(step.attempt, records);
  return n === 1 ? "1 attempt" : `${n} attempts`;
}
