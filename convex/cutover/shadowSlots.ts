// How many shadows may run at once across the deployment? Lease-based slots, counted and taken in one mutation.
import { v } from "convex/values";
import { internalMutation } from "../_generated/server";

/**
 * Returns true when `holderId` now holds one of `limit` slots under `key` until `leaseMs` from now (asking
 * again renews its lease), false when every slot is held by an unexpired lease. Expired leases are deleted
 * on the way, so an action that crashed holding a slot frees it when its lease ends.
 */
export const acquire = internalMutation({
  args: { key: v.string(), limit: v.number(), leaseMs: v.number(), holderId: v.string() },
  returns: v.boolean(),
  handler: async (ctx, { key, limit, leaseMs, holderId }) => {
    const now = Date.now();
    const rows = await ctx.db
      .query("cutover_shadowSlots")
      .withIndex("by_key_holder", (q) => q.eq("key", key))
      .collect();
    let held = 0;
    for (const row of rows) {
      if (row.holderId === holderId) {
        await ctx.db.patch("cutover_shadowSlots", row._id, { leaseUntil: now + leaseMs });
        return true;
      }
      if (row.leaseUntil <= now) await ctx.db.delete("cutover_shadowSlots", row._id);
      else held++;
    }
    if (held >= limit) return false;
    await ctx.db.insert("cutover_shadowSlots", { key, holderId, leaseUntil: now + leaseMs });
    return true;
  },
});

/** Frees the holder's slot under `key`; nothing happens when it holds none. */
export const release = internalMutation({
  args: { key: v.string(), holderId: v.string() },
  returns: v.null(),
  handler: async (ctx, { key, holderId }) => {
    const row = await ctx.db
      .query("cutover_shadowSlots")
      .withIndex("by_key_holder", (q) => q.eq("key", key).eq("holderId", holderId))
      .unique();
    if (row) await ctx.db.delete("cutover_shadowSlots", row._id);
  },
});
