// May this workflow move to its next stage, and if so, move it: `cutover promote`, gated on the stored evidence.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { defaultFlagState, flagState } from "../flags/flag.ts";
import { isGated, nextStage, stepsForward } from "../flags/promotion.ts";
import { STAGES, Stage } from "../flags/stage.ts";
import { type GateConfig, GatesConfigError, GatesOverride, gatesOf, parseGates } from "../gates/config.ts";
import { evaluateGates, type GateResult } from "../gates/evaluate.ts";
import { evidenceFor, gateContextFor } from "../gates/from-store.ts";
import type { ControlStore } from "../store/port.ts";
import { UsageError } from "./exit.ts";
import { printJson } from "./io.ts";
import { actorOf, gateTable, writeOrExplain } from "./operator.ts";
import { withStore } from "./store.ts";

export type PromoteDecision = "promoted" | "would-promote" | "blocked" | "inconclusive";

/** The `--json` document of promote (contract). */
export interface PromoteOutcome {
  workflowId: string;
  from: Stage;
  to: Stage;
  decision: PromoteDecision;
  gates: GateResult[];
  /** Set when --force moved the workflow past gates that did not hold. */
  forced?: boolean;
  /** Set when another write changed the flag between reading and writing it (nothing was written). */
  conflict?: boolean;
}

export interface PromoteOptions {
  to?: string;
  dryRun?: boolean;
  gates?: string;
  json?: boolean;
  force?: boolean;
  reason?: string;
  actor?: string;
  yes?: boolean;
}

/** Returns the thresholds a `--gates` file holds (checked), or undefined without one; UsageError (exit 2) naming the key. */
export function readGatesFile(path: string | undefined): GatesOverride | undefined {
  if (path === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UsageError(
      `gates file ${path} cannot be read as JSON: ${(err as Error).message.split("\n")[0]}`,
    );
  }
  try {
    parseGates(json);
    return GatesOverride.parse(json ?? {});
  } catch (err) {
    if (err instanceof GatesConfigError) throw new UsageError(`${path}: ${err.message}`);
    throw err;
  }
}

/** Returns what a workflow is judged by: a `--gates` file over the flag's own gates over the production defaults. */
export function gatesFor(
  flag: { gates?: GatesOverride } | null,
  file: GatesOverride | undefined,
): GateConfig {
  return parseGates(file ?? {}, gatesOf(flag));
}

/**
 * Decides and (unless a dry run) makes the move: convex → shadow needs no evidence; moves into live and
 * inngest need the gates to pass; skipping a stage needs --force. A promotion is one compare-and-set
 * write whose audit reason carries the gate evaluation. Returns the outcome; exit code set by the caller.
 */
export async function promote(
  store: ControlStore,
  workflowId: string,
  options: PromoteOptions,
): Promise<PromoteOutcome> {
  const flag = await store.getFlag(workflowId);
  const known = flag !== null || (await store.findImportedWorkflow(workflowId)).length > 0;
  if (!known)
    throw new UsageError(
      `unknown workflow ${JSON.stringify(workflowId)}: it has no flag and was not imported (see cutover flags list)`,
    );
  const from = flag?.stage ?? "convex";
  let to: Stage;
  if (options.to !== undefined) {
    const parsed = Stage.safeParse(options.to);
    if (!parsed.success)
      throw new UsageError(`--to must be one of ${STAGES.join(", ")}, got "${options.to}"`);
    to = parsed.data;
  } else {
    const next = nextStage(from);
    if (!next) throw new UsageError(`${workflowId} is already on inngest: there is no stage after it`);
    to = next;
  }
  const steps = stepsForward(from, to);
  if (steps <= 0)
    throw new UsageError(
      `${workflowId} is on ${from}: promote moves forward (use cutover rollback to go back)`,
    );
  if (steps > 1 && !options.force)
    throw new UsageError(
      `${from} → ${to} skips ${steps - 1} stage(s): promote one stage at a time, or --force --reason "..."`,
    );
  if (options.force && !options.reason?.trim())
    throw new UsageError('--force needs --reason "..." (it goes into the audit log)');

  let gates: GateResult[] = [];
  let decision: PromoteDecision = "would-promote";
  if (isGated(to) && flag) {
    const config = gatesFor(flag, readGatesFile(options.gates));
    const evaluated = evaluateGates(
      await evidenceFor(store, flag),
      config,
      await gateContextFor(store, flag),
    );
    gates = evaluated.gates;
    if (evaluated.decision !== "pass") decision = evaluated.decision;
  } else if (isGated(to)) {
    decision = "inconclusive";
    gates = [
      {
        name: "minPairs",
        ok: false,
        actual: 0,
        required: "a flag with stored results (promote to shadow first)",
      },
    ];
  }
  const forced = decision !== "would-promote" && options.force === true;
  if ((decision === "blocked" || decision === "inconclusive") && !forced)
    return { workflowId, from, to, decision, gates };
  if (options.dryRun)
    return { workflowId, from, to, decision: "would-promote", gates, ...(forced && { forced }) };

  const failed = gates.filter((g) => !g.ok).map((g) => `${g.name}=${g.actual ?? "—"} (${g.required})`);
  const evaluation =
    gates.length === 0
      ? "no gates for this move"
      : failed.length === 0
        ? "all gates passed"
        : `gates failed: ${failed.join("; ")}`;
  const reason = forced
    ? `forced promotion ${from} → ${to}: ${options.reason!.trim()} [${evaluation}]`
    : `promotion ${from} → ${to}${options.reason?.trim() ? `: ${options.reason.trim()}` : ""} [${evaluation}]`;
  const written = await writeOrExplain(() =>
    store.compareAndSetFlag({
      workflowId,
      expectedVersion: flag?.version ?? 0,
      next: { ...(flag ? flagState(flag) : defaultFlagState()), stage: to },
      actor: actorOf(options),
      reason,
    }),
  );
  // Someone changed the flag meanwhile: writeOrExplain said so with both versions; nothing was written.
  if (!written) return { workflowId, from, to, decision: "blocked", gates, conflict: true };
  return { workflowId, from, to, decision: "promoted", gates, ...(forced && { forced }) };
}

/** Returns what promote prints for a person. */
export function describePromotion(o: PromoteOutcome): string {
  const head: Record<PromoteDecision, string> = {
    promoted: `${o.workflowId}: promoted ${o.from} → ${o.to}${o.forced ? " (forced past failing gates)" : ""}`,
    "would-promote": `${o.workflowId}: would promote ${o.from} → ${o.to} (dry run: nothing written)`,
    blocked: `${o.workflowId}: blocked — stays on ${o.from}; the evidence says no to ${o.to}`,
    inconclusive: `${o.workflowId}: inconclusive — stays on ${o.from}; not enough evidence yet for ${o.to}`,
  };
  return o.gates.length === 0 ? `${head[o.decision]}\n` : `${head[o.decision]}\n${gateTable(o.gates)}\n`;
}

export function registerPromote(program: Command): void {
  program
    .command("promote")
    .description(
      "move a workflow to its next stage when the gates pass; exit 0 promoted, 1 blocked or inconclusive",
    )
    .argument("<workflowId>", "the workflow (its flag's id)")
    .option("--to <stage>", `target stage (${STAGES.join(", ")}); default the next one`)
    .option("--dry-run", "evaluate and print, write nothing")
    .option("--gates <file>", "gate thresholds as JSON over the production defaults")
    .option(
      "--force",
      "move past failing gates or skip a stage (needs --reason; the audit records the failed gates)",
    )
    .option("--reason <text>", "why (kept in the audit log)")
    .option("--actor <name>", "who (default $USER)")
    .option("--yes", "do not ask for confirmation")
    .option("--json", "print { workflowId, from, to, decision, gates }")
    .action(async (workflowId: string, opts: PromoteOptions) => {
      const outcome = await withStore((store) => promote(store, workflowId, opts));
      if (opts.json) printJson(outcome);
      else process.stdout.write(describePromotion(outcome));
      if (outcome.decision === "blocked" || outcome.decision === "inconclusive") process.exitCode = 1;
    });
}
