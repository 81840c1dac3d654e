// What does a cutover look like end to end? `cutover demo`: examples into shadow, pairs through both executors, a report.
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { Command } from "commander";
import { createExecutor } from "../executors/factory.ts";
import { defaultFlagState } from "../flags/flag.ts";
import { buildReportData } from "../reports/build.ts";
import { renderReport } from "../reports/render.ts";
import type { ReportData } from "../reports/report-data.ts";
import { ShadowPool } from "../shadow/pool.ts";
import { Router } from "../shadow/router.ts";
import type { ControlStore, StoredParityResult } from "../store/port.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { defaultRunInput } from "../workflow/legacy/input-task.ts";
import { InvalidWorkflowError, UsageError } from "./exit.ts";
import { checkWritableDirectory, checkWritableFile, printJson, readJsonFile } from "./io.ts";
import { EXIT_INTERRUPTED, interruptedLine, onInterrupt, startProgress } from "./progress.ts";
import { writeFileAtomically } from "./report.ts";

/** The example whose Inngest shadow is made to disagree, so the report has a real mismatch to explain. */
export const DIVERGENT_EXAMPLE = "extract";
/** The provider that shadow calls: the mock under another seed, standing in for a model that answers differently. */
export const DIVERGENT_PROVIDER = "mock:salt=inngest-drift";

export interface DemoOptions {
  examplesDir: string;
  /** The examples already loaded (loadExamples); read from examplesDir when absent. */
  examples?: DemoExample[];
  outDir: string;
  pairsPerExample: number;
  workspaceId: string;
  say: (line: string) => void;
  /** Called as each pair starts and once it is stored (progress). */
  onStart?: () => void;
  onPair?: (result: StoredParityResult) => void;
  /** Asked before each pair: true starts no more (Ctrl-C), and no report is written. */
  stop?: () => boolean;
}

/** One example workflow, compiled, with the input its runs get. */
export interface DemoExample {
  file: string;
  workflow: CompiledWorkflow;
  input: unknown;
}

/**
 * Returns every example in the directory compiled and with its input, or throws before anything is
 * written: UsageError for a missing or empty directory or an unreadable file, InvalidWorkflowError
 * for an example that does not compile.
 */
export function loadExamples(dir: string): DemoExample[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`--examples ${dir}: ${code === "ENOENT" ? "no such directory" : code}`);
  }
  if (!isDirectory) throw new UsageError(`--examples ${dir} is not a directory`);
  const files = demoWorkflowFiles(dir);
  if (files.length === 0) throw new UsageError(`no example workflows (*.json) in ${dir}`);
  return files.map((file) => {
    const compiled = compileWorkflow(readJsonFile(file, "example"));
    if (!compiled.ok) throw new InvalidWorkflowError(`example ${file}`, compiled.errors);
    // inferpipe's documents carry their input (the builder's textInput); the dag examples have input files.
    const inputFile = join(dirname(file), "inputs", basename(file));
    const input = existsSync(inputFile)
      ? readJsonFile(inputFile, "example input")
      : defaultRunInput(compiled.compiled);
    return { file, workflow: compiled.compiled, input };
  });
}

/** The files the demo writes under its --out directory. */
export function demoOutputs(outDir: string): { reportPath: string; jsonPath: string; htmlPath: string } {
  return {
    reportPath: join(outDir, "report.md"),
    jsonPath: join(outDir, "report.json"),
    htmlPath: join(outDir, "report.html"),
  };
}

export interface DemoResult {
  results: StoredParityResult[];
  /** Stopped by `stop` before every pair ran: the results so far are stored, no report was written. */
  interrupted?: boolean;
  reportPath: string;
  jsonPath: string;
  /** The report the files were written from (absent when interrupted). */
  data?: ReportData;
}

/**
 * Puts every example in stage `shadow` (the divergent one with a live shadow under a budget), runs
 * `pairsPerExample` runs of each through the router with both executors embedded and the mock provider,
 * and writes the report of those pairs under `outDir`. Returns the stored results.
 */
export async function runDemo(store: ControlStore, options: DemoOptions): Promise<DemoResult> {
  const { say } = options;
  const started = new Date().toISOString();
  // Every example is read and compiled before the first flag is written.
  const examples = options.examples ?? loadExamples(options.examplesDir);

  const executors = { convex: createExecutor("convex"), inngest: createExecutor("inngest") };
  const router = new Router({
    store,
    executors,
    pool: new ShadowPool({ maxConcurrent: 4, deadlineMs: 60_000 }),
    liveShadowProvider: (t) =>
      t.workflow.workflowId === DIVERGENT_EXAMPLE ? DIVERGENT_PROVIDER : t.provider,
  });

  const results: StoredParityResult[] = [];
  const batch = started.replace(/[^0-9]/g, "").slice(0, 14);
  for (const { file, workflow, input } of examples) {
    const name = basename(file, ".json");
    const divergent = workflow.workflowId === DIVERGENT_EXAMPLE;
    const current = await store.getFlag(workflow.workflowId);
    await store.compareAndSetFlag({
      workflowId: workflow.workflowId,
      expectedVersion: current?.version ?? 0,
      next: {
        ...defaultFlagState(),
        stage: "shadow",
        samplePct: 100,
        // Flags are per (workspace, workflow): the stage is the demo workspace's.
        workspaceOverrides: { [options.workspaceId]: { stage: "shadow", samplePct: 100 } },
        ...(divergent ? { shadowProvider: "live" as const, dailyBudgetUsd: 1 } : {}),
      },
      actor: "demo",
      reason: divergent
        ? "demo: shadow on Inngest with a live shadow provider that answers differently"
        : "demo: shadow on Inngest, replaying the primary's LLM answers",
    });
    const what =
      workflow.profile === "legacy" ? `inferpipe workflow "${docName(file)}", legacy profile` : "dag";
    say(
      `${name} (${what}): stage shadow (Convex answers, Inngest shadows${divergent ? `, live shadow via ${DIVERGENT_PROVIDER}` : ""})`,
    );
    for (let i = 0; i < options.pairsPerExample; i++) {
      if (options.stop?.()) return { results, reportPath: "", jsonPath: "", interrupted: true };
      options.onStart?.();
      const dispatch = await router.dispatch({
        runId: `demo_${batch}_${name}_${i}`,
        workspaceId: options.workspaceId,
        workflow,
        input,
        trigger: "internal",
        provider: "mock",
      });
      const result = await dispatch.settled;
      if (!result) throw new Error(`pair ${dispatch.pairId ?? dispatch.runId} produced no result`);
      results.push(result);
      say(`  ${dispatch.runId}: ${result.verdict}`);
      options.onPair?.(result);
    }
  }

  const data = await buildReportData(store, { since: started, workspaceId: options.workspaceId });
  const { reportPath, jsonPath, htmlPath } = demoOutputs(options.outDir);
  writeFileAtomically(reportPath, renderReport(data, "md"));
  writeFileAtomically(jsonPath, renderReport(data, "json"));
  writeFileAtomically(htmlPath, renderReport(data, "html"));
  return { results, reportPath, jsonPath, data };
}

/**
 * Returns the workflow files the demo runs: inferpipe's own documents first (`<dir>/inferpipe/`, what a
 * new user's workflows look like), then the examples of this project's node types (`<dir>/*.json`).
 */
export function demoWorkflowFiles(dir: string): string[] {
  const jsonIn = (d: string) =>
    existsSync(d)
      ? readdirSync(d)
          .filter((f) => f.endsWith(".json"))
          .sort()
          .map((f) => join(d, f))
      : [];
  return [...jsonIn(join(dir, "inferpipe")), ...jsonIn(dir)];
}

/** Returns the name a builder document carries, for the demo's lines. */
function docName(file: string): string {
  const doc = readJsonFile(file, "example") as { name?: unknown };
  return typeof doc.name === "string" ? doc.name : basename(file, ".json");
}

/**
 * Returns the explanation lines of the first mismatch: per node that differs, the paths and both
 * values, then what the run as a whole shows (usage, output).
 */
export function explainMismatch(results: readonly StoredParityResult[]): string[] {
  const mismatch = results.find((r) => r.verdict === "mismatch");
  if (!mismatch) return ["No mismatch in this batch."];
  type Shown = {
    severity: string;
    category: string;
    nodeId?: string;
    path?: string;
    message: string;
    primary?: unknown;
    shadow?: unknown;
  };
  const counted = (mismatch.findings as Shown[]).filter((f) => f.severity !== "info");
  const lines = [`Why ${mismatch.pairId} (${mismatch.workflowId}) is a mismatch:`];
  if (mismatch.workflowId === DIVERGENT_EXAMPLE) {
    lines.push(
      `  (made on purpose: this workflow's Inngest shadow calls ${DIVERGENT_PROVIDER}, a model that answers differently)`,
    );
  }
  const byNode = new Map<string, Shown[]>();
  for (const f of counted) {
    const key = f.nodeId ?? "(run)";
    byNode.set(key, [...(byNode.get(key) ?? []), f]);
  }
  // Nodes first, in the order findings name them; the run-level view last.
  const keys = [...byNode.keys()].sort((a, b) => Number(a === "(run)") - Number(b === "(run)"));
  for (const key of keys) {
    const found = byNode.get(key)!;
    lines.push(
      `  ${key === "(run)" ? "run" : `node ${key}`}: ${found.length} difference${found.length === 1 ? "" : "s"}`,
    );
    for (const f of found.slice(0, 3)) {
      lines.push(`    - [${f.category}] ${f.path ?? ""}`);
      if (f.primary !== undefined || f.shadow !== undefined) {
        lines.push(`        primary ${JSON.stringify(f.primary)}  ·  shadow ${JSON.stringify(f.shadow)}`);
      } else lines.push(`        ${f.message}`);
    }
    if (found.length > 3)
      lines.push(`    … and ${found.length - 3} more (cutover results --verdict mismatch --json)`);
  }
  return lines;
}

interface DemoCommandOptions {
  examples: string;
  out: string;
  pairs: string;
  workspace: string;
  json?: boolean;
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "put the examples in shadow, run pairs through both embedded executors, print and write the report",
    )
    .option(
      "--examples <dir>",
      "example workflows: inferpipe documents in <dir>/inferpipe, then <dir>/*.json (each with inputs/<name>.json)",
      "examples",
    )
    .option("--out <dir>", "where the report is written", join("reports", "out"))
    .option("--pairs <n>", "pairs per example", "3")
    .option("--workspace <id>", "workspace the demo runs belong to", "demo")
    .option(
      "--json",
      "print a summary { stateDirectory, reportPath, jsonPath, report, pairs } (progress on stderr)",
    )
    .action(async (opts: DemoCommandOptions) => {
      const pairsPerExample = Number(opts.pairs);
      if (!Number.isInteger(pairsPerExample) || pairsPerExample < 1 || pairsPerExample > 100) {
        throw new UsageError(`--pairs must be a whole number from 1 to 100, got "${opts.pairs}"`);
      }
      // Everything the demo reads, and where it writes, is checked before the store is opened.
      const examples = loadExamples(opts.examples);
      const outputs = demoOutputs(opts.out);
      checkWritableDirectory(opts.out, "--out");
      checkWritableFile(outputs.reportPath, "--out");
      checkWritableFile(outputs.jsonPath, "--out");
      checkWritableFile(outputs.htmlPath, "--out");
      // Progress on a terminal: a bar over every pair, the lines above it; Ctrl-C stops after the pair in flight.
      const total = examples.length * pairsPerExample;
      const progress = startProgress("demo", total, "pairs");
      const say = (line: string) => progress.line(line, opts.json ? "stderr" : "stdout");
      let started = 0;
      let stored = 0;
      const interrupted = (home: string) =>
        `${interruptedLine(stored, started, total)}; no report written (the pairs are in ${home})`;
      // The demo keeps its state apart: an operator's flags, results and any deployment are never touched.
      const home = mkdtempSync(join(tmpdir(), "cutover-demo-"));
      say(
        `cutover demo — a state of its own in ${home} (your flags and any deployment are untouched; CUTOVER_HOME=${home} cutover status to look around), mock LLM provider, both executors embedded\n`,
      );
      const store = openSqliteStore({ path: join(home, "state.db") });
      const interrupt = onInterrupt(progress, () => interrupted(home));
      let demo: DemoResult;
      try {
        demo = await runDemo(store, {
          examplesDir: opts.examples,
          examples,
          outDir: opts.out,
          pairsPerExample,
          workspaceId: opts.workspace,
          say,
          onStart: () => {
            started++;
          },
          onPair: (result) => {
            stored++;
            progress.tick(`${result.workflowId} ${result.verdict}`);
          },
          stop: () => interrupt.requested,
        });
      } finally {
        progress.stop();
        interrupt.dispose();
        await store.close();
      }
      if (demo.interrupted) {
        process.stderr.write(`cutover: ${interrupted(home)}\n`);
        process.exitCode = EXIT_INTERRUPTED;
        return;
      }
      const { results, reportPath, jsonPath } = demo;
      // What the terminal shows is the report the files hold.
      const report = demo.data!;
      if (opts.json) {
        printJson({
          stateDirectory: home,
          reportPath,
          jsonPath,
          report,
          pairs: results.map((r) => ({
            pairId: r.pairId,
            workflowId: r.workflowId,
            workspaceId: r.workspaceId,
            verdict: r.verdict,
            findings: r.findings.length,
          })),
        });
        return;
      }
      say("");
      say(renderReport(report, "md"));
      for (const line of explainMismatch(results)) say(line);
      say(`\nReport written to ${reportPath}, ${jsonPath} and ${demoOutputs(opts.out).htmlPath}.`);
    });
}
