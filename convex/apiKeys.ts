// How does an operator get a key for a workspace? Issue (shown once, stored hashed) and revoke API keys.
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalAction, internalMutation } from "./_generated/server";
import { ALL_SCOPES, hashApiKey } from "./auth";

const scopes = v.array(v.union(v.literal("runs:read"), v.literal("runs:write")));

/** Stores a key by its hash; run by `issue`, or by a trusted process that made the key itself. */
export const register = internalMutation({
  args: { workspaceId: v.string(), name: v.string(), keyHash: v.string(), scopes },
  handler: async (ctx, args) => {
    const existing = await ctx.db
      .query("apiKeys")
      .withIndex("by_hash", (q) => q.eq("keyHash", args.keyHash))
      .unique();
    if (existing) return existing._id;
    return await ctx.db.insert("apiKeys", { ...args, createdAt: Date.now() });
  },
});

/**
 * Returns a new API key for a workspace (the only time it is visible):
 * `npx convex run apiKeys:issue '{"workspaceId":"default","name":"operator"}'`.
 * An action, because mutations have no unpredictable randomness.
 */
export const issue = internalAction({
  args: { workspaceId: v.string(), name: v.string(), scopes: v.optional(scopes) },
  handler: async (ctx, args): Promise<{ key: string; workspaceId: string; scopes: string[] }> => {
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    const key = `cvx_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    const granted = args.scopes ?? ALL_SCOPES;
    await ctx.runMutation(internal.apiKeys.register, {
      workspaceId: args.workspaceId,
      name: args.name,
      keyHash: await hashApiKey(key),
      scopes: granted,
    });
    return { key, workspaceId: args.workspaceId, scopes: granted };
  },
});

/** Revokes every key of a workspace with that name; returns how many. */
export const revoke = internalMutation({
  args: { workspaceId: v.string(), name: v.string() },
  handler: async (ctx, args) => {
    const keys = await ctx.db
      .query("apiKeys")
      .withIndex("by_workspace", (q) => q.eq("workspaceId", args.workspaceId))
      .collect();
    let n = 0;
    for (const k of keys) {
      if (k.name === args.name && k.revokedAt === undefined) {
        await ctx.db.patch(k._id, { revokedAt: Date.now() });
        n++;
      }
    }
    return n;
  },
});
