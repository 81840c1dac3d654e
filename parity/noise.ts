// Which places differ even between two primary runs of the same input? The noise baseline (as Diffy keeps one).
import type { RunRecord } from "../executors/records.ts";
import { diffValues } from "./output-diff.ts";
import { pairSteps, stepPath } from "./pairing.ts";
import { type Path, renderPath } from "./paths.ts";
import { DEFAULT_POLICY } from "./policy.ts";

/**
 * Returns the paths (policy syntax, sorted, unique) of the run output, step outputs and step inputs
 * that differ between two runs of the same input on the same executor. Put them in a policy's
 * `noisePaths`: differences there become info findings. Steps run by one side only are not noise.
 */
export function noisePaths(
  first: RunRecord,
  second: RunRecord,
  relativeTolerance = DEFAULT_POLICY.relativeTolerance,
): string[] {
  const found = new Set<string>();
  const add = (a: unknown, b: unknown, at: Path) => {
    for (const d of diffValues(a, b, at, { relativeTolerance, ignore: null })) found.add(renderPath(d.path));
  };
  add(first.output, second.output, ["output"]);
  for (const pair of pairSteps(first.steps, second.steps).pairs) {
    const at = stepPath(pair.primary);
    add(pair.primary.input, pair.shadow.input, [...at, "input"]);
    add(pair.primary.output, pair.shadow.output, [...at, "output"]);
  }
  return [...found].sort();
}
