// How does a deployment keep its daily rollups? Folded in the mutation that stores each result; read by reports and gates.
import { v } from "convex/values";
import {
  type DailyRollup,
  emptyRollup,
  type RollupKey,
  rollupKeyOf,
  withResult,
  withUncovered,
} from "../../rollups/daily.ts";
import type { StoredParityResult } from "../../store/port.ts";
import type { MutationCtx } from "../_generated/server";
import { internalMutation, internalQuery } from "../_generated/server";

async function rowOf(ctx: MutationCtx, key: RollupKey) {
  return await ctx.db
    .query("cutover_dailyRollups")
    .withIndex("by_key", (q) =>
      q
        .eq("workspaceId", key.workspaceId)
        .eq("workflowId", key.workflowId)
        .eq("day", key.day)
        .eq("flagVersion", key.flagVersion),
    )
    .unique();
}

async function write(ctx: MutationCtx, rollup: DailyRollup): Promise<void> {
  const existing = await rowOf(ctx, rollup);
  const row = {
    workspaceId: rollup.workspaceId,
    workflowId: rollup.workflowId,
    day: rollup.day,
    flagVersion: rollup.flagVersion,
    rollupJson: JSON.stringify(rollup),
  };
  if (existing) await ctx.db.replace("cutover_dailyRollups", existing._id, row);
  else await ctx.db.insert("cutover_dailyRollups", row);
}

async function read(ctx: MutationCtx, key: RollupKey): Promise<DailyRollup> {
  const row = await rowOf(ctx, key);
  return row ? (JSON.parse(row.rollupJson) as DailyRollup) : emptyRollup(key);
}

/** Recomputes a row's result counts from the results under its key (uncovered counts kept): after a re-comparison. */
async function rebuild(ctx: MutationCtx, key: RollupKey): Promise<void> {
  const old = await read(ctx, key);
  let rollup: DailyRollup = { ...emptyRollup(key), dropped: old.dropped, overBudget: old.overBudget };
  const next = new Date(Date.parse(`${key.day}T00:00:00Z`) + 86_400_000).toISOString();
  const results = ctx.db
    .query("cutover_parityResults")
    .withIndex("by_workspace_workflow", (q) =>
      q
        .eq("workspaceId", key.workspaceId)
        .eq("workflowId", key.workflowId)
        .gte("comparedAt", `${key.day}T00:00:00`)
        .lt("comparedAt", next),
    );
  for await (const r of results) {
    const result = JSON.parse(r.resultJson) as StoredParityResult;
    if (result.flagVersion === key.flagVersion) rollup = withResult(rollup, result);
  }
  await write(ctx, rollup);
}

/** Folds a stored result into its row, in the caller's transaction; `replaced` is the pair's earlier result, if any. */
export async function foldResult(
  ctx: MutationCtx,
  result: StoredParityResult,
  replaced: StoredParityResult | null,
): Promise<void> {
  if (!replaced) {
    await write(ctx, withResult(await read(ctx, rollupKeyOf(result)), result));
    return;
  }
  await rebuild(ctx, rollupKeyOf(replaced));
  await rebuild(ctx, rollupKeyOf(result));
}

const rollupKey = v.object({
  workspaceId: v.string(),
  workflowId: v.string(),
  day: v.string(),
  flagVersion: v.number(),
});

/** Counts a pair that got no result (dropped for capacity, or over the live budget) in its row. */
export const countUncovered = internalMutation({
  args: { key: rollupKey, why: v.union(v.literal("dropped"), v.literal("over-budget")) },
  returns: v.null(),
  handler: async (ctx, { key, why }) => {
    await write(ctx, withUncovered(await read(ctx, key), why));
    return null;
  },
});

/** Returns the rows matching the filters as JSON text, oldest day first. */
export const listRollups = internalQuery({
  args: {
    workspaceId: v.optional(v.string()),
    workflowId: v.optional(v.string()),
    flagVersion: v.optional(v.number()),
    sinceDay: v.optional(v.string()),
    untilDay: v.optional(v.string()),
  },
  returns: v.array(v.string()),
  handler: async (ctx, { workspaceId, workflowId, flagVersion, sinceDay, untilDay }) => {
    const table = ctx.db.query("cutover_dailyRollups");
    const rows =
      workflowId !== undefined
        ? table.withIndex("by_workflow_day", (q) => {
            const eq = q.eq("workflowId", workflowId);
            const from = sinceDay === undefined ? eq : eq.gte("day", sinceDay);
            return untilDay === undefined ? from : from.lte("day", untilDay);
          })
        : table.withIndex("by_day", (q) => {
            const from = sinceDay === undefined ? q : q.gte("day", sinceDay);
            return untilDay === undefined ? from : from.lte("day", untilDay);
          });
    const out: string[] = [];
    for await (const row of rows) {
      if (workspaceId !== undefined && row.workspaceId !== workspaceId) continue;
      if (flagVersion !== undefined && row.flagVersion !== flagVersion) continue;
      out.push(row.rollupJson);
    }
    return out;
  },
});
