// How does a difference between two values become findings? Diff, drop what is ignored, mark noise.

import type { Context } from "./context.ts";
import { brief, type Category, type Finding, finding } from "./finding.ts";
import { type Difference, diffValues } from "./output-diff.ts";
import { type Path, renderPath } from "./paths.ts";

/** How a finding under a noise rule begins (the summary counts them by it). */
export const NOISE_PREFIX = "noise (differs between two primary runs too): ";

export interface ValueCheck {
  category: Category;
  /** What is compared, for messages: "output", "step input", "run input". */
  what: string;
  nodeId?: string;
}

/**
 * Returns one finding per place where the values differ (major), or info where a noise rule covers
 * the place; nothing for places an ignore rule covers.
 */
export function valueFindings(
  primary: unknown,
  shadow: unknown,
  at: Path,
  ctx: Context,
  check: ValueCheck,
): Finding[] {
  const ignore = ctx.ignore ? ctx.ignore.along(at) : null;
  if (ignore?.covered) return [];
  const diffs = diffValues(primary, shadow, at, { relativeTolerance: ctx.policy.relativeTolerance, ignore });
  return diffs.map((d) => {
    const noisy = ctx.noise?.along(d.path)?.covered ?? false;
    return finding({
      category: check.category,
      severity: noisy ? "info" : "major",
      nodeId: check.nodeId,
      path: renderPath(d.path),
      message: (noisy ? NOISE_PREFIX : "") + describe(d, check.what),
      primary: d.primary,
      shadow: d.shadow,
    });
  });
}

function describe(d: Difference, what: string): string {
  switch (d.kind) {
    case "added":
      return `${what} has a value only on the shadow: ${brief(d.shadow)}`;
    case "removed":
      return `${what} lacks a value on the shadow; primary has ${brief(d.primary)}`;
    case "type":
      return `${what} changed type: primary ${typeName(d.primary)} ${brief(d.primary)}, shadow ${typeName(d.shadow)} ${brief(d.shadow)}`;
    default:
      return `${what} differs: primary ${brief(d.primary)}, shadow ${brief(d.shadow)}`;
  }
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}
