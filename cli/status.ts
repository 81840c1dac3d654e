// Where does each workflow stand in its cutover? `cutover status`: the one screen an operator looks at.
import type { Command } from "commander";
import type { AuditEntry, FlagDoc } from "../flags/flag.ts";
import { isGated, nextStage, stageSince } from "../flags/promotion.ts";
import type { GateConfig } from "../gates/config.ts";
import { evaluateGates, type GateDecision, type GateResult } from "../gates/evaluate.ts";
import { evidenceFor, gateContextFor } from "../gates/from-store.ts";
import { cutoverHome } from "../store/home.ts";
import type { ControlStore } from "../store/port.ts";
import { UsageError } from "./exit.ts";
import { printJson } from "./io.ts";
import { gateTable, table } from "./operator.ts";
import { gatesFor, readGatesFile } from "./promote.ts";
import { withStore } from "./store.ts";

/** One workflow's standing (the `--json` element). */
export interface WorkflowStatus {
  workflowId: string;
  stage: string;
  flagVersion: number;
  since: string | null;
  pairs: number;
  parityPct: number | null;
  /** The next stage and whether the gates would let it go there now. */
  next: { stage: string; gated: boolean; decision: GateDecision; gates: GateResult[] } | null;
  lastChange: { at: string; actor: string; reason: string } | null;
}

/** Returns the workflow's standing under its current flag version. */
export async function statusOf(
  store: ControlStore,
  flag: FlagDoc,
  gates: GateConfig,
): Promise<WorkflowStatus> {
  const [audit, evidence, context] = await Promise.all([
    store.listAudit(flag.workflowId),
    evidenceFor(store, flag),
    gateContextFor(store, flag),
  ]);
  const to = nextStage(flag.stage);
  let next: WorkflowStatus["next"] = null;
  if (to) {
    const evaluated = isGated(to)
      ? evaluateGates(evidence, gates, context)
      : { decision: "pass" as const, gates: [] };
    next = { stage: to, gated: isGated(to), decision: evaluated.decision, gates: evaluated.gates };
  }
  const last: AuditEntry | undefined = audit.at(-1);
  return {
    workflowId: flag.workflowId,
    stage: flag.stage,
    flagVersion: flag.version,
    since: stageSince(flag, audit)?.toISOString() ?? null,
    pairs: evidence.pairs,
    parityPct: evidence.pairs === 0 ? null : Math.round((evidence.agreeing / evidence.pairs) * 10_000) / 100,
    next,
    lastChange: last ? { at: last.at, actor: last.actor, reason: last.reason } : null,
  };
}

function describe(s: WorkflowStatus, detailed: boolean): string {
  const lines = [
    `${s.workflowId}: ${s.stage} since ${s.since ?? "(unknown)"} · flag version ${s.flagVersion}`,
    `  evidence under this version: ${s.pairs === 0 ? "no pairs yet" : `${s.pairs} pairs, parity ${s.parityPct} %`}`,
  ];
  if (s.next)
    lines.push(
      `  next: ${s.next.stage} — ${s.next.gated ? s.next.decision : "needs no evidence (cutover promote)"}`,
    );
  else
    lines.push("  next: none (Inngest only; the legacy executor can be removed once every workflow is here)");
  if (detailed && s.next?.gated)
    lines.push(
      ...gateTable(s.next.gates)
        .split("\n")
        .map((l) => `    ${l}`),
    );
  if (s.lastChange)
    lines.push(`  last change: ${s.lastChange.at} by ${s.lastChange.actor}: ${s.lastChange.reason}`);
  return `${lines.join("\n")}\n`;
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("each workflow's stage, evidence under it, readiness for the next stage, and last change")
    .argument("[workflowId]", "one workflow (all flagged workflows when omitted)")
    .option("--gates <file>", "gate thresholds as JSON over the production defaults")
    .option("--json", "print { home, workflows: [...] }")
    .action(async (workflowId: string | undefined, opts: { gates?: string; json?: boolean }) => {
      const file = readGatesFile(opts.gates);
      const statuses = await withStore(async (store) => {
        const flags = workflowId === undefined ? await store.listFlags() : [await store.getFlag(workflowId)];
        if (flags[0] === null)
          throw new UsageError(
            `unknown workflow ${JSON.stringify(workflowId)}: it has no flag (see cutover flags list)`,
          );
        const out: WorkflowStatus[] = [];
        for (const flag of flags as FlagDoc[]) out.push(await statusOf(store, flag, gatesFor(flag, file)));
        return out;
      });
      const home = process.env.CONVEX_URL ? `deployment ${process.env.CONVEX_URL}` : cutoverHome();
      if (opts.json) {
        printJson({ home, workflows: statuses });
        return;
      }
      process.stdout.write(`state: ${home}\n`);
      if (statuses.length === 0) {
        process.stdout.write("no flags set: every workflow runs on convex\n");
        return;
      }
      if (workflowId === undefined && statuses.length > 1) {
        process.stdout.write(
          `${table([
            ["WORKFLOW", "STAGE", "SINCE", "PAIRS", "PARITY", "NEXT", "READINESS"],
            ...statuses.map((s) => [
              s.workflowId,
              s.stage,
              s.since ?? "—",
              String(s.pairs),
              s.parityPct === null ? "—" : `${s.parityPct} %`,
              s.next?.stage ?? "—",
              s.next ? (s.next.gated ? s.next.decision : "no gates") : "—",
            ]),
          ])}\n`,
        );
        return;
      }
      for (const s of statuses) process.stdout.write(describe(s, true));
    });
}
