// How does the production control plane keep shadow pairs, their run records, parity results and shadow spend?
// Every read of tenant data filters by the workspace it is given. Operator-only: internal functions.

import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import type { StoredParityResult } from "../../store/port.ts";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { internalMutation, internalQuery } from "../_generated/server";
import { foldResult } from "./rollups";
import { shadowPairFields } from "./schema";
import { shadowPair } from "./validators";

const role = v.union(v.literal("primary"), v.literal("shadow"));

async function pairRow(ctx: QueryCtx, pairId: string) {
  return await ctx.db
    .query("cutover_shadowPairs")
    .withIndex("by_pair", (q) => q.eq("pairId", pairId))
    .unique();
}

function pairOut(p: NonNullable<Awaited<ReturnType<typeof pairRow>>>) {
  const { pairId, workspaceId, workflowId, primaryRunId, shadowRunId, status, createdAt } = p;
  return { pairId, workspaceId, workflowId, primaryRunId, shadowRunId, status, createdAt };
}

/** Returns { created: false } and changes nothing when the pair is already stored. */
export const putPair = internalMutation({
  args: shadowPairFields,
  returns: v.object({ created: v.boolean() }),
  handler: async (ctx, pair) => {
    if (await pairRow(ctx, pair.pairId)) return { created: false };
    await ctx.db.insert("cutover_shadowPairs", pair);
    return { created: true };
  },
});

/** Returns the pair, or null when absent or in another workspace than the one given. */
export const getPair = internalQuery({
  args: { pairId: v.string(), workspaceId: v.optional(v.string()) },
  returns: v.union(shadowPair, v.null()),
  handler: async (ctx, { pairId, workspaceId }) => {
    const p = await pairRow(ctx, pairId);
    if (!p || (workspaceId !== undefined && p.workspaceId !== workspaceId)) return null;
    return pairOut(p);
  },
});

/** Returns the updated pair, or null when the workspace has no such pair. */
export const updatePair = internalMutation({
  args: {
    pairId: v.string(),
    workspaceId: v.string(),
    status: v.optional(v.string()),
    shadowRunId: v.optional(v.union(v.string(), v.null())),
  },
  returns: v.union(shadowPair, v.null()),
  handler: async (ctx, { pairId, workspaceId, ...patch }) => {
    const p = await pairRow(ctx, pairId);
    if (!p || p.workspaceId !== workspaceId) return null;
    await ctx.db.patch("cutover_shadowPairs", p._id, patch);
    return pairOut({ ...p, ...patch });
  },
});

/**
 * Moves up to `limit` pairs still waiting for their primary and created before `olderThan` to abandoned,
 * and returns them (the reaper's claim: each pair once).
 */
export const claimStalePairs = internalMutation({
  args: { olderThan: v.string(), limit: v.number() },
  returns: v.array(shadowPair),
  handler: async (ctx, { olderThan, limit }) => {
    const stale = await ctx.db
      .query("cutover_shadowPairs")
      .withIndex("by_status_created", (q) => q.eq("status", "waiting-for-primary").lt("createdAt", olderThan))
      .take(limit);
    for (const p of stale) await ctx.db.patch("cutover_shadowPairs", p._id, { status: "abandoned" });
    return stale.map((p) => pairOut({ ...p, status: "abandoned" }));
  },
});

/**
 * Records longer than this many characters are stored in parts of this size: at most 3 bytes of UTF-8
 * per character keeps a part under Convex's 1 MiB document limit.
 */
export const RECORD_CHUNK_CHARS = 256 * 1024;

function splitText(text: string): string[] {
  if (text.length <= RECORD_CHUNK_CHARS) return [text];
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += RECORD_CHUNK_CHARS) parts.push(text.slice(i, i + RECORD_CHUNK_CHARS));
  return parts;
}

const chunkOwner = (pairId: string, role: string) => `pair:${pairId}:${role}`;

async function deleteChunks(ctx: MutationCtx, owner: string, count: number): Promise<void> {
  const rows = await ctx.db
    .query("cutover_textChunks")
    .withIndex("by_owner", (q) => q.eq("owner", owner))
    .take(count);
  for (const r of rows) await ctx.db.delete("cutover_textChunks", r._id);
}

async function joinChunks(ctx: QueryCtx, owner: string, count: number): Promise<string> {
  const rows = await ctx.db
    .query("cutover_textChunks")
    .withIndex("by_owner", (q) => q.eq("owner", owner))
    .take(count);
  return rows.map((r) => r.text).join("");
}

/** Stores or replaces one side's record; returns an error message when the pair is absent or elsewhere. */
export const putRunRecord = internalMutation({
  args: { pairId: v.string(), role, workspaceId: v.string(), runId: v.string(), recordJson: v.string() },
  returns: v.union(
    v.object({ ok: v.literal(true) }),
    v.object({ ok: v.literal(false), field: v.string(), message: v.string() }),
  ),
  handler: async (ctx, args) => {
    const p = await pairRow(ctx, args.pairId);
    if (!p) return { ok: false as const, field: "pairId", message: `no stored pair ${args.pairId}` };
    if (p.workspaceId !== args.workspaceId) {
      return {
        ok: false as const,
        field: "record.workspaceId",
        message: `pair ${args.pairId} belongs to another workspace`,
      };
    }
    const existing = await ctx.db
      .query("cutover_pairRuns")
      .withIndex("by_pair_role", (q) => q.eq("pairId", args.pairId).eq("role", args.role))
      .unique();
    const owner = chunkOwner(args.pairId, args.role);
    if (existing?.chunks) await deleteChunks(ctx, owner, existing.chunks);
    // A record over the threshold is kept by reference: its text in parts, each a document under 1 MiB.
    const parts = splitText(args.recordJson);
    const row =
      parts.length > 1 ? { ...args, recordJson: "", chunks: parts.length } : { ...args, chunks: undefined };
    if (parts.length > 1) {
      for (const [index, text] of parts.entries())
        await ctx.db.insert("cutover_textChunks", { owner, index, text });
    }
    if (existing) await ctx.db.replace("cutover_pairRuns", existing._id, row);
    else await ctx.db.insert("cutover_pairRuns", row);
    return { ok: true as const };
  },
});

/** Returns both sides' records as JSON text (null where not stored), scoped to the workspace when given. */
export const getRunRecords = internalQuery({
  args: { pairId: v.string(), workspaceId: v.optional(v.string()) },
  returns: v.object({ primary: v.union(v.string(), v.null()), shadow: v.union(v.string(), v.null()) }),
  handler: async (ctx, { pairId, workspaceId }) => {
    const rows = await ctx.db
      .query("cutover_pairRuns")
      .withIndex("by_pair_role", (q) => q.eq("pairId", pairId))
      .collect();
    const out: { primary: string | null; shadow: string | null } = { primary: null, shadow: null };
    for (const r of rows) {
      if (workspaceId !== undefined && r.workspaceId !== workspaceId) continue;
      out[r.role] = r.chunks ? await joinChunks(ctx, chunkOwner(pairId, r.role), r.chunks) : r.recordJson;
    }
    return out;
  },
});

const resultRow = v.object({
  pairId: v.string(),
  workflowId: v.string(),
  workspaceId: v.string(),
  verdict: v.string(),
  comparedAt: v.string(),
  resultJson: v.string(),
});

/** Stores pairs' results in one transaction, each replacing an earlier one for the same pair. */
export const putResults = internalMutation({
  args: { results: v.array(resultRow) },
  returns: v.null(),
  handler: async (ctx, { results }) => {
    for (const row of results) {
      const existing = await ctx.db
        .query("cutover_parityResults")
        .withIndex("by_pair", (q) => q.eq("pairId", row.pairId))
        .unique();
      if (existing) await ctx.db.replace("cutover_parityResults", existing._id, row);
      else await ctx.db.insert("cutover_parityResults", row);
      // The row's rollup moves in the same transaction as the result it counts.
      await foldResult(
        ctx,
        JSON.parse(row.resultJson) as StoredParityResult,
        existing ? (JSON.parse(existing.resultJson) as StoredParityResult) : null,
      );
    }
  },
});

/** Returns the pair's result as JSON text, or null. */
export const getResult = internalQuery({
  args: { pairId: v.string(), workspaceId: v.optional(v.string()) },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, { pairId, workspaceId }) => {
    const r = await ctx.db
      .query("cutover_parityResults")
      .withIndex("by_pair", (q) => q.eq("pairId", pairId))
      .unique();
    if (!r || (workspaceId !== undefined && r.workspaceId !== workspaceId)) return null;
    return r.resultJson;
  },
});

/** Returns one page of results (JSON text), newest first, on the narrowest index the filters allow. */
export const listResults = internalQuery({
  args: {
    workspaceId: v.optional(v.string()),
    workflowId: v.optional(v.string()),
    since: v.optional(v.string()),
    verdict: v.optional(v.string()),
    paginationOpts: paginationOptsValidator,
  },
  returns: v.object({ page: v.array(v.string()), isDone: v.boolean(), continueCursor: v.string() }),
  handler: async (ctx, { workspaceId, workflowId, since, verdict, paginationOpts }) => {
    const table = ctx.db.query("cutover_parityResults");
    const ws = workspaceId;
    const wf = workflowId;
    const q =
      ws !== undefined && wf !== undefined
        ? table.withIndex("by_workspace_workflow", (i) => {
            const eq = i.eq("workspaceId", ws).eq("workflowId", wf);
            return since === undefined ? eq : eq.gte("comparedAt", since);
          })
        : ws !== undefined
          ? table.withIndex("by_workspace", (i) => {
              const eq = i.eq("workspaceId", ws);
              return since === undefined ? eq : eq.gte("comparedAt", since);
            })
          : wf !== undefined
            ? table.withIndex("by_workflow", (i) => {
                const eq = i.eq("workflowId", wf);
                return since === undefined ? eq : eq.gte("comparedAt", since);
              })
            : table.withIndex("by_time", (i) => (since === undefined ? i : i.gte("comparedAt", since)));
    const ordered = q.order("desc");
    const filtered =
      verdict === undefined ? ordered : ordered.filter((f) => f.eq(f.field("verdict"), verdict));
    const page = await filtered.paginate(paginationOpts);
    return {
      page: page.page.map((r) => r.resultJson),
      isDone: page.isDone,
      continueCursor: page.continueCursor,
    };
  },
});

/** Adds to the workflow's shadow spend for the UTC day; returns the new total. */
export const addSpend = internalMutation({
  args: { workflowId: v.string(), day: v.string(), usd: v.number() },
  returns: v.number(),
  handler: async (ctx, { workflowId, day, usd }) => {
    const row = await ctx.db
      .query("cutover_shadowSpend")
      .withIndex("by_workflow_day", (q) => q.eq("workflowId", workflowId).eq("day", day))
      .unique();
    if (!row) {
      await ctx.db.insert("cutover_shadowSpend", { workflowId, day, usd });
      return usd;
    }
    await ctx.db.patch("cutover_shadowSpend", row._id, { usd: row.usd + usd });
    return row.usd + usd;
  },
});

/** Returns the workflow's shadow spend for the UTC day, 0 when none. */
export const getSpend = internalQuery({
  args: { workflowId: v.string(), day: v.string() },
  returns: v.number(),
  handler: async (ctx, { workflowId, day }) => {
    const row = await ctx.db
      .query("cutover_shadowSpend")
      .withIndex("by_workflow_day", (q) => q.eq("workflowId", workflowId).eq("day", day))
      .unique();
    return row?.usd ?? 0;
  },
});
