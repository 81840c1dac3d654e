// How does an operator get a key for a workspace? Issue (random, shown once, stored hashed), rotate and revoke API keys.
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalAction, internalMutation, internalQuery } from "../_generated/server";
import { ALL_SCOPES, hashApiKey, type Scope } from "./auth";

const scopes = v.array(v.union(v.literal("runs:read"), v.literal("runs:write")));

/** Stores a key by its hash; run by `issue`, or by a trusted process that made the key itself. */
export const register = internalMutation({
  args: { workspaceId: v.string(), name: v.string(), keyHash: v.string(), scopes },
  returns: v.id("cutover_apiKeys"),
  handler: async (ctx, args) => {
    const existing = await ctx.db
      .query("cutover_apiKeys")
      .withIndex("by_hash", (q) => q.eq("keyHash", args.keyHash))
      .unique();
    if (existing) return existing._id;
    return await ctx.db.insert("cutover_apiKeys", { ...args, createdAt: Date.now() });
  },
});

/**
 * Returns a new API key for a workspace (the only time it is visible):
 * `npx convex run apiKeys:issue '{"workspaceId":"default","name":"operator"}'`.
 * An action, because mutations have no unpredictable randomness.
 */
export const issue = internalAction({
  args: { workspaceId: v.string(), name: v.string(), scopes: v.optional(scopes) },
  returns: v.object({ key: v.string(), workspaceId: v.string(), scopes: v.array(v.string()) }),
  handler: async (ctx, args): Promise<{ key: string; workspaceId: string; scopes: string[] }> => {
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    const key = `cvx_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    const granted = args.scopes ?? ALL_SCOPES;
    await ctx.runMutation(internal.cutover.apiKeys.register, {
      workspaceId: args.workspaceId,
      name: args.name,
      keyHash: await hashApiKey(key),
      scopes: granted,
    });
    return { key, workspaceId: args.workspaceId, scopes: granted };
  },
});

/**
 * Replaces the workspace's keys of that name with a new random one (same scopes as the newest of them,
 * or those given) and revokes the old ones: returns the new key, the only time it is visible.
 * `npx convex run apiKeys:rotate '{"workspaceId":"acme","name":"operator"}'`.
 */
export const rotate = internalAction({
  args: { workspaceId: v.string(), name: v.string(), scopes: v.optional(scopes) },
  returns: v.object({
    key: v.string(),
    workspaceId: v.string(),
    scopes: v.array(v.string()),
    revoked: v.number(),
  }),
  handler: async (
    ctx,
    args,
  ): Promise<{ key: string; workspaceId: string; scopes: string[]; revoked: number }> => {
    const current = await ctx.runQuery(internal.cutover.apiKeys.liveScopes, {
      workspaceId: args.workspaceId,
      name: args.name,
    });
    const granted = args.scopes ?? (current as Scope[] | null) ?? ALL_SCOPES;
    const revoked = await ctx.runMutation(internal.cutover.apiKeys.revoke, {
      workspaceId: args.workspaceId,
      name: args.name,
    });
    const issued: { key: string; workspaceId: string; scopes: string[] } = await ctx.runAction(
      internal.cutover.apiKeys.issue,
      { workspaceId: args.workspaceId, name: args.name, scopes: granted },
    );
    return { ...issued, revoked };
  },
});

/** Returns the scopes of the newest live key of that name in the workspace, or null. */
export const liveScopes = internalQuery({
  args: { workspaceId: v.string(), name: v.string() },
  returns: v.union(v.array(v.string()), v.null()),
  handler: async (ctx, args) => {
    const keys = await ctx.db
      .query("cutover_apiKeys")
      .withIndex("by_workspace", (q) => q.eq("workspaceId", args.workspaceId))
      .collect();
    const live = keys.filter((k) => k.name === args.name && k.revokedAt === undefined);
    return live.length ? live[live.length - 1].scopes : null;
  },
});

/** Revokes every key of a workspace with that name; returns how many. */
export const revoke = internalMutation({
  args: { workspaceId: v.string(), name: v.string() },
  returns: v.number(),
  handler: async (ctx, args) => {
    const keys = await ctx.db
      .query("cutover_apiKeys")
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
