// What evidence does the store hold for a workflow's current stage? Its results under the flag's version, and its budget.
import type { FlagDoc } from "../flags/flag.ts";
import { experimentSince, stageSince } from "../flags/promotion.ts";
import { evidenceOfRollups } from "../rollups/daily.ts";
import { type ControlStore, utcDay } from "../store/port.ts";
import type { GateContext } from "./evaluate.ts";
import { addResult, type Evidence, emptyEvidence } from "./evidence.ts";

/**
 * Returns the evidence of the results compared under the flag's current experiment: its current version and
 * the versions just before it that routed runs the same way (a change of gates or budget keeps the evidence;
 * a change of stage, sample, provider or overrides starts it again). From the daily rollups, or, for the
 * newest `lastPairs` only (the automatic rollback's window), from those results themselves.
 */
export async function evidenceFor(
  store: ControlStore,
  flag: FlagDoc,
  options: { lastPairs?: number } = {},
): Promise<Evidence> {
  const since = experimentSince(flag, await store.listAudit(flag.workflowId));
  const counts = (version: number) => version >= since && version <= flag.version;
  if (options.lastPairs === undefined) {
    const rows =
      since === flag.version
        ? await store.listRollups({ workflowId: flag.workflowId, flagVersion: flag.version })
        : (await store.listRollups({ workflowId: flag.workflowId })).filter((r) => counts(r.flagVersion));
    return evidenceOfRollups(rows);
  }
  const evidence = emptyEvidence();
  for await (const result of store.iterateResults(
    { workflowId: flag.workflowId },
    Math.min(1000, options.lastPairs * 4),
  )) {
    if (!counts(result.flagVersion)) continue;
    addResult(evidence, result);
    if (evidence.pairs >= options.lastPairs) break;
  }
  return evidence;
}

/** Returns what the gates need besides the evidence: the stage's start (audit log), now, and today's live budget. */
export async function gateContextFor(
  store: ControlStore,
  flag: FlagDoc,
  now = new Date(),
): Promise<GateContext> {
  const [audit, spent] = await Promise.all([
    store.listAudit(flag.workflowId),
    store.getShadowSpend(flag.workflowId, utcDay(now)),
  ]);
  return {
    stageSince: stageSince(flag, audit),
    now,
    budget: { live: flag.shadowProvider === "live", spentUsd: spent, dailyBudgetUsd: flag.dailyBudgetUsd },
  };
}
