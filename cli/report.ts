// What does `cutover report` print? The per-workflow parity report over stored results, as Markdown, JSON or HTML,
// once or nightly (dated files beside latest.*, compared with the previous night's).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { aggregate, type Report } from "../reports/aggregate.ts";
import { buildReportData } from "../reports/build.ts";
import { REPORT_FORMATS, type ReportFormat, renderReport } from "../reports/render.ts";
import type { ReportData } from "../reports/report-data.ts";
import { reapAbandonedPairs } from "../shadow/reaper.ts";
import { fetchNightlyReport, StoreConfigError } from "../store/index.ts";
import { type ControlStore, utcDay } from "../store/port.ts";
import { EnvironmentError, EXIT, UsageError } from "./exit.ts";
import { checkWritableDirectory, checkWritableFile, printJson, writeFileAtomically } from "./io.ts";
import { parseSince } from "./since.ts";
import { withStore } from "./store.ts";

export interface ReportOptions {
  since?: string;
  workflow?: string;
  workspace?: string;
}

/** Returns the report data over the store's results matching the options (`since` as given on the command line). */
export async function buildReportFor(
  store: ControlStore,
  options: ReportOptions & { now?: Date },
): Promise<ReportData> {
  const now = options.now ?? new Date();
  return buildReportData(store, {
    ...(options.since ? { since: parseSince(options.since, now.getTime()) } : {}),
    ...(options.workflow ? { workflowId: options.workflow } : {}),
    ...(options.workspace ? { workspaceId: options.workspace } : {}),
    now,
  });
}

/** Returns the aggregate summary (reports/aggregate.ts) over the store's results; the report bench measures it. */
export async function buildReport(store: ControlStore, options: ReportOptions): Promise<Report> {
  const since = options.since ? parseSince(options.since) : undefined;
  const results = store.iterateResults(
    {
      ...(since ? { since } : {}),
      ...(options.workflow ? { workflowId: options.workflow } : {}),
      ...(options.workspace ? { workspaceId: options.workspace } : {}),
    },
    1000,
  );
  return aggregate(results, { since: since ?? null });
}

// Kept here too: the demo writes its report files with it.
export { writeFileAtomically } from "./io.ts";

/** Returns the workflows in `shadow` or `live` whose parity is below `pct` (a workflow with no pairs is not). */
export function belowThreshold(data: ReportData, pct: number): ReportData["workflows"] {
  return data.workflows.filter(
    (w) => (w.stage === "shadow" || w.stage === "live") && w.parityPct !== null && w.parityPct < pct,
  );
}

/** Returns the workflows in `shadow` or `live` with no pairs in the window: --fail-under cannot judge them. */
export function unjudged(data: ReportData): ReportData["workflows"] {
  return data.workflows.filter((w) => (w.stage === "shadow" || w.stage === "live") && w.pairs === 0);
}

function parseFailUnder(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const pct = Number(value.trim().replace(/%$/, ""));
  if (value.trim() === "" || !Number.isFinite(pct) || pct < 0 || pct > 100)
    throw new UsageError(`--fail-under must be a percentage from 0 to 100, got "${value}"`);
  return pct;
}

const DATED = /^(\d{4}-\d{2}-\d{2})\.json$/;

function readReport(path: string): ReportData | null {
  try {
    const doc = JSON.parse(readFileSync(path, "utf8")) as Partial<ReportData>;
    return typeof doc.generatedAt === "string" && Array.isArray(doc.workflows) && doc.window
      ? (doc as ReportData)
      : null;
  } catch {
    return null;
  }
}

/**
 * Returns the report a nightly run compares with: `latest.json` when it was written before `today`, else the
 * newest `<YYYY-MM-DD>.json` before today; with the file it came from, or why there is none.
 */
export function previousReport(
  outDir: string,
  today: string,
): { report: ReportData; file: string } | { report: null; why: string } {
  const latest = join(outDir, "latest.json");
  if (existsSync(latest)) {
    const report = readReport(latest);
    if (report && utcDay(report.generatedAt) < today) return { report, file: latest };
  }
  const dated = existsSync(outDir)
    ? readdirSync(outDir)
        .map((f) => DATED.exec(f)?.[1])
        .filter((day): day is string => day !== undefined && day < today)
        .sort()
        .reverse()
    : [];
  for (const day of dated) {
    const file = join(outDir, `${day}.json`);
    const report = readReport(file);
    if (report) return { report, file };
  }
  return { report: null, why: `no earlier report in ${outDir}` };
}

export interface NightlyResult {
  day: string;
  files: string[];
  previous: string | null;
  data: ReportData;
}

/**
 * Writes tonight's report as `<YYYY-MM-DD>.{html,md,json}` and `latest.{html,md,json}` under `outDir`,
 * compared with the previous night's (trends, newly differing paths, readiness changes).
 */
export async function runNightly(
  store: ControlStore,
  options: ReportOptions & { outDir: string; now?: Date },
): Promise<NightlyResult> {
  const now = options.now ?? new Date();
  const day = utcDay(now);
  const data = await buildReportFor(store, { ...options, now });
  const previous = previousReport(options.outDir, day);
  const files: string[] = [];
  for (const format of ["html", "md", "json"] as const) {
    const text = renderReport(data, format, previous.report ?? undefined);
    for (const name of [day, "latest"]) {
      const file = join(options.outDir, `${name}.${format}`);
      writeFileAtomically(file, text);
      files.push(file);
    }
  }
  return { day, files, previous: previous.report ? previous.file : null, data };
}

interface ReportCommandOptions extends ReportOptions {
  format: ReportFormat;
  out?: string;
  json?: boolean;
  nightly?: boolean;
  outDir?: string;
  fromDeployment?: boolean;
  failUnder?: string;
}

/** Says on stderr which workflows are below --fail-under (exit 1) and which it could not judge. */
function applyFailUnder(data: ReportData, pct: number | undefined): void {
  if (pct === undefined) return;
  for (const w of unjudged(data))
    process.stderr.write(
      `cutover: ${w.workflowId} (${w.stage}) has no pairs in the window: --fail-under ${pct} cannot judge it\n`,
    );
  const below = belowThreshold(data, pct);
  for (const w of below)
    process.stderr.write(
      `cutover: ${w.workflowId} (workspace ${w.workspaceId}, ${w.stage}) parity ${w.parityPct} % is below --fail-under ${pct} %\n`,
    );
  if (below.length > 0) process.exitCode = EXIT.negative;
}

export function registerReport(program: Command): void {
  program
    .command("report")
    .description(
      "the parity report per workflow (stage, readiness, pairs, parity, coverage, deltas, latency, explained mismatches) as Markdown, JSON or HTML; --nightly writes dated files compared with the previous night's",
    )
    .option("--since <duration>", "only results since then: 30m, 24h, 7d or an ISO-8601 time", "24h")
    .addOption(new Option("--format <format>", "output format").choices([...REPORT_FORMATS]).default("md"))
    .option("--workflow <id>", "only this workflow")
    .option("--workspace <id>", "only this workspace's results")
    .option("--out <file>", "also write the report to this file")
    .option("--json", "print the report as JSON (the same as --format json)")
    .option(
      "--nightly",
      "write <YYYY-MM-DD>.{html,md,json} and latest.* under --out-dir, compared with the previous night's report",
    )
    .option("--out-dir <dir>", "where --nightly writes its files")
    .option(
      "--from-deployment",
      "print the newest nightly report the deployment's cron built (CONVEX_URL + CONVEX_DEPLOY_KEY), in --format",
    )
    .option(
      "--fail-under <pct>",
      "exit 1 when a workflow in stage shadow or live has parity below this percentage (for CI)",
    )
    .action(async (opts: ReportCommandOptions, cmd: Command) => {
      const formatGiven = cmd.getOptionValueSource("format") === "cli";
      if (opts.json && opts.format !== "json" && formatGiven) {
        throw new UsageError(`--json prints JSON: give --json or --format ${opts.format}, not both`);
      }
      // Check every option before the store is read, so a refused report writes nothing.
      const failUnder = parseFailUnder(opts.failUnder);
      if (opts.since) parseSince(opts.since);
      if (opts.nightly) {
        if (opts.outDir === undefined) throw new UsageError("--nightly needs --out-dir <dir>");
        if (opts.out !== undefined) throw new UsageError("--nightly writes under --out-dir: drop --out");
        if (formatGiven) throw new UsageError("--nightly writes every format: drop --format");
        checkWritableDirectory(opts.outDir, "--out-dir");
        const outDir = opts.outDir;
        const night = await withStore(
          async (store) => {
            await reapAbandonedPairs(store);
            return runNightly(store, { ...opts, outDir });
          },
          { readOnly: true },
        );
        if (opts.json) {
          printJson({
            day: night.day,
            files: night.files,
            previous: night.previous,
            totals: night.data.totals,
            ...(failUnder === undefined
              ? {}
              : {
                  failUnder,
                  below: belowThreshold(night.data, failUnder).map((w) => ({
                    workflowId: w.workflowId,
                    workspaceId: w.workspaceId,
                    stage: w.stage,
                    parityPct: w.parityPct,
                  })),
                }),
          });
        } else {
          process.stdout.write(
            `nightly report ${night.day}: ${night.files.length} files in ${outDir} (${
              night.previous ? `compared with ${night.previous}` : "no earlier report to compare with"
            })\n`,
          );
        }
        applyFailUnder(night.data, failUnder);
        return;
      }
      if (opts.outDir !== undefined) throw new UsageError("--out-dir is for --nightly: give --out <file>");
      const format: ReportFormat = opts.json ? "json" : opts.format;
      if (opts.out !== undefined) checkWritableFile(opts.out, "--out");
      if (opts.fromDeployment) {
        if (
          opts.workflow !== undefined ||
          opts.workspace !== undefined ||
          cmd.getOptionValueSource("since") === "cli"
        )
          throw new UsageError(
            "--from-deployment prints the deployment's whole nightly report: drop --since, --workflow and --workspace",
          );
        let json: string | null;
        try {
          json = await fetchNightlyReport();
        } catch (err) {
          if (err instanceof StoreConfigError) throw new EnvironmentError(err.message);
          throw new EnvironmentError(`CONVEX_URL ${process.env.CONVEX_URL}: ${(err as Error).message}`);
        }
        if (json === null) {
          process.stderr.write(
            "cutover: the deployment has no nightly report yet (its cron builds one at 02:00 UTC)\n",
          );
          process.exitCode = EXIT.negative;
          return;
        }
        const kept = JSON.parse(json) as ReportData;
        const text = renderReport(kept, format);
        if (opts.out) writeFileAtomically(opts.out, text);
        process.stdout.write(text);
        applyFailUnder(kept, failUnder);
        return;
      }
      // Pairs a crashed follow-up left waiting past their deadline are counted (as abandoned) first.
      const data = await withStore(
        async (store) => {
          await reapAbandonedPairs(store);
          return buildReportFor(store, opts);
        },
        { readOnly: true },
      );
      const text = renderReport(data, format);
      if (opts.out) writeFileAtomically(opts.out, text);
      process.stdout.write(text);
      applyFailUnder(data, failUnder);
    });
}
