// How does an operator read and change a workflow's flag, or pull the global kill switch? `cutover flags ...`.
import type { Command } from "commander";
import { applyFlagChange, clearWorkspaceOverride, type FlagChange } from "../flags/edit.ts";
import {
  type FlagDoc,
  type FlagState,
  flagState,
  GLOBALS_ID,
  type Globals,
  type GlobalsState,
  ShadowProvider,
} from "../flags/flag.ts";
import { DEFAULT_WORKSPACE, resolveRoute } from "../flags/route.ts";
import { moveWarnings, stillOnConvex } from "../flags/safety.ts";
import { STAGES, Stage } from "../flags/stage.ts";
import type { ControlStore } from "../store/port.ts";
import { UsageError } from "./exit.ts";
import { printJson } from "./io.ts";
import { actorOf, confirmed, reasonOf, table, writeOrExplain } from "./operator.ts";
import { gatesFor, readGatesFile } from "./promote.ts";
import { withStore } from "./store.ts";
import { noteImportedWorkflow } from "./workflow-source.ts";

interface WriteOptions {
  reason?: string;
  actor?: string;
  expectVersion?: string;
  json?: boolean;
}

interface SetOptions extends WriteOptions {
  strict?: boolean;
  gates?: string;
  sample?: string;
  shadowProvider?: string;
  budgetUsd?: string;
  workspace?: string;
}

function numberOption(name: string, raw: string | undefined, min: number, max = Number.POSITIVE_INFINITY) {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    const range = max === Number.POSITIVE_INFINITY ? `a number ≥ ${min}` : `a number from ${min} to ${max}`;
    throw new UsageError(`${name} must be ${range}, got "${raw}"`);
  }
  return n;
}

function expectedVersionOf(options: WriteOptions): number | undefined {
  const v = numberOption("--expect-version", options.expectVersion, 0);
  if (v !== undefined && !Number.isInteger(v)) {
    throw new UsageError(`--expect-version must be an integer ≥ 0, got "${options.expectVersion}"`);
  }
  return v;
}

function stageOf(raw: string): Stage {
  const parsed = Stage.safeParse(raw);
  if (!parsed.success) throw new UsageError(`stage must be one of ${STAGES.join(", ")}, got "${raw}"`);
  return parsed.data;
}

function onOff(raw: string, what: string): boolean {
  if (raw === "on") return true;
  if (raw === "off") return false;
  throw new UsageError(`${what} takes on or off, got "${raw}"`);
}

function describeState(s: FlagState | null): string {
  if (!s) return "(no flag: convex)";
  const overrides = Object.entries(s.workspaceOverrides).map(
    ([ws, o]) => `${ws}=${o.stage}${o.samplePct === undefined ? "" : `@${o.samplePct}%`}`,
  );
  const gates = Object.entries(s.gates ?? {}).map(([k, v]) => `${k}=${v}`);
  return `${s.stage} sample ${s.samplePct}% provider ${s.shadowProvider} budget $${s.dailyBudgetUsd}/day${overrides.length ? ` overrides ${overrides.join(",")}` : ""}${gates.length ? ` gates ${gates.join(",")}` : ""}`;
}

function describeGlobals(g: GlobalsState | null): string {
  if (!g) return "(never set)";
  return `kill switch ${g.killSwitch ? "on" : "off"}, legacy executor ${g.legacyRemoved ? "removed" : "present"}`;
}

/** Returns one side of an audit entry as read: a flag's state, or (for GLOBALS_ID) the global switches. */
function describeAuditSide(workflowId: string, s: FlagState | GlobalsState | null): string {
  if (workflowId === GLOBALS_ID) return describeGlobals(s as GlobalsState | null);
  return s ? describeState(s as FlagState) : "(new)";
}

function globalsLine(g: Globals): string {
  return `kill switch: ${g.killSwitch ? "ON (everything runs on convex only)" : "off"} · legacy executor: ${g.legacyRemoved ? "removed (nothing routes to convex)" : "present"} · globals version ${g.version}`;
}

async function list(store: ControlStore, options: { json?: boolean }): Promise<void> {
  const [globals, flags] = await Promise.all([store.getGlobals(), store.listFlags()]);
  if (options.json) {
    printJson({ globals, flags });
    return;
  }
  const lines = [globalsLine(globals)];
  if (flags.length === 0) lines.push("no flags set: every workflow runs on convex");
  else {
    const rows = [
      ["WORKFLOW", "STAGE", "SAMPLE", "PROVIDER", "BUDGET/DAY", "OVERRIDES", "VERSION", "UPDATED"],
    ];
    for (const f of flags) {
      rows.push([
        f.workflowId,
        f.stage,
        `${f.samplePct}%`,
        f.shadowProvider,
        `$${f.dailyBudgetUsd}`,
        String(Object.keys(f.workspaceOverrides).length),
        String(f.version),
        `${f.updatedAt} by ${f.updatedBy}`,
      ]);
    }
    lines.push(table(rows));
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

async function get(store: ControlStore, workflowId: string, options: { json?: boolean }): Promise<void> {
  const [flag, globals, audit] = await Promise.all([
    store.getFlag(workflowId),
    store.getGlobals(),
    store.listAudit(workflowId),
  ]);
  // The flag's own stage is workspace default's (overrides are the other workspaces' stages).
  const route = resolveRoute(flag, globals, DEFAULT_WORKSPACE);
  if (options.json) {
    printJson({ workflowId, flag, globals, route, audit });
    return;
  }
  // "*" names the global document: its audit log holds the kill-switch and legacy-removal changes.
  const lines =
    workflowId === GLOBALS_ID
      ? [`${GLOBALS_ID}: the global switches`, globalsLine(globals)]
      : [
          `${workflowId}: ${flag ? `${describeState(flagState(flag))} (version ${flag.version}, ${flag.updatedAt} by ${flag.updatedBy})` : describeState(null)}`,
          `routes: primary ${route.primary}, shadow ${route.shadow ?? "none"}${route.shadow ? ` on ${route.samplePct}%` : ""} (${route.reason})`,
          globalsLine(globals),
        ];
  if (audit.length) {
    lines.push("audit:");
    for (const a of audit) {
      lines.push(
        `  v${a.version} ${a.at} ${a.actor}: ${describeAuditSide(workflowId, a.from)} → ${describeAuditSide(workflowId, a.to)} — ${a.reason}`,
      );
    }
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

// Write commands check every option before the store is opened: bad usage leaves nothing behind, not even a file.
async function set(workflowId: string, rawStage: string, options: SetOptions): Promise<void> {
  const stage = stageOf(rawStage);
  const change: FlagChange = {
    stage,
    samplePct: numberOption("--sample", options.sample, 0, 100),
    dailyBudgetUsd: numberOption("--budget-usd", options.budgetUsd, 0),
    workspaceId: options.workspace,
  };
  if (options.shadowProvider !== undefined) {
    const p = ShadowProvider.safeParse(options.shadowProvider);
    if (!p.success) {
      throw new UsageError(`--shadow-provider must be replay or live, got "${options.shadowProvider}"`);
    }
    change.shadowProvider = p.data;
  }
  if (options.workspace !== undefined && options.workspace.trim() === "") {
    throw new UsageError("--workspace must name a workspace");
  }
  const reason = reasonOf(options);
  const expected = expectedVersionOf(options);
  await withStore(async (store) => {
    await noteImportedWorkflow(store, workflowId);
    const current = await store.getFlag(workflowId);
    const next = applyFlagChange(current ? flagState(current) : null, change);
    const from =
      (options.workspace !== undefined ? current?.workspaceOverrides[options.workspace]?.stage : undefined) ??
      current?.stage ??
      "convex";
    const warnings = await moveWarnings(
      store,
      workflowId,
      current,
      from,
      stage,
      gatesFor(current, readGatesFile(options.gates)),
    );
    for (const w of warnings) process.stderr.write(`cutover: warning: ${w}\n`);
    if (warnings.length > 0 && options.strict) {
      process.stderr.write(
        "cutover: --strict: nothing was written (use cutover promote, or drop --strict)\n",
      );
      process.exitCode = 1;
      return;
    }
    const doc = await writeOrExplain(() =>
      store.compareAndSetFlag({
        workflowId,
        expectedVersion: expected ?? current?.version ?? 0,
        next,
        actor: actorOf(options),
        reason,
      }),
    );
    if (doc) reportWrite(current, doc, options);
  });
}

/** Keeps promotion gates with the workflow's flag (`none` removes them: the production defaults apply). */
async function setGates(workflowId: string, file: string, options: WriteOptions): Promise<void> {
  const reason = reasonOf(options);
  const expected = expectedVersionOf(options);
  const gates = file === "none" ? undefined : readGatesFile(file);
  await withStore(async (store) => {
    const current = await store.getFlag(workflowId);
    if (!current) {
      process.stderr.write(
        `cutover: ${workflowId} has no flag: set its stage first (flags set or promote)\n`,
      );
      process.exitCode = 1;
      return;
    }
    const { gates: _previous, ...rest } = flagState(current);
    const doc = await writeOrExplain(() =>
      store.compareAndSetFlag({
        workflowId,
        expectedVersion: expected ?? current.version,
        next: gates === undefined ? rest : { ...rest, gates },
        actor: actorOf(options),
        reason,
      }),
    );
    if (doc) reportWrite(current, doc, options);
  });
}

async function clearOverride(workflowId: string, options: SetOptions): Promise<void> {
  const workspace = options.workspace?.trim();
  if (!workspace) throw new UsageError("--workspace is required: the override to clear");
  const reason = reasonOf(options);
  const expected = expectedVersionOf(options);
  await withStore(async (store) => {
    const current = await store.getFlag(workflowId);
    const next = current ? clearWorkspaceOverride(flagState(current), workspace) : null;
    if (!current || !next) {
      process.stderr.write(`cutover: ${workflowId} has no override for workspace ${workspace}\n`);
      process.exitCode = 1;
      return;
    }
    const doc = await writeOrExplain(() =>
      store.compareAndSetFlag({
        workflowId,
        expectedVersion: expected ?? current.version,
        next,
        actor: actorOf(options),
        reason,
      }),
    );
    if (doc) reportWrite(current, doc, options);
  });
}

function reportWrite(before: FlagDoc | null, after: FlagDoc, options: SetOptions): void {
  if (after.shadowProvider === "live" && after.dailyBudgetUsd === 0 && after.stage !== "convex") {
    process.stderr.write(
      `cutover: warning: ${after.workflowId} uses the live shadow provider with a $0 daily budget, so live shadows will not run (set --budget-usd)\n`,
    );
  }
  if (options.json) {
    printJson(after);
    return;
  }
  process.stdout.write(
    `${after.workflowId}: ${describeState(before ? flagState(before) : null)} → ${describeState(flagState(after))} (version ${after.version})\n`,
  );
}

async function setGlobal(
  key: "killSwitch" | "legacyRemoved",
  rawOnOff: string,
  options: WriteOptions & { dryRun?: boolean; yes?: boolean },
): Promise<void> {
  const value = onOff(rawOnOff, key === "killSwitch" ? "kill-switch" : "legacy-removal");
  const reason = options.dryRun ? "" : reasonOf(options);
  const expected = expectedVersionOf(options);
  await withStore(async (store) => {
    if (key === "legacyRemoved" && value) {
      // Unflagged workflows run on Convex only: they count too, and removal waits for every one.
      const left = await stillOnConvex(store);
      for (const { workflowId, why } of left)
        process.stderr.write(`cutover: still on convex: ${workflowId} (${why})\n`);
      if (left.length > 0 || options.dryRun) {
        if (options.json) printJson({ ready: left.length === 0, stillOnConvex: left });
        else
          process.stdout.write(
            left.length === 0
              ? "legacy removal: every workflow is on inngest; ready (dry run: nothing written)\n"
              : `legacy removal refused: ${left.length} workflow(s) still route to convex (listed above); nothing was written\n`,
          );
        if (left.length > 0) process.exitCode = 1;
        return;
      }
    }
    if (
      value &&
      !(await confirmed(
        key === "killSwitch"
          ? "Every workflow will run on Convex only."
          : "Nothing may route to Convex any more, and the kill switch goes away.",
        options.yes,
      ))
    ) {
      process.stderr.write("cutover: not confirmed; nothing was written\n");
      process.exitCode = 1;
      return;
    }
    const current = await store.getGlobals();
    const doc = await writeOrExplain(() =>
      store.compareAndSetGlobals({
        expectedVersion: expected ?? current.version,
        next: { killSwitch: current.killSwitch, legacyRemoved: current.legacyRemoved, [key]: value },
        actor: actorOf(options),
        reason,
      }),
    );
    if (!doc) return;
    if (options.json) {
      printJson(doc);
      return;
    }
    process.stdout.write(`${globalsLine(doc)}\n`);
  });
}

function writeOptions(cmd: Command): Command {
  return cmd
    .option("--reason <text>", "why (required; recorded in the audit log)")
    .option("--actor <name>", "who (default $USER, else operator)")
    .option(
      "--expect-version <n>",
      "fail unless this is the current version (default: the version just read)",
    )
    .option("--json", "print the new document as JSON");
}

export function registerFlags(program: Command): void {
  const flags = program
    .command("flags")
    .description("read and change per-workflow flags and the global switches");

  flags
    .command("list")
    .description("every flag, and the global switches")
    .option("--json", "print { globals, flags } as JSON")
    .action((options) => withStore((store) => list(store, options), { readOnly: true }));

  flags
    .command("get <workflowId>")
    .description(
      `one workflow's flag, its route and its audit log (${GLOBALS_ID}: the global switches' audit log)`,
    )
    .option("--json", "print { workflowId, flag, globals, route, audit } as JSON")
    .action((workflowId, options) =>
      withStore((store) => get(store, workflowId, options), { readOnly: true }),
    );

  writeOptions(
    flags
      .command("set <workflowId> <stage>")
      .description(
        `set a workflow's stage (${STAGES.join(" | ")}) or, with --workspace, that workspace's override`,
      )
      .option("--sample <pct>", "share of runs that get a shadow, 0–100")
      .option(
        "--shadow-provider <mode>",
        "replay (the primary's recorded responses) or live (calls the provider)",
      )
      .option("--budget-usd <usd>", "daily live-shadow budget in USD")
      .option("--workspace <id>", "set this workspace's override instead of the workflow's stage")
      .option(
        "--strict",
        "refuse (exit 1, nothing written) a stage skip, a move the gates do not support, an unknown workflow",
      )
      .option("--gates <file>", "gate thresholds for those checks, as JSON over the production defaults"),
  ).action((workflowId, stage, options) => set(workflowId, stage, options));

  writeOptions(
    flags
      .command("set-gates <workflowId> <gates>")
      .description(
        "keep promotion gates with the workflow's flag: a JSON file of thresholds over the production defaults, or none",
      ),
  ).action((workflowId, file, options) => setGates(workflowId, file, options));

  writeOptions(
    flags
      .command("clear-override <workflowId>")
      .description("remove a workspace's override")
      .option("--workspace <id>", "the workspace whose override goes"),
  ).action((workflowId, options) => clearOverride(workflowId, options));

  writeOptions(
    flags
      .command("kill-switch <onOff>")
      .description("on: every workflow runs on convex only, whatever its flag")
      .option("--yes", "do not ask for confirmation on a terminal"),
  ).action((onOffRaw, options) => setGlobal("killSwitch", onOffRaw, options));

  writeOptions(
    flags
      .command("legacy-removal <onOff>")
      .description(
        "on: Convex execution is gone; refused while any workflow (flagged, imported or with results, flag or not) still routes to convex",
      )
      .option("--dry-run", "list what still routes to convex, write nothing")
      .option("--yes", "do not ask for confirmation on a terminal"),
  ).action((onOffRaw, options) => setGlobal("legacyRemoved", onOffRaw, options));
}
