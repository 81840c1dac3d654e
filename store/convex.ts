// How is the control plane kept in production? The store port over the Convex functions in convex/flags.ts
// and convex/parity.ts; compare-and-set happens inside one mutation, so Convex's transaction decides the race.

import type { FunctionReference } from "convex/server";
import { internal } from "../convex/_generated/api";
import type { RunRecord } from "../executors/records.ts";
import { type FlagWriteFailure, fromFlagWriteFailure } from "../flags/errors.ts";
import type { AuditEntry, FlagDoc, Globals } from "../flags/flag.ts";
import type { FlagWrite, GlobalsWrite } from "../flags/write.ts";
import type { DailyRollup, RollupKey } from "../rollups/daily.ts";
import {
  checkImportBatch,
  checkImportedQuery,
  type ImportedWorkflow,
  type ImportedWorkflowPage,
  type ImportOutcome,
} from "./imported-workflows.ts";
import {
  checkDay,
  checkId,
  checkLeaseMs,
  checkPair,
  checkQuery,
  checkRecord,
  checkResult,
  checkResults,
  checkRole,
  checkSlotLimit,
  checkTime,
  checkUsd,
  iteratePages,
  StoreInputError,
} from "./input.ts";
import {
  type ControlStore,
  DEFAULT_WORKSPACE,
  type PairRole,
  type ResultPage,
  type ResultQuery,
  type RollupQuery,
  type ShadowPair,
  type StoredParityResult,
  spendKey,
} from "./port.ts";
import { withLargePayloadsByRef } from "./record-refs.ts";

/** What the store needs of a Convex client; ConvexHttpClient (with an admin key) and convex-test's `t` both fit. */
export interface ConvexCaller {
  query(ref: FunctionReference<"query", any>, args: any): Promise<any>;
  mutation(ref: FunctionReference<"mutation", any>, args: any): Promise<any>;
}

type WriteResult<T> = { ok: true; doc?: T; docJson?: string } | { ok: false; failure: FlagWriteFailure };

function unwrap<T>(r: WriteResult<T>): T {
  if (!r.ok) throw fromFlagWriteFailure(r.failure);
  return r.docJson === undefined ? (r.doc as T) : (JSON.parse(r.docJson) as T);
}

function writeArgs(write: FlagWrite | GlobalsWrite) {
  // Missing or mistyped fields still reach the mutation, so the shared rules answer with the field named.
  return {
    expectedVersion: typeof write.expectedVersion === "number" ? write.expectedVersion : Number.NaN,
    nextJson: JSON.stringify(write.next ?? null),
    actor: typeof write.actor === "string" ? write.actor : "",
    reason: typeof write.reason === "string" ? write.reason : "",
    ...(write.at === undefined ? {} : { at: String(write.at) }),
  };
}

function resultRow(r: StoredParityResult) {
  const { pairId, workflowId, workspaceId, verdict, comparedAt } = r;
  return { pairId, workflowId, workspaceId, verdict, comparedAt, resultJson: JSON.stringify(r) };
}

const CONVEX_MAX_BATCH = 500;

/** Convex function results carry at most a few MB: pages of results stay well under that. */
const CONVEX_MAX_PAGE = 200;

/** A page of imported workflows reads their rows, documents included (≤ 900 kB each): a query reads ≤ 16 MiB. */
const CONVEX_MAX_IMPORTED_PAGE = 16;

/** Returns a store backed by a Convex deployment (or convex-test) through the given client. */
export function convexStore(
  client: ConvexCaller,
  options: { close?: () => Promise<void> } = {},
): ControlStore {
  const store: ControlStore = {
    async getFlag(workflowId: string): Promise<FlagDoc | null> {
      const json = await client.query(internal.cutover.flags.get, {
        workflowId: checkId("workflowId", workflowId),
      });
      return json === null ? null : (JSON.parse(json) as FlagDoc);
    },
    async listFlags(): Promise<FlagDoc[]> {
      const docs: string[] = await client.query(internal.cutover.flags.list, {});
      return docs.map((json) => JSON.parse(json) as FlagDoc);
    },
    async compareAndSetFlag(write: FlagWrite): Promise<FlagDoc> {
      const workflowId = typeof write.workflowId === "string" ? write.workflowId : "";
      return unwrap(
        await client.mutation(internal.cutover.flags.compareAndSet, { workflowId, ...writeArgs(write) }),
      );
    },
    async getGlobals(): Promise<Globals> {
      return client.query(internal.cutover.flags.getGlobals, {});
    },
    async compareAndSetGlobals(write: GlobalsWrite): Promise<Globals> {
      return unwrap(await client.mutation(internal.cutover.flags.compareAndSetGlobals, writeArgs(write)));
    },
    async listAudit(workflowId: string, opts: { limit?: number } = {}): Promise<AuditEntry[]> {
      const entries: string[] = await client.query(internal.cutover.flags.listAudit, {
        workflowId: checkId("workflowId", workflowId),
        limit: opts.limit ?? 1000,
      });
      return entries.map((json) => JSON.parse(json) as AuditEntry);
    },

    async putPair(input: unknown): Promise<{ created: boolean }> {
      const pair = checkPair(input);
      return client.mutation(internal.cutover.parity.putPair, {
        ...pair,
        shadowRunId: pair.shadowRunId ?? null,
      });
    },
    async getPair(pairId: string, workspaceId?: string): Promise<ShadowPair | null> {
      return client.query(internal.cutover.parity.getPair, {
        pairId: checkId("pairId", pairId),
        workspaceId,
      });
    },
    async updatePair(pairId, workspaceId, patch): Promise<ShadowPair | null> {
      if (patch.status !== undefined && patch.status === "")
        throw new StoreInputError("status", "must not be empty");
      return client.mutation(internal.cutover.parity.updatePair, {
        pairId: checkId("pairId", pairId),
        workspaceId: checkId("workspaceId", workspaceId),
        ...(patch.status === undefined ? {} : { status: patch.status }),
        ...(patch.shadowRunId === undefined ? {} : { shadowRunId: patch.shadowRunId }),
      });
    },
    async claimStalePairs(olderThan: string, limit = 100): Promise<ShadowPair[]> {
      return client.mutation(internal.cutover.parity.claimStalePairs, {
        olderThan: checkTime("olderThan", olderThan),
        limit: Math.max(1, Math.min(limit, CONVEX_MAX_PAGE)),
      });
    },
    async putRunRecord(pairId: string, role: PairRole, input: RunRecord): Promise<void> {
      const record = checkRecord(input);
      const r = await client.mutation(internal.cutover.parity.putRunRecord, {
        pairId: checkId("pairId", pairId),
        role: checkRole(role),
        workspaceId: record.workspaceId,
        runId: record.runId,
        // Payloads over 64 KiB by reference to the run that holds them (record-refs.ts): a pair record
        // stays under Convex's 1 MiB document limit whatever the input's size or the run's width.
        recordJson: JSON.stringify(withLargePayloadsByRef(record)),
      });
      if (!r.ok) throw new StoreInputError(r.field, r.message);
    },
    async getRunRecords(pairId: string, workspaceId?: string) {
      const r = await client.query(internal.cutover.parity.getRunRecords, {
        pairId: checkId("pairId", pairId),
        workspaceId,
      });
      return {
        primary: r.primary === null ? null : (JSON.parse(r.primary) as RunRecord),
        shadow: r.shadow === null ? null : (JSON.parse(r.shadow) as RunRecord),
      };
    },

    async putResult(input: unknown): Promise<void> {
      await client.mutation(internal.cutover.parity.putResults, { results: [resultRow(checkResult(input))] });
    },
    async putResults(inputs: readonly unknown[]): Promise<void> {
      const rows = checkResults(inputs).map(resultRow);
      // One mutation is one transaction; a Convex mutation also has write limits, so a batch is at most this big.
      if (rows.length > CONVEX_MAX_BATCH) {
        throw new StoreInputError(
          "results",
          `at most ${CONVEX_MAX_BATCH} per call on Convex, got ${rows.length}`,
        );
      }
      if (rows.length > 0) await client.mutation(internal.cutover.parity.putResults, { results: rows });
    },
    async listRollups(query: RollupQuery = {}): Promise<DailyRollup[]> {
      const rows = await client.query(internal.cutover.rollups.listRollups, { ...query });
      return rows.map((json: string) => JSON.parse(json) as DailyRollup);
    },
    async countUncoveredPair(key: RollupKey, why: "dropped" | "over-budget"): Promise<void> {
      await client.mutation(internal.cutover.rollups.countUncovered, { key, why });
    },
    async getResult(pairId: string, workspaceId?: string): Promise<StoredParityResult | null> {
      const json = await client.query(internal.cutover.parity.getResult, {
        pairId: checkId("pairId", pairId),
        workspaceId,
      });
      return json === null ? null : (JSON.parse(json) as StoredParityResult);
    },
    async listResults(query: ResultQuery = {}): Promise<ResultPage> {
      const q = checkQuery(query);
      const r = await client.query(internal.cutover.parity.listResults, {
        workspaceId: q.workspaceId,
        workflowId: q.workflowId,
        since: q.since,
        verdict: q.verdict,
        paginationOpts: { numItems: Math.min(q.limit, CONVEX_MAX_PAGE), cursor: q.cursor ?? null },
      });
      return {
        results: r.page.map((json: string) => JSON.parse(json) as StoredParityResult),
        nextCursor: r.isDone ? null : r.continueCursor,
      };
    },
    iterateResults(query = {}, pageSize = CONVEX_MAX_PAGE): AsyncIterable<StoredParityResult> {
      return iteratePages((q) => store.listResults(q), query, Math.min(pageSize, CONVEX_MAX_PAGE));
    },

    // The shadowSpend row's workflowId holds spendKey(workspace, workflow): spend is per tenant's workflow.
    async addShadowSpend(
      workflowId: string,
      day: string,
      usd: number,
      workspaceId = DEFAULT_WORKSPACE,
    ): Promise<number> {
      return client.mutation(internal.cutover.parity.addSpend, {
        workflowId: spendKey(checkId("workspaceId", workspaceId), checkId("workflowId", workflowId)),
        day: checkDay(day),
        usd: checkUsd(usd),
      });
    },
    async getShadowSpend(workflowId: string, day: string, workspaceId = DEFAULT_WORKSPACE): Promise<number> {
      return client.query(internal.cutover.parity.getSpend, {
        workflowId: spendKey(checkId("workspaceId", workspaceId), checkId("workflowId", workflowId)),
        day: checkDay(day),
      });
    },

    async acquireShadowSlot(key: string, limit: number, leaseMs: number, holderId: string): Promise<boolean> {
      return client.mutation(internal.cutover.shadowSlots.acquire, {
        key: checkId("key", key),
        limit: checkSlotLimit(limit),
        leaseMs: checkLeaseMs(leaseMs),
        holderId: checkId("holderId", holderId),
      });
    },
    async releaseShadowSlot(key: string, holderId: string): Promise<void> {
      await client.mutation(internal.cutover.shadowSlots.release, {
        key: checkId("key", key),
        holderId: checkId("holderId", holderId),
      });
    },

    async putImportedWorkflows(rows, opts = {}): Promise<ImportOutcome[]> {
      const batch = checkImportBatch(rows, opts.at);
      if (batch.rows.length === 0) return [];
      return client.mutation(internal.cutover.importedWorkflows.put, batch);
    },
    async getImportedWorkflow(workspaceId: string, workflowId: string): Promise<ImportedWorkflow | null> {
      return client.query(internal.cutover.importedWorkflows.get, {
        workspaceId: checkId("workspaceId", workspaceId),
        workflowId: checkId("workflowId", workflowId),
      });
    },
    async findImportedWorkflow(workflowId: string): Promise<ImportedWorkflow[]> {
      return client.query(internal.cutover.importedWorkflows.find, {
        workflowId: checkId("workflowId", workflowId),
      });
    },
    async listImportedWorkflows(query = {}): Promise<ImportedWorkflowPage> {
      const q = checkImportedQuery(query);
      const r = await client.query(internal.cutover.importedWorkflows.list, {
        workspaceId: q.workspaceId,
        paginationOpts: {
          numItems: Math.min(q.limit, CONVEX_MAX_IMPORTED_PAGE),
          cursor: q.cursor ?? null,
        },
      });
      return { workflows: r.page, nextCursor: r.isDone ? null : r.continueCursor };
    },

    async close(): Promise<void> {
      await options.close?.();
    },
  };
  return store;
}
