// Which shadow pairs were compared, and what did they conclude? `cutover results`, newest first, and
// `cutover results show <pairId>`: one pair as a person reads it.
import type { Command } from "commander";
import type { RunRecord, StepRecord } from "../executors/records.ts";
import type { ParityResult } from "../parity/compare.ts";
import { explain } from "../parity/explain.ts";
import { reapAbandonedPairs } from "../shadow/reaper.ts";
import {
  type ControlStore,
  MAX_PAGE,
  type ResultQuery,
  type ShadowPair,
  type StoredParityResult,
  Verdict,
} from "../store/port.ts";
import { EXIT, UsageError } from "./exit.ts";
import { printJson } from "./io.ts";
import { parseSince } from "./since.ts";
import { withStore } from "./store.ts";
import { formatStep } from "./timeline.ts";

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

/** One stored pair: what `results show --json` prints. */
export interface ShownPair {
  pair: ShadowPair | null;
  result: StoredParityResult | null;
  primary: RunRecord | null;
  shadow: RunRecord | null;
}

/** Returns everything stored under a pair id (scoped to the workspace when given); all null when nothing is. */
export async function readPair(
  store: ControlStore,
  pairId: string,
  workspaceId?: string,
): Promise<ShownPair> {
  const [pair, result, records] = await Promise.all([
    store.getPair(pairId, workspaceId),
    store.getResult(pairId, workspaceId),
    store.getRunRecords(pairId, workspaceId),
  ]);
  return { pair, result, primary: records.primary, shadow: records.shadow };
}

interface ShownFinding {
  severity: string;
  category: string;
  nodeId?: string;
  path?: string;
  message: string;
  primary?: unknown;
  shadow?: unknown;
}

/** True when a stored summary is the comparator's whole summary (a timed-out or broken shadow stores less). */
function isFullSummary(summary: Record<string, unknown>): boolean {
  const s = summary as { findings?: { bySeverity?: unknown }; primary?: unknown; shadow?: unknown };
  return (
    !!s.findings?.bySeverity &&
    !!s.primary &&
    !!s.shadow &&
    ["steps", "latency", "tokens", "costUsd", "topPaths"].every((k) => k in summary)
  );
}

const SEVERITY_RANK: Record<string, number> = { critical: 0, major: 1, minor: 2, info: 3 };
const VALUE_CHARS = 300;

function shownValue(f: ShownFinding, side: "primary" | "shadow"): string {
  if (!(side in f)) return "(absent)";
  const text = JSON.stringify(f[side]) ?? "undefined";
  return text.length <= VALUE_CHARS ? text : `${text.slice(0, VALUE_CHARS)}… (${text.length} characters)`;
}

/** Returns the verdict and the findings grouped by node with both values, for a result without a full summary. */
function explainStored(result: StoredParityResult): string[] {
  const findings = result.findings as ShownFinding[];
  const lines = [`verdict: ${result.verdict.toUpperCase()} — ${findings.length} finding(s)`];
  const extra = Object.entries(result.summary).map(([k, v]) => `${k} ${JSON.stringify(v)}`);
  if (extra.length) lines.push(`summary: ${extra.join(", ")}`);
  const groups = new Map<string, ShownFinding[]>();
  for (const f of findings) groups.set(f.nodeId ?? "", [...(groups.get(f.nodeId ?? "") ?? []), f]);
  const keys = [...groups.keys()].sort((a, b) => (a === "" ? -1 : b === "" ? 1 : 0));
  for (const key of keys) {
    lines.push("", key === "" ? "run" : `node ${key}`);
    const list = (groups.get(key) ?? []).sort(
      (a, b) => (SEVERITY_RANK[a.severity] ?? 4) - (SEVERITY_RANK[b.severity] ?? 4),
    );
    for (const f of list) {
      lines.push(`  ${f.severity.toUpperCase().padEnd(8)} ${f.category.padEnd(8)} ${f.message}`);
      if (f.severity === "info") continue;
      if (f.path) lines.push(`           at ${f.path}`);
      lines.push(
        `           primary: ${shownValue(f, "primary")}`,
        `           shadow:  ${shownValue(f, "shadow")}`,
      );
    }
  }
  return lines;
}

/** Returns a stored policy in a few words: its name, or its mode and what it sets aside. */
function describePolicy(policy: unknown): string {
  if (typeof policy === "string") return policy;
  const p = (policy ?? {}) as { mode?: string; ignorePaths?: unknown[]; noisePaths?: unknown[] };
  const aside = (p.ignorePaths?.length ?? 0) + (p.noisePaths?.length ?? 0);
  return `${p.mode ?? "custom"} mode${aside ? `, ${aside} path rule(s)` : ""}`;
}

const TIMELINE_COLUMN = 80;

function sideHeader(label: string, record: RunRecord | null): string {
  if (!record) return `${label}: not stored`;
  return `${label} ${record.runId} (${record.executor}, ${record.status}${record.durationMs === null ? "" : `, ${record.durationMs} ms`})`;
}

/**
 * Returns both step timelines side by side: a row per primary step in its order with the shadow's step
 * of the same name beside it, then the shadow's steps the primary has no counterpart for.
 */
export function sideBySide(primary: RunRecord | null, shadow: RunRecord | null): string[] {
  const steps = [...(primary?.steps ?? []), ...(shadow?.steps ?? [])];
  const width = Math.min(40, Math.max(12, ...steps.map((s) => s.name.length)));
  const cell = (s: StepRecord | undefined) => {
    if (!s) return "";
    const text = formatStep(s, width).trimStart();
    return text.length > TIMELINE_COLUMN ? `${text.slice(0, TIMELINE_COLUMN - 1)}…` : text;
  };
  const rows: [string, string][] = [[sideHeader("primary", primary), sideHeader("shadow", shadow)]];
  const unused = [...(shadow?.steps ?? [])];
  for (const step of primary?.steps ?? []) {
    const i = unused.findIndex((s) => s.name === step.name);
    const twin = i >= 0 ? unused.splice(i, 1)[0] : undefined;
    rows.push([cell(step), cell(twin)]);
  }
  for (const rest of unused) rows.push(["", cell(rest)]);
  const left = Math.min(TIMELINE_COLUMN, Math.max(...rows.map((r) => r[0].length)));
  return rows.map(([a, b]) => `  ${a.padEnd(left)}  │ ${b}`.trimEnd());
}

/** Returns one pair as a person reads it: who and when, the verdict, findings by node, both timelines. */
export function describeStoredPair(shown: ShownPair, pairId: string): string {
  const { pair, result } = shown;
  const where = result ?? pair;
  const lines = [
    `pair ${pairId}${where ? ` · workflow ${where.workflowId} · workspace ${where.workspaceId}` : ""}`,
  ];
  if (pair) lines.push(`status ${pair.status} · created ${pair.createdAt}`);
  if (result) {
    lines.push(
      `compared ${result.comparedAt} · flag version ${result.flagVersion} · policy ${describePolicy(result.policy)}`,
      "",
    );
    if (isFullSummary(result.summary) && result.verdict !== "shadow-timeout") {
      lines.push(explain(result as unknown as ParityResult).trimEnd());
    } else lines.push(...explainStored(result));
  } else lines.push("", "no parity result stored for this pair yet");
  lines.push("", "timelines", ...sideBySide(shown.primary, shown.shadow));
  return `${lines.join("\n")}\n`;
}

export function registerResults(program: Command): void {
  const results = program
    .command("results")
    // Options after `show` are show's own (its --json, --workspace), not the listing's.
    .enablePositionalOptions()
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
      await withStore(
        async (store) => {
          // Pairs a crashed follow-up left waiting past their deadline are counted (as abandoned) before reading.
          await reapAbandonedPairs(store);
          const page = await store.listResults(query);
          if (options.json) {
            printJson(page);
            return;
          }
          process.stdout.write(`${render(page.results, page.nextCursor)}\n`);
        },
        { readOnly: true },
      );
    });

  results
    .command("show")
    .description("one pair as a person reads it: verdict, findings by node with both values, both timelines")
    .argument("<pairId>", "the pair (the PAIR column of cutover results)")
    .option("--workspace <id>", "only if the pair belongs to this workspace")
    .option("--json", "print the stored pair { pair, result, primary, shadow }")
    .action(async (pairId: string, options: { workspace?: string; json?: boolean }) => {
      if (options.workspace !== undefined && options.workspace.trim() === "") {
        throw new UsageError("--workspace must not be empty");
      }
      const shown = await withStore((store) => readPair(store, pairId, options.workspace), {
        readOnly: true,
      });
      const found = !!(shown.pair || shown.result || shown.primary || shown.shadow);
      if (!found) {
        // Nothing stored under that id is a negative answer, as a missing flag override is.
        if (options.json) printJson(shown);
        process.stderr.write(
          `cutover: no stored pair ${pairId}${options.workspace ? ` in workspace ${options.workspace}` : ""}\n`,
        );
        process.exitCode = EXIT.negative;
        return;
      }
      if (options.json) printJson(shown);
      else process.stdout.write(describeStoredPair(shown, pairId));
    });
}
