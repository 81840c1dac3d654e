// Take a workflow back, at once: `cutover rollback` (one compare-and-set write) and `rollback --all` (the kill switch).
import type { Command } from "commander";
import { flagState } from "../flags/flag.ts";
import { previousStage, stepsForward } from "../flags/promotion.ts";
import { STAGES, Stage } from "../flags/stage.ts";
import type { ControlStore } from "../store/port.ts";
import { UsageError } from "./exit.ts";
import { printJson } from "./io.ts";
import { actorOf, confirmed, reasonOf, writeOrExplain } from "./operator.ts";
import { withStore } from "./store.ts";

export interface RollbackOptions {
  to?: string;
  reason?: string;
  actor?: string;
  all?: boolean;
  yes?: boolean;
  json?: boolean;
}

export interface RollbackOutcome {
  workflowId: string;
  from: Stage;
  to: Stage;
  decision: "rolled-back" | "refused";
  version?: number;
  why?: string;
}

/**
 * Moves the workflow back in one write: to `--to`, else to the stage it came from (audit history).
 * Refused, with why, once legacy removal is on (Convex is gone) or when there is nowhere back to go.
 */
export async function rollback(
  store: ControlStore,
  workflowId: string,
  options: RollbackOptions,
): Promise<RollbackOutcome> {
  const reason = reasonOf(options);
  const [flag, globals] = await Promise.all([store.getFlag(workflowId), store.getGlobals()]);
  if (!flag)
    throw new UsageError(
      `unknown workflow ${JSON.stringify(workflowId)}: it has no flag, so it already runs on convex only`,
    );
  let to: Stage | null;
  if (options.to !== undefined) {
    const parsed = Stage.safeParse(options.to);
    if (!parsed.success)
      throw new UsageError(`--to must be one of ${STAGES.join(", ")}, got "${options.to}"`);
    to = parsed.data;
    if (stepsForward(flag.stage, to) >= 0)
      throw new UsageError(
        `${workflowId} is on ${flag.stage}: rollback moves back (use cutover promote to go forward)`,
      );
  } else to = previousStage(flag, await store.listAudit(workflowId));
  if (!to)
    return {
      workflowId,
      from: flag.stage,
      to: flag.stage,
      decision: "refused",
      why: "it is on convex: there is no stage before it",
    };
  if (globals.legacyRemoved)
    return {
      workflowId,
      from: flag.stage,
      to,
      decision: "refused",
      why: "legacy removal is on: the Convex executor is gone, so nothing may route back to it (flags legacy-removal off first, if it still exists)",
    };
  const written = await writeOrExplain(() =>
    store.compareAndSetFlag({
      workflowId,
      expectedVersion: flag.version,
      next: { ...flagState(flag), stage: to },
      actor: actorOf(options),
      reason: `rollback ${flag.stage} → ${to}: ${reason}`,
    }),
  );
  if (!written)
    return {
      workflowId,
      from: flag.stage,
      to,
      decision: "refused",
      why: "the flag changed meanwhile (see above)",
    };
  return { workflowId, from: flag.stage, to, decision: "rolled-back", version: written.version };
}

export function registerRollback(program: Command): void {
  program
    .command("rollback")
    .description("move a workflow back at once (default: the stage it came from); --all is the kill switch")
    .argument("[workflowId]", "the workflow (omit with --all)")
    .option("--to <stage>", `target stage (${STAGES.join(", ")})`)
    .option("--all", "every workflow to convex: turns the kill switch on")
    .option("--reason <text>", "why (required; kept in the audit log)")
    .option("--actor <name>", "who (default $USER)")
    .option("--yes", "do not ask for confirmation (--all)")
    .option("--json", "print { workflowId, from, to, decision, version?, why? }")
    .action(async (workflowId: string | undefined, opts: RollbackOptions) => {
      if (opts.all) {
        if (workflowId !== undefined) throw new UsageError("give a workflow or --all, not both");
        const reason = reasonOf(opts);
        if (!(await confirmed("Every workflow will run on Convex only (kill switch).", opts.yes))) {
          process.stderr.write("cutover: not confirmed; nothing was written\n");
          process.exitCode = 1;
          return;
        }
        const globals = await withStore(async (store) => {
          const current = await store.getGlobals();
          return writeOrExplain(() =>
            store.compareAndSetGlobals({
              expectedVersion: current.version,
              next: { killSwitch: true, legacyRemoved: current.legacyRemoved },
              actor: actorOf(opts),
              reason: `rollback --all: ${reason}`,
            }),
          );
        });
        if (!globals) return;
        if (opts.json) printJson({ killSwitch: true, version: globals.version });
        else
          process.stdout.write(
            `kill switch on (globals version ${globals.version}): every workflow runs on convex only\n`,
          );
        return;
      }
      if (workflowId === undefined) throw new UsageError("rollback needs a workflow id, or --all");
      const outcome = await withStore((store) => rollback(store, workflowId, opts));
      if (opts.json) printJson(outcome);
      else if (outcome.decision === "rolled-back")
        process.stdout.write(
          `${workflowId}: rolled back ${outcome.from} → ${outcome.to} (flag version ${outcome.version})\n`,
        );
      else process.stdout.write(`${workflowId}: rollback refused — ${outcome.why}\n`);
      if (outcome.decision !== "rolled-back") process.exitCode = 1;
    });
}
