// What does `cutover report` print? The per-workflow parity summary over stored results.
import { type Command, Option } from "commander";
import { aggregate, type Report } from "../reports/aggregate.ts";
import { type ReportFormat, renderReport } from "../reports/render.ts";
import type { ControlStore } from "../store/port.ts";
import { UsageError } from "./exit.ts";
import { checkWritableFile, writeFileAtomically } from "./io.ts";
import { parseSince } from "./since.ts";
import { withStore } from "./store.ts";

export interface ReportOptions {
  since?: string;
  workflow?: string;
  workspace?: string;
}

/** Returns the report over the store's results matching the options, read page by page. */
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

export function registerReport(program: Command): void {
  program
    .command("report")
    .description(
      "summarise stored parity results per workflow (pairs, parity rate, mismatches, deltas, latency)",
    )
    .option("--since <duration>", "only results since then: 30m, 24h, 7d or an ISO-8601 time", "24h")
    .addOption(new Option("--format <format>", "output format").choices(["md", "json"]).default("md"))
    .option("--workflow <id>", "only this workflow")
    .option("--workspace <id>", "only this workspace's results")
    .option("--out <file>", "also write the report to this file")
    .option("--json", "print the report as JSON (the same as --format json)")
    .action(
      async (opts: ReportOptions & { format: ReportFormat; out?: string; json?: boolean }, cmd: Command) => {
        if (opts.json && opts.format === "md" && cmd.getOptionValueSource("format") === "cli") {
          throw new UsageError("--json prints JSON: give --json or --format md, not both");
        }
        const format: ReportFormat = opts.json ? "json" : opts.format;
        // Check every option before the store is read, so a refused report writes nothing.
        if (opts.since) parseSince(opts.since);
        if (opts.out !== undefined) checkWritableFile(opts.out, "--out");
        const report = await withStore((store) => buildReport(store, opts), { readOnly: true });
        const text = renderReport(report, format);
        if (opts.out) writeFileAtomically(opts.out, text);
        process.stdout.write(text);
      },
    );
}
