// Is any live workflow hurting users? `cutover watch`: the automatic rollback, once or on an interval.
import type { Command } from "commander";
import { flagState } from "../flags/flag.ts";
import { previousStage } from "../flags/promotion.ts";
import { evidenceFor, gateContextFor } from "../gates/from-store.ts";
import {
  DEFAULT_ROLLBACK_RULES,
  type RollbackRules,
  rollbackDecision,
  type WatchDecision,
} from "../gates/rollback-rules.ts";
import type { ControlStore } from "../store/port.ts";
import { UsageError } from "./exit.ts";
import { printJson } from "./io.ts";
import { writeOrExplain } from "./operator.ts";
import { parseDuration } from "./since.ts";
import { withStore } from "./store.ts";

export const AUTO_ROLLBACK_ACTOR = "auto-rollback";

export interface WatchOutcome {
  workflowId: string;
  decision: WatchDecision;
  reasons: string[];
  /** Set when the workflow was rolled back: the stage it went to. */
  rolledBackTo?: string;
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
    const to = previousStage(flag, await store.listAudit(flag.workflowId)) ?? "shadow";
    if (globals.legacyRemoved) {
      out.push({
        workflowId: flag.workflowId,
        decision: "needs-human",
        reasons: [...reasons, "legacy removal is on: cannot roll back to Convex"],
      });
      continue;
    }
    const written = await writeOrExplain(() =>
      store.compareAndSetFlag({
        workflowId: flag.workflowId,
        expectedVersion: flag.version,
        next: { ...flagState(flag), stage: to },
        actor: AUTO_ROLLBACK_ACTOR,
        reason: `automatic rollback live → ${to}: ${reasons.join("; ")}`,
      }),
    );
    out.push({ workflowId: flag.workflowId, decision, reasons, ...(written && { rolledBackTo: to }) });
  }
  return out;
}

function describe(o: WatchOutcome): string {
  const head =
    o.decision === "rollback"
      ? o.rolledBackTo
        ? `ROLLED BACK to ${o.rolledBackTo}`
        : "rollback due, but the flag changed meanwhile (nothing written)"
      : o.decision === "needs-human"
        ? "needs a human"
        : "holding";
  return `${o.workflowId}: ${head}${o.reasons.length ? ` — ${o.reasons.join("; ")}` : ""}\n`;
}

export function registerWatch(program: Command): void {
  program
    .command("watch")
    .description("roll back live workflows whose parity, error rate or budget says so (actor auto-rollback)")
    .option("--once", "evaluate once and exit")
    .option("--interval <duration>", "time between evaluations (e.g. 60s, 5m)", "60s")
    .option("--json", "print [{ workflowId, decision, reasons, rolledBackTo? }] per evaluation")
    .action(async (opts: { once?: boolean; interval: string; json?: boolean }) => {
      const everyMs = parseDuration(opts.interval);
      if (everyMs === null || everyMs < 1000)
        throw new UsageError(
          `--interval must be a duration of at least 1s (60s, 5m), got "${opts.interval}"`,
        );
      let stop = false;
      process.once("SIGINT", () => {
        stop = true;
      });
      for (;;) {
        const outcomes = await withStore((store) => watchOnce(store));
        if (opts.json) printJson(outcomes);
        else if (outcomes.length === 0) process.stdout.write("no workflow is live: nothing to watch\n");
        else for (const o of outcomes) process.stdout.write(describe(o));
        if (opts.once || stop) return;
        await new Promise((resolve) => setTimeout(resolve, everyMs));
        if (stop) return;
      }
    });
}
