// Is any live workflow hurting users? `cutover watch`: the automatic rollback, once or on an interval.
import type { Command } from "commander";
import { type WatchOutcome, watchOnce } from "../gates/watch.ts";
import { UsageError } from "./exit.ts";
import { printJson } from "./io.ts";
import { parseDuration } from "./since.ts";
import { withStore } from "./store.ts";

export { AUTO_ROLLBACK_ACTOR, watchOnce } from "../gates/watch.ts";

function describe(o: WatchOutcome): string {
  const head =
    o.decision === "rollback"
      ? o.rolledBackTo
        ? `ROLLED BACK to ${o.rolledBackTo}`
        : "rollback due, but the flag changed meanwhile (nothing written; the next evaluation sees it)"
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
