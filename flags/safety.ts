// Would this flag change surprise an operator? Stage skips, moves without evidence, unknown workflows, and what still routes to Convex.

import type { GateConfig } from "../gates/config.ts";
import { evaluateGates } from "../gates/evaluate.ts";
import { evidenceFor, gateContextFor } from "../gates/from-store.ts";
import type { ControlStore } from "../store/port.ts";
import type { FlagDoc } from "./flag.ts";
import { isGated, stepsForward } from "./promotion.ts";
import { routesToConvex, type Stage } from "./stage.ts";

/**
 * Returns a warning per surprise in moving `workflowId` from `from` to `to`: a skipped stage, a gated move
 * the stored evidence does not support, a workflow cutover has never seen. Empty when the move is ordinary.
 */
export async function moveWarnings(
  store: ControlStore,
  workflowId: string,
  flag: FlagDoc | null,
  from: Stage,
  to: Stage,
  gates: GateConfig,
): Promise<string[]> {
  const out: string[] = [];
  const steps = stepsForward(from, to);
  if (steps > 1)
    out.push(`${from} → ${to} skips ${steps - 1} stage(s) (cutover promote moves one at a time)`);
  if (steps > 0 && isGated(to)) {
    if (!flag) out.push(`${to} needs measured parity, and ${workflowId} has no results yet`);
    else {
      const { decision, gates: evaluated } = evaluateGates(
        await evidenceFor(store, flag),
        gates,
        await gateContextFor(store, flag),
      );
      if (decision !== "pass") {
        const failing = evaluated
          .filter((g) => !g.ok)
          .map((g) => `${g.name} ${g.actual ?? "—"} (${g.required})`);
        out.push(`the gates say ${decision} for ${to}: ${failing.join("; ")}`);
      }
    }
  }
  if (
    !flag &&
    (await store.findImportedWorkflow(workflowId)).length === 0 &&
    (await store.listRollups({ workflowId })).length === 0
  )
    out.push(`${workflowId} is unknown here: no flag, not imported, no results (a typo?)`);
  return out;
}

/**
 * Returns the workflows that would still route to Convex: every flag whose stage or an override does,
 * and every workflow cutover knows of (imported, or with results) that has no flag at all, which means
 * Convex only. Legacy removal must wait until this is empty.
 */
export async function stillOnConvex(store: ControlStore): Promise<{ workflowId: string; why: string }[]> {
  const out: { workflowId: string; why: string }[] = [];
  const flagged = new Set<string>();
  for (const flag of await store.listFlags()) {
    flagged.add(flag.workflowId);
    if (routesToConvex(flag.stage)) out.push({ workflowId: flag.workflowId, why: `stage ${flag.stage}` });
    for (const [ws, o] of Object.entries(flag.workspaceOverrides))
      if (routesToConvex(o.stage))
        out.push({ workflowId: flag.workflowId, why: `workspace ${ws} override ${o.stage}` });
  }
  const unflagged = new Set<string>();
  let cursor: string | null | undefined;
  do {
    const page = await store.listImportedWorkflows({ limit: 1000, cursor });
    for (const w of page.workflows) if (!flagged.has(w.workflowId)) unflagged.add(w.workflowId);
    cursor = page.nextCursor;
  } while (cursor);
  for (const row of await store.listRollups())
    if (!flagged.has(row.workflowId)) unflagged.add(row.workflowId);
  for (const workflowId of [...unflagged].sort())
    out.push({ workflowId, why: "no flag (runs on convex only)" });
  return out;
}
