// Which live workflows must go back, and did they? One evaluation of the automatic rollback, for the CLI and the cron.
import { FlagConflictError, FlagRefusedError } from "../flags/errors.ts";
import { flagState } from "../flags/flag.ts";
import { previousStage } from "../flags/promotion.ts";
import type { ControlStore } from "../store/port.ts";
import { evidenceFor, gateContextFor } from "./from-store.ts";
import {
  DEFAULT_ROLLBACK_RULES,
  type RollbackRules,
  rollbackDecision,
  type WatchDecision,
} from "./rollback-rules.ts";

export const AUTO_ROLLBACK_ACTOR = "auto-rollback";

export interface WatchOutcome {
  workflowId: string;
  decision: WatchDecision;
  reasons: string[];
  /** Set when the workflow was rolled back: the stage it went to. */
  rolledBackTo?: string;
  /** Set when a rollback was due but the flag changed meanwhile (nothing written; the next evaluation sees it). */
  conflict?: boolean;
}

/**
 * Evaluates every workflow in `live` against the rollback conditions over its newest pairs under the
 * current flag version; rolls back those where one holds (actor auto-rollback, the evidence in the
 * reason), writes nothing for the rest, and returns what it decided for each.
 */
export async function watchOnce(
  store: ControlStore,
  rules: RollbackRules = DEFAULT_ROLLBACK_RULES,
): Promise<WatchOutcome[]> {
  const out: WatchOutcome[] = [];
  const globals = await store.getGlobals();
  for (const flag of await store.listFlags()) {
    if (flag.stage !== "live") continue;
    const evidence = await evidenceFor(store, flag, { lastPairs: rules.windowPairs });
    const { budget } = await gateContextFor(store, flag);
    const { decision, reasons } = rollbackDecision(evidence, rules, budget);
    if (decision !== "rollback") {
      out.push({ workflowId: flag.workflowId, decision, reasons });
      continue;
    }
    if (globals.legacyRemoved) {
      out.push({
        workflowId: flag.workflowId,
        decision: "needs-human",
        reasons: [...reasons, "legacy removal is on: cannot roll back to Convex"],
      });
      continue;
    }
    const to = previousStage(flag, await store.listAudit(flag.workflowId)) ?? "shadow";
    try {
      await store.compareAndSetFlag({
        workflowId: flag.workflowId,
        expectedVersion: flag.version,
        next: { ...flagState(flag), stage: to },
        actor: AUTO_ROLLBACK_ACTOR,
        reason: `automatic rollback live → ${to}: ${reasons.join("; ")}`,
      });
      out.push({ workflowId: flag.workflowId, decision, reasons, rolledBackTo: to });
    } catch (err) {
      if (!(err instanceof FlagConflictError) && !(err instanceof FlagRefusedError)) throw err;
      out.push({ workflowId: flag.workflowId, decision, reasons, conflict: true });
    }
  }
  return out;
}
