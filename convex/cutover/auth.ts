// May this caller touch this workspace? Hashed API keys with scopes, checked by every public function.
import { ConvexError } from "convex/values";
import type { QueryCtx } from "../_generated/server";

/** What a key may do: read runs, or start and cancel them. */
export type Scope = "runs:read" | "runs:write";
export const ALL_SCOPES: Scope[] = ["runs:read", "runs:write"];

/** Returns the sha256 hex of an API key (Web Crypto: available in Convex queries, mutations and Node). */
export async function hashApiKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Returns the key's record when `apiKey` is a live key of `workspaceId` holding `scope`; throws
 * ConvexError UNAUTHENTICATED (unknown or revoked key) or FORBIDDEN (another workspace, missing scope).
 * The message never repeats the key.
 */
export async function requireWorkspace(ctx: QueryCtx, apiKey: string, workspaceId: string, scope: Scope) {
  const keyHash = await hashApiKey(apiKey);
  const key = await ctx.db
    .query("cutover_apiKeys")
    .withIndex("by_hash", (q) => q.eq("keyHash", keyHash))
    .unique();
  if (!key || key.revokedAt !== undefined) {
    throw new ConvexError({ code: "UNAUTHENTICATED", message: "unknown or revoked API key" });
  }
  if (key.workspaceId !== workspaceId) {
    throw new ConvexError({
      code: "FORBIDDEN",
      message: `API key "${key.name}" does not belong to workspace ${workspaceId}`,
    });
  }
  if (!key.scopes.includes(scope)) {
    throw new ConvexError({ code: "FORBIDDEN", message: `API key "${key.name}" lacks scope ${scope}` });
  }
  return key;
}
