// Did each run respect the graph's dependencies, and did independent steps merely run in another order?
import type { RunRecord, StepRecord } from "../executors/records.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { type Finding, finding } from "./finding.ts";
import type { Pairing, StepPair } from "./pairing.ts";
import { stepPath } from "./pairing.ts";
import { renderPath } from "./paths.ts";

/**
 * Returns a major finding for every step that started before one of its dependencies finished (either
 * run; only with a compiled graph), and one info finding when matched steps started in another order.
 */
export function orderFindings(
  primary: RunRecord,
  shadow: RunRecord,
  pairing: Pairing,
  graph?: CompiledWorkflow,
): Finding[] {
  const out: Finding[] = [];
  if (graph) {
    out.push(...violations(primary, "primary", graph));
    out.push(...violations(shadow, "shadow", graph));
  }
  const reorder = reordered(pairing);
  if (reorder) {
    const checked = graph
      ? out.length === 0
        ? "no dependency between them was broken"
        : "see the dependency findings"
      : "dependencies not checked: no graph given";
    out.push(
      finding({
        category: "timeline",
        severity: "info",
        path: "$.steps",
        message: `steps started in another order on the shadow (${checked})`,
        primary: reorder.primary,
        shadow: reorder.shadow,
      }),
    );
  }
  return out;
}

function violations(run: RunRecord, side: "primary" | "shadow", graph: CompiledWorkflow): Finding[] {
  const finishedAt = new Map<string, { at: number; step: StepRecord }>();
  for (const step of run.steps) {
    const at = time(step.finishedAt);
    if (at === null) continue;
    const seen = finishedAt.get(step.nodeId);
    if (!seen || at > seen.at) finishedAt.set(step.nodeId, { at, step });
  }
  const dependsOn = new Map(graph.topologicallySortedNodes.map((n) => [n.id, n.dependsOn]));
  const out: Finding[] = [];
  for (const step of run.steps) {
    const startedAt = time(step.startedAt);
    if (startedAt === null) continue;
    for (const dep of dependsOn.get(step.nodeId) ?? []) {
      const done = finishedAt.get(dep);
      if (!done || done.at <= startedAt) continue;
      const early = {
        step: step.name,
        startedAt: step.startedAt,
        dependency: done.step.name,
        dependencyFinishedAt: done.step.finishedAt,
      };
      out.push(
        finding({
          category: "timeline",
          severity: "major",
          nodeId: step.nodeId,
          path: `${renderPath(stepPath(step))}.startedAt`,
          message: `on the ${side}, step ${step.name} started ${done.at - startedAt} ms before its dependency ${done.step.name} finished`,
          ...(side === "primary" ? { primary: early } : { shadow: early }),
        }),
      );
    }
  }
  return out;
}

function time(iso: string | null): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

const SHOWN_NAMES = 10;

// The usual case, checked without sorting: a side whose steps started in the primary's step order
// sorts to that order (ties keep it too), so two such sides cannot disagree.
function startsInOrder(timed: readonly StepPair[], side: "primary" | "shadow"): boolean {
  for (let i = 1; i < timed.length; i++) {
    if (byInstant(timed[i - 1][side].startedAt as string, timed[i][side].startedAt as string) > 0)
      return false;
  }
  return true;
}

// UTC instants written with the same precision sort as strings (no parsing); anything else is parsed.
function byInstant(a: string, b: string): number {
  if (a.length === b.length && a.endsWith("Z") && b.endsWith("Z")) return a < b ? -1 : a > b ? 1 : 0;
  return (time(a) ?? 0) - (time(b) ?? 0);
}

// The start order of the matched steps on each side, from the first place they disagree.
function reordered(pairing: Pairing): { primary: string[]; shadow: string[] } | null {
  const timed = pairing.pairs.filter((p) => p.primary.startedAt && p.shadow.startedAt);
  if (timed.length < 2 || (startsInOrder(timed, "primary") && startsInOrder(timed, "shadow"))) return null;
  const order = (side: "primary" | "shadow"): string[] =>
    timed
      .map((p, i) => ({ name: p.name, at: p[side].startedAt as string, i }))
      .sort((a, b) => byInstant(a.at, b.at) || a.i - b.i)
      .map((x) => x.name);
  const p = order("primary");
  const s = order("shadow");
  const first = p.findIndex((name, i) => s[i] !== name);
  if (first < 0) return null;
  let last = p.length - 1;
  while (p[last] === s[last]) last--;
  const end = Math.min(last + 1, first + SHOWN_NAMES);
  return { primary: p.slice(first, end), shadow: s.slice(first, end) };
}
