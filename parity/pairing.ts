// Which shadow step stands for which primary step? Steps matched by name (nodeId + type, or map item index).
import type { StepRecord } from "../executors/records.ts";
import { type Path, renderPath } from "./paths.ts";

export interface StepPair {
  readonly name: string;
  /** The step's path in its record (stepPath) and that path rendered, for findings. */
  readonly at: Path;
  readonly where: string;
  readonly primary: StepRecord;
  readonly shadow: StepRecord;
  /** How many records each side kept under this name (more than one: each attempt was recorded). */
  readonly primaryRecords: number;
  readonly shadowRecords: number;
}

export interface Pairing {
  /** In the primary's step order. */
  readonly pairs: readonly StepPair[];
  /** Steps the primary ran that the shadow did not. */
  readonly missing: readonly StepRecord[];
  /** Steps the shadow ran that the primary did not. */
  readonly extra: readonly StepRecord[];
}

interface Latest {
  step: StepRecord;
  records: number;
}

/** Returns the steps of both runs matched by name; a name recorded several times counts by its latest attempt. */
export function pairSteps(primary: readonly StepRecord[], shadow: readonly StepRecord[]): Pairing {
  const p = latestByName(primary);
  const s = latestByName(shadow);
  const pairs: StepPair[] = [];
  const missing: StepRecord[] = [];
  for (const [name, left] of p) {
    const right = s.get(name);
    if (!right) missing.push(left.step);
    else {
      const at = stepPath(left.step);
      pairs.push({
        name,
        at,
        where: renderPath(at),
        primary: left.step,
        shadow: right.step,
        primaryRecords: left.records,
        shadowRecords: right.records,
      });
    }
  }
  const extra: StepRecord[] = [];
  for (const [name, right] of s) if (!p.has(name)) extra.push(right.step);
  return { pairs, missing, extra };
}

function latestByName(steps: readonly StepRecord[]): Map<string, Latest> {
  const out = new Map<string, Latest>();
  for (const step of steps) {
    const seen = out.get(step.name);
    if (!seen) out.set(step.name, { step, records: 1 });
    else {
      seen.records++;
      if (step.attempt >= seen.step.attempt) seen.step = step;
    }
  }
  return out;
}

/** Returns the path of a step in its record: found by name, also matched by its nodeId in path rules. */
export function stepPath(step: StepRecord): Path {
  return ["steps", { by: "name", value: step.name, alias: step.nodeId }];
}
