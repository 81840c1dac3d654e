// What did last night's parity look like on the deployment? The nightly report, built by a cron from the rollups and kept.
import { v } from "convex/values";
import { watchOnce } from "../../gates/watch.ts";
import { buildReportData } from "../../reports/build.ts";
import { convexStore } from "../../store/convex.ts";
import { utcDay } from "../../store/port.ts";
import { internal } from "../_generated/api";
import { internalAction, internalMutation, internalQuery } from "../_generated/server";

/**
 * Builds the report of the last 24 hours from the rollups (the same ReportData `cutover report` builds)
 * and keeps it, one per UTC day (a second build the same day replaces the first). Returns the day.
 */
export const build = internalAction({
  args: {},
  returns: v.string(),
  handler: async (ctx): Promise<string> => {
    const store = convexStore({ query: ctx.runQuery, mutation: ctx.runMutation });
    const now = new Date();
    const data = await buildReportData(store, {
      since: new Date(now.getTime() - 86_400_000).toISOString(),
      now,
    });
    const json = JSON.stringify(data);
    const storageId = await ctx.storage.store(new Blob([json], { type: "application/json" }));
    const day = utcDay(now);
    await ctx.runMutation(internal.cutover.nightly.save, {
      day,
      generatedAt: data.generatedAt,
      storageId,
      bytes: json.length,
    });
    return day;
  },
});

/** Keeps a built report as its day's (the previous one of that day goes, with its file). */
export const save = internalMutation({
  args: { day: v.string(), generatedAt: v.string(), storageId: v.id("_storage"), bytes: v.number() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const previous = await ctx.db
      .query("cutover_nightlyReports")
      .withIndex("by_day", (q) => q.eq("day", args.day))
      .unique();
    if (previous) {
      await ctx.storage.delete(previous.storageId);
      await ctx.db.delete(previous._id);
    }
    await ctx.db.insert("cutover_nightlyReports", args);
    return null;
  },
});

/** Returns the newest kept report's day and a URL its JSON can be read from, or null before the first night. */
export const latest = internalQuery({
  args: {},
  returns: v.union(
    v.null(),
    v.object({ day: v.string(), generatedAt: v.string(), url: v.union(v.string(), v.null()) }),
  ),
  handler: async (ctx) => {
    const newest = await ctx.db.query("cutover_nightlyReports").withIndex("by_day").order("desc").first();
    if (!newest) return null;
    return {
      day: newest.day,
      generatedAt: newest.generatedAt,
      url: await ctx.storage.getUrl(newest.storageId),
    };
  },
});

/** Returns the newest kept report's JSON text (what `cutover report --from-deployment` renders), or null. */
export const latestJson = internalAction({
  args: {},
  returns: v.union(v.null(), v.string()),
  handler: async (ctx): Promise<string | null> => {
    const newest = await ctx.runQuery(internal.cutover.nightly.latestStorage, {});
    if (!newest) return null;
    const blob = await ctx.storage.get(newest);
    return blob ? await blob.text() : null;
  },
});

export const latestStorage = internalQuery({
  args: {},
  returns: v.union(v.null(), v.id("_storage")),
  handler: async (ctx) => {
    const newest = await ctx.db.query("cutover_nightlyReports").withIndex("by_day").order("desc").first();
    return newest?.storageId ?? null;
  },
});

/** The automatic rollback on the deployment: the evaluation `cutover watch` runs, on the cron's schedule. */
export const watch = internalAction({
  args: {},
  returns: v.array(
    v.object({ workflowId: v.string(), decision: v.string(), rolledBackTo: v.optional(v.string()) }),
  ),
  handler: async (ctx) => {
    const store = convexStore({ query: ctx.runQuery, mutation: ctx.runMutation });
    const outcomes = await watchOnce(store);
    for (const o of outcomes)
      if (o.decision !== "hold")
        console.log(`cutover watch: ${o.workflowId} ${o.decision}: ${o.reasons.join("; ")}`);
    return outcomes.map((o) => ({
      workflowId: o.workflowId,
      decision: o.decision,
      ...(o.rolledBackTo !== undefined && { rolledBackTo: o.rolledBackTo }),
    }));
  },
});
