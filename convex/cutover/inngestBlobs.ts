// Where do the Inngest function's large payloads live, so every serving instance reads them? Convex file storage, by content hash.
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalAction, internalMutation, internalQuery } from "../_generated/server";

/** Returns the lowercase hex SHA-256 of a text, as lib/canonical.ts's sha256 computes it. */
async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Stores a blob (JSON text) under its SHA-256, once: a second put of the same content writes nothing.
 * Refuses text whose hash is not the one named, so a reader can trust what it gets back.
 */
export const put = internalAction({
  args: { sha256: v.string(), json: v.string() },
  returns: v.object({ stored: v.boolean(), bytes: v.number() }),
  handler: async (ctx, args): Promise<{ stored: boolean; bytes: number }> => {
    if ((await sha256Hex(args.json)) !== args.sha256) {
      throw new Error(`inngestBlobs.put: the text does not hash to ${args.sha256}`);
    }
    const bytes = new TextEncoder().encode(args.json).byteLength;
    const known: string | null = await ctx.runQuery(internal.cutover.inngestBlobs.find, {
      sha256: args.sha256,
    });
    if (known) return { stored: false, bytes };
    const storageId = await ctx.storage.store(new Blob([args.json], { type: "application/json" }));
    const kept: boolean = await ctx.runMutation(internal.cutover.inngestBlobs.record, {
      sha256: args.sha256,
      storageId,
      bytes,
    });
    // Another put of the same content won the race: this file is not needed.
    if (!kept) await ctx.storage.delete(storageId);
    return { stored: kept, bytes };
  },
});

/** Returns the blob's JSON text, or null when no blob has that hash. */
export const get = internalAction({
  args: { sha256: v.string() },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, args): Promise<string | null> => {
    const storageId: string | null = await ctx.runQuery(internal.cutover.inngestBlobs.find, {
      sha256: args.sha256,
    });
    if (!storageId) return null;
    const blob = await ctx.storage.get(storageId as never);
    return blob ? await blob.text() : null;
  },
});

/** Returns the storage id of the blob with that hash, or null. */
export const find = internalQuery({
  args: { sha256: v.string() },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, args) => {
    const row = await ctx.db
      .query("cutover_inngestBlobs")
      .withIndex("by_sha256", (q) => q.eq("sha256", args.sha256))
      .unique();
    return row ? row.storageId : null;
  },
});

/** Records a stored blob; false when one with that hash is already recorded. */
export const record = internalMutation({
  args: { sha256: v.string(), storageId: v.id("_storage"), bytes: v.number() },
  returns: v.boolean(),
  handler: async (ctx, args) => {
    const row = await ctx.db
      .query("cutover_inngestBlobs")
      .withIndex("by_sha256", (q) => q.eq("sha256", args.sha256))
      .unique();
    if (row) return false;
    await ctx.db.insert("cutover_inngestBlobs", { ...args, createdAt: Date.now() });
    return true;
  },
});
