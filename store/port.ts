// What does the control plane keep, and how is it asked? The one store interface both adapters implement.
import { z } from "zod";
import type { RunRecord } from "../executors/records.ts";
import type { AuditEntry, FlagDoc, Globals } from "../flags/flag.ts";
import type { FlagWrite, GlobalsWrite } from "../flags/write.ts";
import type { DailyRollup, RollupKey } from "../rollups/daily.ts";
import type {
  ImportedWorkflow,
  ImportedWorkflowInput,
  ImportedWorkflowPage,
  ImportedWorkflowQuery,
  ImportOutcome,
} from "./imported-workflows.ts";

const isoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO-8601 time")
  .transform((s) => new Date(s).toISOString());
const Id = z.string().min(1).max(300);

/** One primary run and (when sampled and started) its shadow; the unit results are stored against. */
export const ShadowPair = z.object({
  pairId: Id,
  workspaceId: Id,
  workflowId: Id,
  primaryRunId: Id,
  shadowRunId: Id.nullable().optional(),
  /** The router's lifecycle word for the pair (for example pending, compared, shadow-timeout, dropped). */
  status: z.string().min(1),
  createdAt: isoTime,
});
export type ShadowPair = z.output<typeof ShadowPair>;

/** The verdicts of the parity contract, plus the result a shadow that missed its deadline yields. */
export const Verdict = z.enum(["match", "tolerated", "mismatch", "shadow-timeout"]);
export type Verdict = z.infer<typeof Verdict>;

/** A parity result as stored: the comparator's verdict, findings and summary, with what it was decided under. */
export const StoredParityResult = z.object({
  pairId: Id,
  workflowId: Id,
  workspaceId: Id,
  verdict: Verdict,
  findings: z.array(z.unknown()),
  summary: z.record(z.string(), z.unknown()),
  flagVersion: z.number().int().min(0),
  /** The policy the comparison used (its name or the whole policy document). */
  policy: z.unknown(),
  comparedAt: isoTime,
});
export type StoredParityResult = z.output<typeof StoredParityResult>;

export type PairRole = "primary" | "shadow";

export interface ResultQuery {
  /** Tenant scope: when given, only this workspace's results. */
  workspaceId?: string;
  workflowId?: string;
  /** Only results compared at or after this time (ISO-8601). */
  since?: string;
  verdict?: Verdict;
  /** Page size, 1–1000 (default 100). */
  limit?: number;
  /** The nextCursor of the previous page; absent for the first page. */
  cursor?: string | null;
}

export interface ResultPage {
  /** Newest first. */
  results: StoredParityResult[];
  /** Pass back to read the next page; null when there is none. */
  nextCursor: string | null;
}

export const MAX_PAGE = 1000;

/** Which daily rollup rows to read; every field narrows (days are UTC YYYY-MM-DD, inclusive). */
export interface RollupQuery {
  workspaceId?: string;
  workflowId?: string;
  flagVersion?: number;
  sinceDay?: string;
  untilDay?: string;
}

export interface ControlStore {
  /** Returns the workflow's flag, or null when it has none (which means stage convex). */
  getFlag(workflowId: string): Promise<FlagDoc | null>;
  /** Returns every flag, ordered by workflowId. */
  listFlags(): Promise<FlagDoc[]>;
  /**
   * Returns the new flag document once written together with its audit entry, in one transaction;
   * throws FlagConflictError when `expectedVersion` is not the current version (0 = no flag yet),
   * FlagValidationError for a malformed write, FlagRefusedError when legacy removal forbids it.
   */
  compareAndSetFlag(write: FlagWrite): Promise<FlagDoc>;
  /** Returns the global document (version 0, everything off, while never written). */
  getGlobals(): Promise<Globals>;
  /** Returns the new global document; the same compare-and-set and audit rules as flags. */
  compareAndSetGlobals(write: GlobalsWrite): Promise<Globals>;
  /** Returns the workflow's audit entries oldest first (GLOBALS_ID "*" for the global document). */
  listAudit(workflowId: string, options?: { limit?: number }): Promise<AuditEntry[]>;

  /** Stores a pair; returns created false (and changes nothing) when the pairId is already stored. */
  putPair(pair: z.input<typeof ShadowPair>): Promise<{ created: boolean }>;
  /** Returns the pair, or null when absent or in another workspace than the one given. */
  getPair(pairId: string, workspaceId?: string): Promise<ShadowPair | null>;
  /** Returns the updated pair, or null when the workspace has no such pair. */
  updatePair(
    pairId: string,
    workspaceId: string,
    patch: { status?: string; shadowRunId?: string | null },
  ): Promise<ShadowPair | null>;
  /**
   * Returns up to `limit` (default 100) pairs still `waiting-for-primary` that were created before
   * `olderThan` (ISO-8601), after moving each to `abandoned` in the same transaction (a pair is claimed
   * once, however many reapers run): the pairs a crashed or failed follow-up left behind.
   */
  claimStalePairs(olderThan: string, limit?: number): Promise<ShadowPair[]>;
  /** Stores (or replaces) the run record of one side of a stored pair, in the pair's workspace. */
  putRunRecord(pairId: string, role: PairRole, record: RunRecord): Promise<void>;
  /** Returns both sides' records (null where not stored), scoped to the workspace when given. */
  getRunRecords(
    pairId: string,
    workspaceId?: string,
  ): Promise<{ primary: RunRecord | null; shadow: RunRecord | null }>;

  /** Stores a pair's parity result, replacing an earlier one for the same pair (a re-comparison). */
  putResult(result: z.input<typeof StoredParityResult>): Promise<void>;
  /** Stores many results at once, all or none (every one is checked before any is written). */
  putResults(results: readonly z.input<typeof StoredParityResult>[]): Promise<void>;
  /** Returns the pair's result, or null. */
  getResult(pairId: string, workspaceId?: string): Promise<StoredParityResult | null>;
  /** Returns one page of results, newest first. */
  listResults(query?: ResultQuery): Promise<ResultPage>;
  /** Yields every matching result, newest first, reading pages of `pageSize` so memory stays bounded. */
  iterateResults(
    query?: Omit<ResultQuery, "limit" | "cursor">,
    pageSize?: number,
  ): AsyncIterable<StoredParityResult>;

  /**
   * Returns the daily rollup rows (rollups/daily.ts) matching the query, oldest day first. Rows are kept by
   * putResult/putResults in the same transaction as the results they count, so reports, status and the
   * gates read them instead of every result.
   */
  listRollups(query?: RollupQuery): Promise<DailyRollup[]>;
  /** Counts, in its rollup row, a pair that got no result: dropped for capacity, or over the live budget. */
  countUncoveredPair(key: RollupKey, why: "dropped" | "over-budget"): Promise<void>;

  /**
   * Adds to the live-shadow spend of workspace `workspaceId`'s workflow for the UTC day (YYYY-MM-DD),
   * atomically; returns the new total. Spend is kept per (workspace, workflow): another tenant's workflow
   * of the same id has its own. The workspace is "default" when absent.
   */
  addShadowSpend(workflowId: string, day: string, usd: number, workspaceId?: string): Promise<number>;
  /** Returns the live-shadow spend of the workspace's workflow for the UTC day, 0 when none. */
  getShadowSpend(workflowId: string, day: string, workspaceId?: string): Promise<number>;

  /**
   * Returns true when `holderId` now holds one of `limit` slots under `key` until `leaseMs` from now (a
   * holder asking again renews its lease), false when every slot is held by an unexpired lease. Decided in
   * one transaction; expired leases do not count, so a holder that crashed frees its slot when its lease ends.
   */
  acquireShadowSlot(key: string, limit: number, leaseMs: number, holderId: string): Promise<boolean>;
  /** Frees the holder's slot under `key`; nothing happens when it holds none. */
  releaseShadowSlot(key: string, holderId: string): Promise<void>;

  /**
   * Stores inferpipe workflows brought in by `cutover import`, keyed by (workspaceId, workflowId), all in one
   * transaction, and returns per row what happened: `imported` (new), `updated` (replaced; importedAt kept,
   * updatedAt = `at`) or `unchanged` (the same row was stored: nothing written). The whole batch is checked
   * before anything is written (StoreInputError naming the row); at most MAX_IMPORT_BATCH rows and
   * MAX_IMPORT_BATCH_BYTES of documents per call (store/imported-workflows.ts).
   */
  putImportedWorkflows(
    rows: readonly ImportedWorkflowInput[],
    options?: { at?: string },
  ): Promise<ImportOutcome[]>;
  /** Returns the workspace's imported workflow, or null. */
  getImportedWorkflow(workspaceId: string, workflowId: string): Promise<ImportedWorkflow | null>;
  /** Returns the imported workflow in every workspace that has this id, ordered by workspaceId. */
  findImportedWorkflow(workflowId: string): Promise<ImportedWorkflow[]>;
  /** Returns one page of imported workflows (without their documents), by workspaceId then workflowId. */
  listImportedWorkflows(query?: ImportedWorkflowQuery): Promise<ImportedWorkflowPage>;

  close(): Promise<void>;
}

/** The workspace a store call concerns when it names none (the CLI's default). */
export const DEFAULT_WORKSPACE = "default";

/**
 * Returns the key spend is kept under: the workspace (percent-encoded, so it holds no `:`) and the
 * workflow id, so two tenants' workflows of the same id never share a budget.
 */
export function spendKey(workspaceId: string, workflowId: string): string {
  return `${encodeURIComponent(workspaceId)}:${workflowId}`;
}

/** Returns the UTC day (YYYY-MM-DD) budgets are counted in. */
export function utcDay(at: Date | string | number = new Date()): string {
  return new Date(at).toISOString().slice(0, 10);
}
