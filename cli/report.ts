// What does `cutover report` print? The per-workflow parity summary over stored results.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type Command, Option } from "commander";
import { aggregate, type Report } from "../reports/aggregate.ts";
import { type ReportFormat, renderReport } from "../reports/render.ts";
import type { ControlStore } from "../store/port.ts";
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

/** Writes text to a file through a temp file and a rename, so a reader never sees half a report. */
export function writeFileAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

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
    .action(async (opts: ReportOptions & { format: ReportFormat; out?: string }) => {
      // Parse --since before opening the store, so a bad duration writes nothing.
      if (opts.since) parseSince(opts.since);
      const text = renderReport(await withStore((store) => buildReport(store, opts)), opts.format);
      if (opts.out) writeFileAtomically(opts.out, text);
      process.stdout.write(text);
    });
}
