// How does the production control plane keep flags? Flag and global documents with their audit log, where every
// compare-and-set runs inside one mutation (one Convex transaction) under the same rules as the SQLite store.
// Operator-only: internal functions, reached with an admin (deploy) key. Flag documents and audit entries travel
// as JSON text because workspace ids are user data, not valid Convex field names.
import { v } from "convex/values";
import { toFlagWriteFailure } from "../../flags/errors.ts";
import { DEFAULT_GLOBALS, type FlagDoc, type Globals } from "../../flags/flag.ts";
import { decideFlagWrite, decideGlobalsWrite } from "../../flags/write.ts";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, internalQuery, type QueryCtx } from "../_generated/server";

function toFlagDoc(d: Doc<"cutover_flags">): FlagDoc {
  const workspaceOverrides: FlagDoc["workspaceOverrides"] = {};
  for (const o of d.workspaceOverrides) {
    workspaceOverrides[o.workspaceId] =
      o.samplePct === undefined ? { stage: o.stage } : { stage: o.stage, samplePct: o.samplePct };
  }
  return {
    workflowId: d.workflowId,
    stage: d.stage,
    samplePct: d.samplePct,
    shadowProvider: d.shadowProvider,
    dailyBudgetUsd: d.dailyBudgetUsd,
    workspaceOverrides,
    ...(d.gates !== undefined && { gates: d.gates }),
    version: d.version,
    updatedAt: d.updatedAt,
    updatedBy: d.updatedBy,
  };
}

function fromFlagDoc(f: FlagDoc) {
  return {
    ...f,
    workspaceOverrides: Object.entries(f.workspaceOverrides).map(([workspaceId, o]) => ({
      workspaceId,
      ...o,
    })),
  };
}

async function flagRow(ctx: QueryCtx, workflowId: string) {
  return await ctx.db
    .query("cutover_flags")
    .withIndex("by_workflow", (q) => q.eq("workflowId", workflowId))
    .unique();
}

async function globalsRow(ctx: QueryCtx) {
  return await ctx.db.query("cutover_flagGlobals").first();
}

function toGlobals(d: Doc<"cutover_flagGlobals"> | null): Globals {
  if (!d) return { ...DEFAULT_GLOBALS };
  const { killSwitch, legacyRemoved, version, updatedAt, updatedBy } = d;
  return { killSwitch, legacyRemoved, version, updatedAt, updatedBy };
}

/** Returns the workflow's flag as JSON text, or null. */
export const get = internalQuery({
  args: { workflowId: v.string() },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, { workflowId }) => {
    const row = await flagRow(ctx, workflowId);
    return row ? JSON.stringify(toFlagDoc(row)) : null;
  },
});

/** Returns every flag as JSON text, ordered by workflowId. */
export const list = internalQuery({
  args: {},
  returns: v.array(v.string()),
  handler: async (ctx) => {
    const rows = await ctx.db.query("cutover_flags").collect();
    return rows
      .map(toFlagDoc)
      .sort((a, b) => (a.workflowId < b.workflowId ? -1 : a.workflowId > b.workflowId ? 1 : 0))
      .map((f) => JSON.stringify(f));
  },
});

/** Returns the global document (version 0 while never written). */
export const getGlobals = internalQuery({
  args: {},
  returns: v.any(),
  handler: async (ctx) => toGlobals(await globalsRow(ctx)),
});

/** Returns the workflow's audit entries as JSON text, oldest first. */
export const listAudit = internalQuery({
  args: { workflowId: v.string(), limit: v.number() },
  returns: v.array(v.string()),
  handler: async (ctx, { workflowId, limit }) => {
    const rows = await ctx.db
      .query("cutover_flagAudit")
      .withIndex("by_workflow", (q) => q.eq("workflowId", workflowId))
      .take(limit);
    return rows.map((r) => r.entryJson);
  },
});

// A refused write returns its failure as data: nothing was written, and the client rethrows the same error class
// the SQLite store throws. Reason and the next state travel loosely typed so the shared rules, not the argument
// validator, decide what a bad write is told.
const writeArgs = {
  expectedVersion: v.number(),
  /** The next state as JSON text (workspace ids are user data, not field names). */
  nextJson: v.string(),
  actor: v.string(),
  reason: v.string(),
  at: v.optional(v.string()),
};

/** Returns { ok, docJson } after writing the flag and its audit entry, or { ok: false, failure }. */
export const compareAndSet = internalMutation({
  args: { workflowId: v.string(), ...writeArgs },
  returns: v.any(),
  handler: async (ctx, { nextJson, ...write }) => {
    const row = await flagRow(ctx, write.workflowId);
    try {
      const { doc, audit } = decideFlagWrite(
        { ...write, next: JSON.parse(nextJson) },
        row ? toFlagDoc(row) : null,
        toGlobals(await globalsRow(ctx)),
      );
      if (row) await ctx.db.replace("cutover_flags", row._id, fromFlagDoc(doc));
      else await ctx.db.insert("cutover_flags", fromFlagDoc(doc));
      await ctx.db.insert("cutover_flagAudit", {
        workflowId: audit.workflowId,
        version: audit.version,
        entryJson: JSON.stringify(audit),
      });
      return { ok: true as const, docJson: JSON.stringify(doc) };
    } catch (err) {
      const failure = toFlagWriteFailure(err);
      if (!failure) throw err;
      return { ok: false as const, failure };
    }
  },
});

/** Returns { ok, doc } after writing the global document and its audit entry, or { ok: false, failure }. */
export const compareAndSetGlobals = internalMutation({
  args: writeArgs,
  returns: v.any(),
  handler: async (ctx, { nextJson, ...write }) => {
    const row = await globalsRow(ctx);
    const flags = (await ctx.db.query("cutover_flags").collect()).map(toFlagDoc);
    try {
      const { doc, audit } = decideGlobalsWrite(
        { ...write, next: JSON.parse(nextJson) },
        toGlobals(row),
        flags,
      );
      const fields = {
        killSwitch: doc.killSwitch,
        legacyRemoved: doc.legacyRemoved,
        version: doc.version,
        updatedAt: doc.updatedAt!,
        updatedBy: doc.updatedBy!,
      };
      if (row) await ctx.db.replace("cutover_flagGlobals", row._id, fields);
      else await ctx.db.insert("cutover_flagGlobals", fields);
      await ctx.db.insert("cutover_flagAudit", {
        workflowId: audit.workflowId,
        version: audit.version,
        entryJson: JSON.stringify(audit),
      });
      return { ok: true as const, doc };
    } catch (err) {
      const failure = toFlagWriteFailure(err);
      if (!failure) throw err;
      return { ok: false as const, failure };
    }
  },
});
