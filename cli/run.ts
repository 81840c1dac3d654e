// How does an operator run one workflow? `cutover run`: compile, check the input, execute, print the record.
import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import type { RunOptions } from "../convex/cutover/runOptions.ts";
import type { Executor } from "../executors/executor.ts";
import { createExecutor } from "../executors/factory.ts";
import { ExecutorName, isTerminal, type RunRecord } from "../executors/records.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { NodeError } from "../workflow/errors.ts";
import { prepareInput } from "../workflow/input.ts";
import { defaultRunInput } from "../workflow/legacy/input-task.ts";
import { createProvider } from "../workflow/providers/index.ts";
import { EXIT, InvalidWorkflowError, UsageError } from "./exit.ts";
import { printJson, readJsonFile, shownPath } from "./io.ts";
import { formatHeader, formatStep, formatTimeline } from "./timeline.ts";
import { explicitOption, type ImportedSource, resolveWorkflowArgument } from "./workflow-source.ts";

export interface RunCommandOptions {
  input?: string;
  inputFile?: string;
  executor: string;
  provider: string;
  workspace: string;
  runId?: string;
  json?: boolean;
  timeout?: string;
}

/** A workflow file compiled and its input checked: everything known before anything runs. */
export interface PreparedRun {
  workflow: CompiledWorkflow;
  /** The builder document as read: a deployment is sent this (to compile itself), never the compiled graph. */
  document?: unknown;
  secretValues: Record<string, string>;
  input: unknown;
  timeoutMs?: number;
}

/**
 * Returns the compiled workflow and the caller's input, or throws UsageError (exit 2) naming the
 * problem: an unreadable workflow, unreadable input, a missing or ill-typed variable, an unknown
 * provider spec, a bad timeout; InvalidWorkflowError (exit 1) with every validator error.
 */
export function prepareRun(
  workflowPath: string,
  opts: RunCommandOptions,
  /** An imported workflow (`workflowPath` is then its id): its document is the workflow and no file is read. */
  imported?: ImportedSource,
): PreparedRun {
  if (opts.input !== undefined && opts.inputFile !== undefined) {
    throw new UsageError("give the input with --input or --input-file, not both");
  }
  const executor = ExecutorName.safeParse(opts.executor);
  if (!executor.success)
    throw new UsageError(`unknown executor "${opts.executor}" (expected convex or inngest)`);
  try {
    createProvider(opts.provider);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  let timeoutMs: number | undefined;
  if (opts.timeout !== undefined) {
    timeoutMs = Number(opts.timeout);
    if (!/^\d+$/.test(opts.timeout) || timeoutMs <= 0) {
      throw new UsageError(
        `--timeout must be a positive whole number of milliseconds, got "${opts.timeout}"`,
      );
    }
  }
  const doc = imported ? imported.document : readJsonFile(workflowPath, "workflow");
  const compiled = compileWorkflow(doc);
  // An invalid graph is the answer validate and compile give too: exit 1, every error listed.
  if (!compiled.ok) throw new InvalidWorkflowError(shownPath(workflowPath), compiled.errors);
  let input: unknown = defaultRunInput(compiled.compiled);
  if (opts.inputFile !== undefined) input = readJsonFile(opts.inputFile, "input file");
  else if (opts.input !== undefined) {
    try {
      input = JSON.parse(opts.input);
    } catch (err) {
      throw new UsageError(`--input is not JSON: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  try {
    prepareInput(compiled.compiled, input);
  } catch (err) {
    if (err instanceof NodeError) throw new UsageError(`input rejected: ${err.message}`);
    throw err;
  }
  return {
    workflow: compiled.compiled,
    document: doc,
    secretValues: compiled.secretValues,
    input,
    timeoutMs,
  };
}

/** Extra time waitFor allows past the run's own deadline, for the run to record how it ended. */
const WAIT_GRACE_MS = 5_000;

/**
 * Submits the prepared run and returns its terminal record. `onProgress` sees each record polled
 * meanwhile (the CLI prints newly finished steps on a TTY).
 */
export async function executePrepared(
  executor: Executor,
  prepared: PreparedRun,
  request: { runId: string; workspaceId: string; provider: string },
  onProgress?: (record: RunRecord) => void,
): Promise<RunRecord> {
  await executor.submit({
    ...request,
    workflow: prepared.workflow,
    input: prepared.input,
    source: prepared.document,
  });
  const waitMs = prepared.timeoutMs === undefined ? undefined : prepared.timeoutMs + WAIT_GRACE_MS;
  if (!onProgress) return executor.waitFor(request.workspaceId, request.runId, { timeoutMs: waitMs });
  const started = Date.now();
  for (;;) {
    const record = await executor.get(request.workspaceId, request.runId);
    if (record) {
      onProgress(record);
      if (isTerminal(record.status)) return record;
    }
    if (waitMs !== undefined && Date.now() - started > waitMs) {
      return executor.waitFor(request.workspaceId, request.runId, { timeoutMs: 0 });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("Run a workflow (builder JSON) on an executor and print its run record")
    .argument("<workflow.json>", "builder-format workflow file (- reads stdin)")
    .option("--input <json>", "run input as JSON text")
    .option("--input-file <path>", "run input from a JSON file (- reads stdin)")
    .option("--executor <name>", "executor: convex or inngest", "convex")
    .option("--provider <spec>", "LLM provider: mock, mock:latency=<ms>, openai, replay:<cassette>", "mock")
    .option(
      "--workspace <id>",
      "workspace the run belongs to (an imported workflow's own when not given)",
      "default",
    )
    .option("--run-id <id>", "run id (a second run with the same id returns the first)")
    .option("--json", "print the RunRecord as JSON on stdout")
    .option("--timeout <ms>", "the run's deadline in milliseconds (it fails RUN_TIMEOUT past it)")
    .action(async (workflowPath: string, opts: RunCommandOptions, cmd: Command) => {
      // Not a file: the id of an imported workflow, which then runs in its own workspace.
      const imported = await resolveWorkflowArgument(workflowPath, {
        workspace: explicitOption(cmd, "workspace"),
      });
      if (imported) opts.workspace = imported.workspaceId;
      const prepared = prepareRun(workflowPath, opts, imported ?? undefined);
      // The http allow-list is CUTOVER_HTTP_ALLOW_HOSTS, read by each executor where it runs.
      const runOptions: Partial<RunOptions> = {};
      if (prepared.timeoutMs !== undefined) runOptions.timeoutMs = prepared.timeoutMs;
      let executor: Executor;
      try {
        executor = createExecutor(opts.executor as ExecutorName, {
          runOptions,
          secrets: prepared.secretValues,
          secretsWorkspace: opts.workspace,
        });
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const request = {
        runId: opts.runId ?? randomUUID(),
        workspaceId: opts.workspace,
        provider: opts.provider,
      };
      const live = !opts.json && process.stdout.isTTY === true;
      const shown = new Set<string>();
      const onProgress = live
        ? (record: RunRecord) => {
            for (const step of record.steps) {
              if (step.status !== "running" && !shown.has(step.name)) {
                shown.add(step.name);
                process.stdout.write(`${formatStep(step)}\n`);
              }
            }
          }
        : undefined;
      const stopOnInterrupt = () => {
        process.stderr.write("cutover: canceling the run…\n");
        executor.cancel(request.workspaceId, request.runId).catch(() => {});
      };
      process.once("SIGINT", stopOnInterrupt);
      try {
        const record = await executePrepared(executor, prepared, request, onProgress);
        if (opts.json) printJson(record);
        else if (live) {
          process.stdout.write(`${formatHeader(record)}\n`);
          const tail = formatTimeline({ ...record, steps: [] })
            .split("\n")
            .slice(1);
          if (tail.length) process.stdout.write(`${tail.join("\n")}\n`);
        } else process.stdout.write(`${formatTimeline(record)}\n`);
        process.exitCode = record.status === "completed" ? EXIT.ok : EXIT.negative;
      } finally {
        process.removeListener("SIGINT", stopOnInterrupt);
      }
    });
}
