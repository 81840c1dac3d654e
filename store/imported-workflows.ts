// Which inferpipe workflows were imported, and is a re-import a change? The imported-workflow row both stores keep.
import { z } from "zod";
import { StoreInputError } from "./input.ts";

const Id = z.string().min(1).max(300);

/**
 * The largest stored document: a Convex document holds at most 1 MiB, and the row carries more than the
 * document text. inferpipe's own rows already fit Convex, so only hand-made documents reach this.
 */
export const MAX_DOCUMENT_BYTES = 900_000;
/** At most this many rows per putImportedWorkflows call (one transaction; Convex bounds its writes). */
export const MAX_IMPORT_BATCH = 100;
/** At most this many bytes of document text per putImportedWorkflows call (Convex writes ≤ 16 MiB). */
export const MAX_IMPORT_BATCH_BYTES = 8 * 1024 * 1024;

/** One imported workflow as written: the document as JSON text plus what the import learnt from compiling it. */
export const ImportedWorkflowInput = z.object({
  workspaceId: Id,
  /** inferpipe's `_id` (the compiled workflowId): what `run`, `shadow` and `flags` find it by. */
  workflowId: Id,
  name: z.string().max(1000),
  /** The document's `userId`; null when it has none. */
  ownerUserId: Id.nullable(),
  /** The document exactly as read from the export (JSON text). */
  documentJson: z
    .string()
    .min(2)
    .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_DOCUMENT_BYTES, {
      message: `must be at most ${MAX_DOCUMENT_BYTES} bytes`,
    }),
  /** The compiled workflow's version when imported (a later compiler may compile it differently). */
  workflowVersionId: Id,
  profile: z.enum(["legacy", "dag"]),
});
export type ImportedWorkflowInput = z.output<typeof ImportedWorkflowInput>;

/** A stored imported workflow: the input plus when it was first imported and last changed (ISO-8601). */
export interface ImportedWorkflow extends ImportedWorkflowInput {
  importedAt: string;
  updatedAt: string;
}

/** A stored imported workflow without its document, as listings return it. */
export type ImportedWorkflowSummary = Omit<ImportedWorkflow, "documentJson">;

/** What a write did to one row: a new row, a changed row, or nothing (the same row was stored already). */
export type ImportOutcome = "imported" | "updated" | "unchanged";

export interface ImportedWorkflowQuery {
  /** Only this workspace's workflows. */
  workspaceId?: string;
  /** Page size, 1–1000 (default 100; the Convex adapter may return fewer per page). */
  limit?: number;
  /** The nextCursor of the previous page; absent for the first page. */
  cursor?: string | null;
}

export interface ImportedWorkflowPage {
  /** Ordered by workspaceId, then workflowId. */
  workflows: ImportedWorkflowSummary[];
  nextCursor: string | null;
}

/**
 * Returns the batch checked in full before anything is written, and the write time: a bad row is named by
 * its index, a (workspaceId, workflowId) given twice is refused (which one should win?), and the batch
 * must fit one transaction.
 */
export function checkImportBatch(
  rows: readonly unknown[],
  at?: string,
): { rows: ImportedWorkflowInput[]; at: string } {
  if (!Array.isArray(rows)) throw new StoreInputError("workflows", "must be an array");
  if (rows.length > MAX_IMPORT_BATCH) {
    throw new StoreInputError("workflows", `at most ${MAX_IMPORT_BATCH} per call, got ${rows.length}`);
  }
  const seen = new Map<string, number>();
  let bytes = 0;
  const checked = rows.map((r, i) => {
    const parsed = ImportedWorkflowInput.safeParse(r);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new StoreInputError([`workflows[${i}]`, ...issue.path.map(String)].join("."), issue.message);
    }
    const key = JSON.stringify([parsed.data.workspaceId, parsed.data.workflowId]);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new StoreInputError(
        `workflows[${i}]`,
        `workflow ${parsed.data.workflowId} of workspace ${parsed.data.workspaceId} is also workflows[${first}]`,
      );
    }
    seen.set(key, i);
    bytes += Buffer.byteLength(parsed.data.documentJson, "utf8");
    return parsed.data;
  });
  if (bytes > MAX_IMPORT_BATCH_BYTES) {
    throw new StoreInputError(
      "workflows",
      `at most ${MAX_IMPORT_BATCH_BYTES} bytes of documents per call, got ${bytes}`,
    );
  }
  let time = new Date().toISOString();
  if (at !== undefined) {
    const ms = Date.parse(at);
    if (Number.isNaN(ms)) throw new StoreInputError("at", `not an ISO-8601 time: ${at}`);
    time = new Date(ms).toISOString();
  }
  return { rows: checked, at: time };
}

/**
 * Returns what writing `next` over `existing` means, and the row to store (null when nothing changes):
 * the same document, name, owner, version and profile is the same row, so a re-import writes nothing.
 */
export function decideImport(
  existing: ImportedWorkflow | null,
  next: ImportedWorkflowInput,
  at: string,
): { outcome: ImportOutcome; row: ImportedWorkflow | null } {
  if (!existing) return { outcome: "imported", row: { ...next, importedAt: at, updatedAt: at } };
  const same =
    existing.documentJson === next.documentJson &&
    existing.name === next.name &&
    existing.ownerUserId === next.ownerUserId &&
    existing.workflowVersionId === next.workflowVersionId &&
    existing.profile === next.profile;
  if (same) return { outcome: "unchanged", row: null };
  return { outcome: "updated", row: { ...next, importedAt: existing.importedAt, updatedAt: at } };
}

/** Returns the query with its limit defaulted and checked. */
export function checkImportedQuery(query: ImportedWorkflowQuery = {}): ImportedWorkflowQuery & {
  limit: number;
} {
  const limit = query.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new StoreInputError("limit", `must be an integer 1–1000, got ${String(limit)}`);
  }
  if (
    query.workspaceId !== undefined &&
    (typeof query.workspaceId !== "string" || query.workspaceId === "")
  ) {
    throw new StoreInputError("workspaceId", "must be a non-empty string");
  }
  return { ...query, limit };
}

/** Returns the row without its document. */
export function summaryOf(row: ImportedWorkflow): ImportedWorkflowSummary {
  const { documentJson: _, ...summary } = row;
  return summary;
}
