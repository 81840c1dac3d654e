// What runs on a timer in the control plane? The cron table.
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Restarts the Inngest mirror's poll chain if it died (lease expired) while runs are still open.
crons.interval("kick inngest mirror", { minutes: 1 }, internal.cutover.mirror.kick, {});

// Pairs whose follow-up action died (a crash, a failed action) stay waiting for their primary forever
// without this: past the pair deadline they become abandoned and are counted in the results.
crons.interval("reap abandoned shadow pairs", { minutes: 5 }, internal.cutover.reaper.reap, {});

// The nightly parity report, from the rollups, kept by day (`cutover report --from-deployment` reads it).
crons.daily("nightly parity report", { hourUTC: 2, minuteUTC: 0 }, internal.cutover.nightly.build, {});

// The automatic rollback: live workflows whose newest pairs say so go back (actor auto-rollback).
crons.interval("automatic rollback", { minutes: 5 }, internal.cutover.nightly.watch, {});

export default crons;
