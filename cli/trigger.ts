// What happens when production starts this workflow with these inputs? `cutover trigger`: through the stored flag and the router.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { createExecutor } from "../executors/factory.ts";
import { ShadowPool } from "../shadow/pool.ts";
import { Router } from "../shadow/router.ts";
import type { ControlStore, StoredParityResult } from "../store/port.ts";
import { UsageError } from "./exit.ts";
import { printJson } from "./io.ts";
import { count, EXIT_INTERRUPTED, onInterrupt, startProgress } from "./progress.ts";
import { type PreparedRun, prepareRun } from "./run.ts";
import { withStore } from "./store.ts";
import { explicitOption, resolveWorkflowArgument } from "./workflow-source.ts";

export interface TriggerOptions {
  input?: string;
  inputFile?: string;
  inputs?: string;
  workspace: string;
  provider: string;
  json?: boolean;
}

/** One triggered run as reported: who answered, what it answered, and what its shadow showed. */
export interface Triggered {
  runId: string;
  primary: string;
  status: string;
  shadow: string;
  pairId: string | null;
  verdict: StoredParityResult["verdict"] | null;
}

/** Returns the inputs of a `--inputs` JSONL file, one per non-blank line; UsageError naming the line that is not JSON. */
export function readInputLines(path: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (err) {
    throw new UsageError(
      `cannot read inputs file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const inputs: unknown[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      inputs.push(JSON.parse(line));
    } catch (err) {
      throw new UsageError(`${path} line ${i + 1} is not JSON: ${(err as Error).message.split("\n")[0]}`);
    }
  });
  if (inputs.length === 0) throw new UsageError(`${path} holds no inputs (one JSON value per line)`);
  return inputs;
}

/**
 * Runs each input as production would: the router reads the workflow's stored flag, the primary answers,
 * a sampled shadow follows and its pair and result are stored. Resolves once every shadow has settled.
 */
export async function triggerRuns(
  store: ControlStore,
  prepared: PreparedRun,
  inputs: readonly unknown[],
  options: {
    workspaceId: string;
    provider: string;
    onRun?: (t: Triggered) => void;
    /** Called as each run starts (progress). */
    onStart?: (runId: string) => void;
    /** Asked before each run: true starts no more (Ctrl-C); the runs so far are returned. */
    stop?: () => boolean;
    /** The provider spec a live-mode shadow calls (default: the primary's). */
    liveShadowProvider?: string;
  },
): Promise<Triggered[]> {
  const executors = {
    convex: createExecutor("convex", {
      secrets: prepared.secretValues,
      secretsWorkspace: options.workspaceId,
    }),
    inngest: createExecutor("inngest", {
      secrets: prepared.secretValues,
      secretsWorkspace: options.workspaceId,
    }),
  };
  const { liveShadowProvider } = options;
  const router = new Router({
    store,
    executors,
    pool: new ShadowPool({ maxConcurrent: 4, deadlineMs: 240_000 }),
    ...(liveShadowProvider !== undefined && { liveShadowProvider: () => liveShadowProvider }),
  });
  const out: Triggered[] = [];
  for (const input of inputs) {
    if (options.stop?.()) break;
    const runId = `trg_${randomUUID()}`;
    options.onStart?.(runId);
    const dispatch = await router.dispatch({
      runId,
      workspaceId: options.workspaceId,
      workflow: prepared.workflow,
      input,
      trigger: "cli",
      provider: options.provider,
    });
    const primary = await executors[dispatch.primary].waitFor(options.workspaceId, dispatch.runId, {
      timeoutMs: 600_000,
    });
    const result = await dispatch.settled;
    const triggered: Triggered = {
      runId: dispatch.runId,
      primary: dispatch.primary,
      status: primary.status,
      shadow: dispatch.shadow,
      pairId: dispatch.pairId,
      verdict: result?.verdict ?? null,
    };
    options.onRun?.(triggered);
    out.push(triggered);
  }
  return out;
}

/** Returns what an interrupted `trigger --inputs` kept: runs ended (their pairs stored), lost, not started. */
function interruptedRuns(done: number, started: number, total: number): string {
  const rest = total - started;
  return `interrupted: ${count(done, "run")} ended with their shadows stored, ${started - done} lost; ${
    rest > 0 ? `the rest (${rest}) were not started` : "none left to start"
  }`;
}

export function registerTrigger(program: Command): void {
  program
    .command("trigger")
    .description(
      "run inputs as production starts them: through the workflow's flag and the router, shadows included",
    )
    .argument("<workflow>", "a workflow file, or the id of an imported workflow")
    .option("--input <json>", "one run input as JSON text")
    .option("--input-file <path>", "one run input from a JSON file")
    .option("--inputs <file.jsonl>", "many run inputs, one JSON value per line (recorded production inputs)")
    .option(
      "--workspace <id>",
      "workspace the runs belong to (an imported workflow's own when not given)",
      "default",
    )
    .option("--provider <spec>", "LLM provider of the primary: mock, openai, replay:<cassette>", "mock")
    .option("--json", "print [{ runId, primary, status, shadow, pairId, verdict }]")
    .action(async (workflowArg: string, opts: TriggerOptions, cmd: Command) => {
      const given = [opts.input, opts.inputFile, opts.inputs].filter((x) => x !== undefined).length;
      if (given > 1) throw new UsageError("give the input with one of --input, --input-file or --inputs");
      const imported = await resolveWorkflowArgument(workflowArg, {
        workspace: explicitOption(cmd, "workspace"),
      });
      if (imported) opts.workspace = imported.workspaceId;
      const prepared = prepareRun(
        workflowArg,
        {
          input: opts.input,
          inputFile: opts.inputFile,
          executor: "convex",
          provider: opts.provider,
          workspace: opts.workspace,
        },
        imported ?? undefined,
      );
      const inputs = opts.inputs === undefined ? [prepared.input] : readInputLines(opts.inputs);
      // Each run as it ends (a bar on a terminal); Ctrl-C stops after the run in flight and its shadow.
      const progress = startProgress("trigger", inputs.length, "runs");
      let started = 0;
      let done = 0;
      const interrupt = onInterrupt(progress, () => interruptedRuns(done, started, inputs.length));
      const say = (t: Triggered) => {
        done++;
        progress.tick(`${t.runId} ${t.status}`);
        if (opts.json) return;
        const shadow = t.pairId
          ? `shadow ${t.shadow} → ${t.verdict ?? "no result (dropped or over budget)"}`
          : `shadow ${t.shadow}`;
        progress.line(`${t.runId}: ${t.primary} ${t.status} · ${shadow}`);
      };
      let runs: Triggered[];
      try {
        runs = await withStore((store) =>
          triggerRuns(store, prepared, inputs, {
            workspaceId: opts.workspace,
            provider: opts.provider,
            onRun: say,
            onStart: () => {
              started++;
            },
            stop: () => interrupt.requested,
          }),
        );
      } finally {
        progress.stop();
        interrupt.dispose();
      }
      if (opts.json) printJson(runs);
      else {
        const failed = runs.filter((r) => r.status !== "completed").length;
        const verdicts = runs.filter((r) => r.verdict).map((r) => r.verdict);
        process.stdout.write(
          `${runs.length} run(s): ${runs.length - failed} completed, ${failed} not · ${verdicts.length} pair(s) compared` +
            `${verdicts.length ? ` (${verdicts.filter((v) => v === "match" || v === "tolerated").length} agree)` : ""}\n`,
        );
      }
      if (interrupt.requested) {
        process.stderr.write(`cutover: ${interruptedRuns(done, started, inputs.length)}\n`);
        process.exitCode = EXIT_INTERRUPTED;
        return;
      }
      if (runs.some((r) => r.status !== "completed")) process.exitCode = 1;
    });
}
