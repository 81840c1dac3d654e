// What runs on a timer in the control plane? The cron table.
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Restarts the Inngest mirror's poll chain if it died (lease expired) while runs are still open.
crons.interval("kick inngest mirror", { minutes: 1 }, internal.cutover.mirror.kick, {});

// Pairs whose follow-up action died (a crash, a failed action) stay waiting for their primary forever
// without this: past the pair deadline they become abandoned and are counted in the results.
crons.interval("reap abandoned shadow pairs", { minutes: 5 }, internal.cutover.reaper.reap, {});

export default crons;
