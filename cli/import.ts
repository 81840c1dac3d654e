// How do inferpipe's saved workflows get into cutover? `cutover import <export>`: every document of the export's
// workflows table validated, listed, and the valid ones stored by (workspace, id) where run/shadow/flags find them.
import type { Command } from "commander";
import {
  type ImportedWorkflowInput,
  type ImportOutcome,
  MAX_DOCUMENT_BYTES,
  MAX_IMPORT_BATCH,
} from "../store/imported-workflows.ts";
import type { ControlStore } from "../store/port.ts";
import { compileWorkflow, type ValidationIssue } from "../workflow/compile.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { isPlainObject } from "../workflow/document.ts";
import { EXIT, UsageError } from "./exit.ts";
import { type ExportDocument, readWorkflowExport, type WorkflowExport } from "./export-reader.ts";
import { printJson } from "./io.ts";
import { withStore } from "./store.ts";
import { formatIssue } from "./validate.ts";

/** Ids, names and owners are user data: at most this many characters of one reach a report. */
const SHOWN_CHARS = 300;
/** Bytes of documents per store call: well under what one Convex mutation may write. */
const BATCH_BYTES = 4 * 1024 * 1024;

/** Which workspace each owner's workflows go to. */
export interface WorkspaceMapping {
  /** userId → workspace (--workspace-of). */
  byOwner: ReadonlyMap<string, string>;
  /** The workspace of every owner not in `byOwner` (--workspace); absent: each owner's own (workspace = userId). */
  fallback?: string;
}

/** One document as the report lists it (the `--json` entries of imported, updated and unchanged). */
export interface ImportEntry {
  /** The document's line in the JSONL it came from. */
  line: number;
  id: string;
  name: string;
  /** The document's userId, or null. */
  owner: string | null;
  workspaceId: string;
  nodes: number | null;
  models: string[];
  profile: "legacy" | "dag";
  workflowVersionId: string;
  warnings: ValidationIssue[];
}

/** A document that was not imported, and why (the first problem; `errors` has every validator error). */
export interface FailedEntry {
  line: number;
  /** The document's _id (or id), cut at 300 characters; null when it has none. */
  id: string | null;
  name: string | null;
  owner: string | null;
  workspaceId: string | null;
  nodes: number | null;
  models: string[];
  profile: "legacy" | "dag" | null;
  reason: string;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
}

/** What `cutover import --json` prints. */
export interface ImportReport {
  export: { file: string; format: WorkflowExport["format"]; table: string; documents: number };
  imported: ImportEntry[];
  updated: ImportEntry[];
  unchanged: ImportEntry[];
  failed: FailedEntry[];
}

type Planned =
  | { ok: true; entry: ImportEntry; row: ImportedWorkflowInput }
  | { ok: false; entry: FailedEntry };

/** Returns `--workspace-of userId=W,...` (repeatable) as a map; throws UsageError for a malformed pair. */
export function parseWorkspaceOf(values: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const value of values) {
    for (const pair of value.split(",")) {
      const at = pair.indexOf("=");
      const owner = pair.slice(0, at).trim();
      const workspace = pair.slice(at + 1).trim();
      if (at < 0 || owner === "" || workspace === "") {
        throw new UsageError(
          `--workspace-of takes userId=workspace pairs separated by commas, got "${pair}"`,
        );
      }
      checkWorkspaceName(workspace, "--workspace-of");
      const before = map.get(owner);
      if (before !== undefined && before !== workspace) {
        throw new UsageError(`--workspace-of maps ${owner} to both ${before} and ${workspace}`);
      }
      map.set(owner, workspace);
    }
  }
  return map;
}

function checkWorkspaceName(workspace: string, option: string): void {
  if (workspace.length > SHOWN_CHARS) {
    throw new UsageError(`${option}: a workspace id has at most ${SHOWN_CHARS} characters`);
  }
}

function cut(s: string): string {
  return s.length > SHOWN_CHARS ? `${s.slice(0, SHOWN_CHARS)}…` : s;
}

function stringField(doc: unknown, key: string): string | null {
  if (!isPlainObject(doc)) return null;
  const v = doc[key];
  return typeof v === "string" && v !== "" ? v : null;
}

/** Returns the models the compiled workflow calls, defaults applied (what will actually be asked). */
function compiledModels(compiled: CompiledWorkflow): string[] {
  const models = new Set<string>();
  for (const node of compiled.topologicallySortedNodes) {
    const config = node.config as { model?: unknown; task?: { type?: string; config?: { model?: unknown } } };
    if (typeof config.model === "string") models.add(config.model);
    if (config.task?.type === "llm" && typeof config.task.config?.model === "string") {
      models.add(config.task.config.model);
    }
  }
  return [...models].sort();
}

/** Returns the models a document names, read from its nodes as they are (for one that does not compile). */
function documentModels(doc: unknown): string[] {
  if (!isPlainObject(doc) || !Array.isArray(doc.nodes)) return [];
  const models = new Set<string>();
  for (const node of doc.nodes) {
    if (isPlainObject(node) && isPlainObject(node.data) && typeof node.data.model === "string") {
      models.add(cut(node.data.model));
    }
  }
  return [...models].sort();
}

/** Returns what the import will do with one document: the row to store, or why it is not imported. */
function planDocument(doc: ExportDocument, mapping: WorkspaceMapping): Planned {
  const value = doc.value;
  const rawId = stringField(value, "_id") ?? stringField(value, "id");
  const name = stringField(value, "name");
  const owner = stringField(value, "userId");
  const nodes = isPlainObject(value) && Array.isArray(value.nodes) ? value.nodes.length : null;
  const workspaceId =
    owner === null ? (mapping.fallback ?? null) : (mapping.byOwner.get(owner) ?? mapping.fallback ?? owner);
  const failed = (reason: string, more: Partial<FailedEntry> = {}): Planned => ({
    ok: false,
    entry: {
      line: doc.line,
      id: rawId === null ? null : cut(rawId),
      name: name === null ? null : cut(name),
      owner: owner === null ? null : cut(owner),
      workspaceId: workspaceId === null ? null : cut(workspaceId),
      nodes,
      models: documentModels(value),
      profile: null,
      reason: reason.length > 1000 ? `${reason.slice(0, 1000)}…` : reason,
      errors: [],
      warnings: [],
      ...more,
    },
  });

  const result = compileWorkflow(value);
  if (!result.ok) {
    const first = result.errors[0];
    const more = result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : "";
    return failed(`${first ? formatIssue(first) : "invalid"}${more}`, {
      errors: result.errors,
      warnings: result.warnings,
    });
  }
  const { compiled, warnings } = result;
  const known = { profile: compiled.profile, warnings, models: compiledModels(compiled) };
  if (rawId === null) {
    return failed("the document has no _id (nor id): imported workflows are found by their id", known);
  }
  if (rawId.length > SHOWN_CHARS)
    return failed(`its _id has ${rawId.length} characters; at most ${SHOWN_CHARS}`, known);
  if (workspaceId === null) {
    return failed("the document has no userId, so no owner's workspace: give --workspace", known);
  }
  if (workspaceId.length > SHOWN_CHARS) {
    return failed(
      `its userId has ${workspaceId.length} characters, too long for a workspace id: give --workspace-of`,
      known,
    );
  }
  const documentJson = JSON.stringify(value);
  const bytes = Buffer.byteLength(documentJson, "utf8");
  if (bytes > MAX_DOCUMENT_BYTES) {
    return failed(`the document is ${bytes} bytes as JSON; at most ${MAX_DOCUMENT_BYTES} are stored`, known);
  }
  const shownName = name ?? "";
  return {
    ok: true,
    entry: {
      line: doc.line,
      id: rawId,
      name: cut(shownName),
      owner,
      workspaceId,
      nodes,
      models: known.models,
      profile: compiled.profile,
      workflowVersionId: compiled.workflowVersionId,
      warnings,
    },
    row: {
      workspaceId,
      workflowId: rawId,
      name: shownName.slice(0, 1000),
      ownerUserId: owner,
      documentJson,
      workflowVersionId: compiled.workflowVersionId,
      profile: compiled.profile,
    },
  };
}

/**
 * Returns the plan for every document, in export order. A document that fails anywhere (in the compiler,
 * in our own checks, even by throwing) is a failed entry with its reason; an id on several lines fails on
 * all of them, since which one is meant cannot be told.
 */
export function planImport(documents: readonly ExportDocument[], mapping: WorkspaceMapping): Planned[] {
  const plans = documents.map((doc): Planned => {
    try {
      return planDocument(doc, mapping);
    } catch (err) {
      return {
        ok: false,
        entry: {
          line: doc.line,
          id: null,
          name: null,
          owner: null,
          workspaceId: null,
          nodes: null,
          models: [],
          profile: null,
          reason: `cannot be checked: ${err instanceof Error ? err.message : String(err)}`,
          errors: [],
          warnings: [],
        },
      };
    }
  });
  const linesById = new Map<string, number[]>();
  for (const p of plans) {
    if (p.entry.id === null) continue;
    const lines = linesById.get(p.entry.id) ?? [];
    lines.push(p.entry.line);
    linesById.set(p.entry.id, lines);
  }
  return plans.map((p) => {
    const lines = p.entry.id === null ? undefined : linesById.get(p.entry.id);
    if (!lines || lines.length < 2 || !p.ok) return p;
    const { workflowVersionId: _, ...entry } = p.entry;
    return {
      ok: false,
      entry: {
        ...entry,
        reason: `id ${p.entry.id} is on lines ${lines.join(", ")}: an export holds one document per id`,
        errors: [],
      },
    };
  });
}

/**
 * Stores the planned rows in batches (each one transaction) and returns the report. `at` is the import's
 * one write time. Rows already stored exactly so are reported unchanged and not written.
 */
export async function applyImport(
  store: ControlStore,
  source: WorkflowExport,
  plans: readonly Planned[],
  at: string = new Date().toISOString(),
): Promise<ImportReport> {
  const report: ImportReport = {
    export: {
      file: source.file,
      format: source.format,
      table: source.table,
      documents: source.documents.length,
    },
    imported: [],
    updated: [],
    unchanged: [],
    failed: [],
  };
  const valid = plans.filter((p): p is Extract<Planned, { ok: true }> => p.ok);
  let batch: typeof valid = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const outcomes = await store.putImportedWorkflows(
      batch.map((p) => p.row),
      { at },
    );
    batch.forEach((p, i) => {
      report[outcomes[i] as ImportOutcome].push(p.entry);
    });
    batch = [];
    bytes = 0;
  };
  for (const p of valid) {
    const size = Buffer.byteLength(p.row.documentJson, "utf8");
    if (batch.length >= MAX_IMPORT_BATCH || (batch.length > 0 && bytes + size > BATCH_BYTES)) await flush();
    batch.push(p);
    bytes += size;
  }
  await flush();
  for (const p of plans) if (!p.ok) report.failed.push(p.entry);
  for (const list of [report.imported, report.updated, report.unchanged])
    list.sort((a, b) => a.line - b.line);
  return report;
}

/** Returns text safe for one table cell: no control characters or line breaks, at most `max` characters. */
function cell(text: string | number | null, max = 40): string {
  if (text === null) return "-";
  const flat = String(text)
    .replace(/[\p{Cc}\s]+/gu, " ")
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat || "-";
}

/** Returns the report as a table (one row per document, in export order) and a summary line. */
export function formatReport(report: ImportReport): string {
  const rows: { line: number; cells: string[] }[] = [];
  const add = (e: ImportEntry | FailedEntry, result: string) =>
    rows.push({
      line: e.line,
      cells: [
        String(e.line),
        cell(e.id, 48),
        cell(e.name, 32),
        cell(e.owner, 36),
        cell(e.workspaceId, 36),
        cell(e.nodes),
        cell(e.models.join(",") || null, 48),
        cell(e.profile),
        String(e.warnings.length),
        result,
      ],
    });
  for (const e of report.imported) add(e, "imported");
  for (const e of report.updated) add(e, "updated");
  for (const e of report.unchanged) add(e, "unchanged");
  for (const e of report.failed) add(e, `not imported: ${cell(e.reason, 200)}`);
  rows.sort((a, b) => a.line - b.line);
  const header = [
    "LINE",
    "ID",
    "NAME",
    "OWNER",
    "WORKSPACE",
    "NODES",
    "MODELS",
    "PROFILE",
    "WARNINGS",
    "RESULT",
  ];
  const all = [header, ...rows.map((r) => r.cells)];
  const widths = header.map((_, c) =>
    Math.max(...all.map((r) => (c === header.length - 1 ? 0 : r[c].length))),
  );
  const lines = all.map((r) =>
    r
      .map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c])))
      .join("  ")
      .trimEnd(),
  );
  const n = (k: number, word: string) => `${k} ${word}`;
  lines.push(
    "",
    `${report.export.file}${report.export.table === report.export.file ? "" : ` (${report.export.table})`}: ${n(report.export.documents, report.export.documents === 1 ? "document" : "documents")} — ${n(report.imported.length, "imported")}, ${n(report.updated.length, "updated")}, ${n(report.unchanged.length, "unchanged")}, ${n(report.failed.length, "not imported")}`,
  );
  return lines.join("\n");
}

interface ImportOptions {
  workspace?: string;
  workspaceOf?: string[];
  json?: boolean;
}

export function registerImport(program: Command): void {
  program
    .command("import")
    .description(
      "import inferpipe's workflows from a Convex export (npx convex export) or a JSONL file: validate each, store the valid ones",
    )
    .argument(
      "<export>",
      "a snapshot ZIP (its workflows/documents.jsonl), an unzipped export folder, or a JSONL file of workflow documents",
    )
    .option(
      "--workspace <id>",
      "the workspace of every workflow (with --workspace-of: of those whose owner it does not map)",
    )
    .option(
      "--workspace-of <userId=W,...>",
      "owner → workspace pairs (repeatable); unmapped owners get their own workspace (workspace id = userId)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option("--json", "print { export, imported, updated, unchanged, failed } as JSON")
    .action(async (file: string, opts: ImportOptions) => {
      const byOwner = parseWorkspaceOf(opts.workspaceOf ?? []);
      if (opts.workspace !== undefined) {
        if (opts.workspace.trim() === "") throw new UsageError("--workspace must name a workspace");
        checkWorkspaceName(opts.workspace, "--workspace");
      }
      // Everything is read and checked before the store is opened: an unreadable export writes nothing.
      const source = await readWorkflowExport(file);
      const plans = planImport(source.documents, { byOwner, fallback: opts.workspace });
      const owners = new Set(plans.map((p) => p.entry.owner));
      for (const owner of byOwner.keys()) {
        if (!owners.has(owner))
          process.stderr.write(`cutover: --workspace-of: no document is owned by ${owner}\n`);
      }
      const report = await withStore((store) => applyImport(store, source, plans));
      if (opts.json) printJson(report);
      else process.stdout.write(`${formatReport(report)}\n`);
      process.exitCode = report.failed.length > 0 ? EXIT.negative : EXIT.ok;
    });
}
