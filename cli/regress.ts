// Do the team's workflows still do what they did? `cutover regress`: the corpus on both executors, mocked providers, a CI gate.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Command } from "commander";
import type { ExecutorName } from "../executors/records.ts";
import { CorpusError } from "../regress/corpus.ts";
import { junitXml } from "../regress/junit.ts";
import { type RecordOptions, recordCase } from "../regress/record.ts";
import { type CaseResult, type RegressOptions, runRegress } from "../regress/runner.ts";
import { summaryTable, updatesText } from "../regress/summary.ts";
import { EXIT, UsageError } from "./exit.ts";
import { barShown, startProgress } from "./progress.ts";

export const DEFAULT_CORPUS = "regress/corpus";

interface RegressCommandOptions {
  executor: string;
  case?: string[];
  update?: boolean;
  junit?: string;
  json?: boolean;
  concurrency: string;
}

function executorsOf(value: string): ExecutorName[] {
  if (value === "both") return ["convex", "inngest"];
  if (value === "convex" || value === "inngest") return [value];
  throw new UsageError(`unknown --executor "${value}" (expected convex, inngest or both)`);
}

function concurrencyOf(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 64) {
    throw new UsageError(`--concurrency must be a whole number from 1 to 64, got "${value}"`);
  }
  return n;
}

function writeWhole(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (err) {
    throw new UsageError(
      `cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** Returns the progress callbacks: a bar on a TTY (cli/progress.ts), one plain line per finished case otherwise. */
function progress(total: number): { onCase: RegressOptions["onCase"]; stop: () => void } {
  const bar = startProgress("regress", total, "cases");
  const plain = !barShown();
  let failed = 0;
  return {
    onCase: (e) => {
      if (e.kind !== "end") return;
      const results: CaseResult[] = e.results ?? [];
      if (results.some((r) => !r.ok)) failed++;
      if (plain) {
        for (const r of results) {
          bar.line(
            r.ok ? `pass ${r.case} (${r.executor})` : `FAIL ${r.case} (${r.executor}): ${r.reasons[0]}`,
            "stderr",
          );
        }
      }
      bar.tick(`${failed} failed | ${e.name}`);
    },
    stop: () => bar.stop(),
  };
}

function registerRecord(regress: Command): void {
  regress
    .command("record")
    .description(
      "Make a case from a real run: an HTTP cassette (secrets redacted) and goldens from the record",
    )
    .argument("<workflow.json>", "builder-format workflow file")
    .option("--input <json>", "run input as JSON text")
    .option("--input-file <path>", "run input from a JSON file")
    .option("--provider <name>", "the provider that answers while recording (openai)", "openai")
    .requiredOption("--out <dir>", "the case folder to write (<corpus>/<case>)")
    .option("--json", "print { case, files } as JSON")
    .action(async (workflowPath: string, opts: RecordOptions & { json?: boolean }) => {
      let made: Awaited<ReturnType<typeof recordCase>>;
      try {
        made = await recordCase(workflowPath, opts);
      } catch (err) {
        if (err instanceof CorpusError) throw new UsageError(err.message);
        throw err;
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(made, null, 2)}\n`);
      else {
        process.stdout.write(`recorded ${made.case}: ${made.files.join(", ")} (run ${made.status})\n`);
      }
      process.exitCode = EXIT.ok;
    });
}

export function registerRegress(program: Command): void {
  const regress = program
    .command("regress")
    .description("Run the regression corpus on both executors with providers mocked over HTTP (a CI gate)")
    .argument("[dir]", "the corpus folder: one folder per case", DEFAULT_CORPUS)
    .option("--executor <name>", "convex, inngest or both", "both")
    .option(
      "--case <glob>",
      "only the cases whose folder name matches (repeatable)",
      (v: string, all?: string[]) => [...(all ?? []), v],
    )
    .option("--update", "rewrite goldens (expect.json) from this run and print what changed")
    .option("--junit <file>", "write a JUnit XML report")
    .option("--json", "print the report as JSON on stdout")
    .option("--concurrency <n>", "cases in flight at once", "4")
    .action(async (dir: string, opts: RegressCommandOptions) => {
      const executors = executorsOf(opts.executor);
      // Fault cases make the executors log step errors on purpose: the table and JUnit say what failed.
      process.env.CUTOVER_LOG_LEVEL ??= "fatal";
      const concurrency = concurrencyOf(opts.concurrency);
      let bar: ReturnType<typeof progress> | undefined;
      let report: Awaited<ReturnType<typeof runRegress>>;
      try {
        report = await runRegress({
          dir,
          executors,
          globs: opts.case ?? [],
          update: opts.update,
          concurrency,
          onStart: (total) => {
            bar = progress(total);
          },
          onCase: (e) => bar?.onCase?.(e),
        });
      } catch (err) {
        bar?.stop();
        if (err instanceof CorpusError) throw new UsageError(err.message);
        throw err;
      }
      bar?.stop();
      if (opts.junit) writeWhole(opts.junit, junitXml(report));
      if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        process.stdout.write(`${summaryTable(report, process.stdout.columns ?? 160)}\n`);
        if (opts.update) process.stdout.write(`\n${updatesText(report.updated)}\n`);
      }
      process.exitCode = report.ok ? EXIT.ok : EXIT.negative;
    });
  registerRecord(regress);
}
