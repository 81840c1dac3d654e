// Which shadow pairs were compared, and what did they conclude? `cutover results`, newest first.
import type { Command } from "commander";
import { MAX_PAGE, type ResultQuery, type StoredParityResult, Verdict } from "../store/port.ts";
import { UsageError } from "./exit.ts";
import { printJson } from "./io.ts";
import { parseSince } from "./since.ts";
import { withStore } from "./store.ts";

interface ResultsOptions {
  workflow?: string;
  workspace?: string;
  since?: string;
  verdict?: string;
  limit?: string;
  cursor?: string;
  json?: boolean;
}

/** Returns the store query the options describe; throws UsageError naming the first bad option. */
export function resultsQuery(options: ResultsOptions, now = Date.now()): ResultQuery & { limit: number } {
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new UsageError(`--limit must be an integer from 1 to ${MAX_PAGE}, got "${options.limit}"`);
  }
  let verdict: Verdict | undefined;
  if (options.verdict !== undefined) {
    const v = Verdict.safeParse(options.verdict);
    if (!v.success) {
      throw new UsageError(
        `--verdict must be one of ${Verdict.options.join(", ")}, got "${options.verdict}"`,
      );
    }
    verdict = v.data;
  }
  for (const [name, value] of [
    ["--workflow", options.workflow],
    ["--workspace", options.workspace],
  ] as const) {
    if (value !== undefined && value.trim() === "") throw new UsageError(`${name} must not be empty`);
  }
  return {
    workflowId: options.workflow,
    workspaceId: options.workspace,
    since: options.since === undefined ? undefined : parseSince(options.since, now),
    verdict,
    limit,
    cursor: options.cursor ?? null,
  };
}

function firstFinding(r: StoredParityResult): string {
  const f = r.findings.find((x) => {
    const sev = (x as { severity?: string }).severity;
    return sev === "critical" || sev === "major";
  }) as { category?: string; nodeId?: string; path?: string; message?: string } | undefined;
  if (!f) return "";
  const where = [f.nodeId, f.path].filter(Boolean).join(" ");
  return `${f.category ?? "?"}${where ? ` ${where}` : ""}: ${f.message ?? ""}`;
}

function render(results: StoredParityResult[], nextCursor: string | null): string {
  if (results.length === 0) return "no results match";
  const rows = [["COMPARED", "WORKFLOW", "WORKSPACE", "PAIR", "VERDICT", "FINDINGS", "FIRST MAJOR FINDING"]];
  for (const r of results) {
    rows.push([
      r.comparedAt,
      r.workflowId,
      r.workspaceId,
      r.pairId,
      r.verdict,
      String(r.findings.length),
      firstFinding(r).slice(0, 100),
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const lines = rows.map((row) =>
    row
      .map((cell, c) => cell.padEnd(widths[c]))
      .join("  ")
      .trimEnd(),
  );
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.verdict, (counts.get(r.verdict) ?? 0) + 1);
  lines.push(
    "",
    `${results.length} result(s): ${[...counts].map(([v, n]) => `${n} ${v}`).join(", ")}${nextCursor ? ` — more with --cursor ${nextCursor}` : ""}`,
  );
  return lines.join("\n");
}

export function registerResults(program: Command): void {
  program
    .command("results")
    .description("stored parity results, newest first")
    .option("--workflow <id>", "only this workflow")
    .option("--workspace <id>", "only this workspace")
    .option("--since <when>", "only results compared since a duration ago (30m, 24h, 7d) or an ISO-8601 time")
    .option("--verdict <verdict>", `only this verdict (${Verdict.options.join(", ")})`)
    .option("--limit <n>", "results per page (default 50)")
    .option("--cursor <cursor>", "continue from a previous page")
    .option("--json", "print { results, nextCursor } as JSON")
    .action(async (options: ResultsOptions) => {
      const query = resultsQuery(options);
      await withStore(async (store) => {
        const page = await store.listResults(query);
        if (options.json) {
          printJson(page);
          return;
        }
        process.stdout.write(`${render(page.results, page.nextCursor)}\n`);
      });
    });
}
