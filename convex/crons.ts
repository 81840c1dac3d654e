// What runs on a timer in the control plane? The cron table.
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Restarts the Inngest mirror's poll chain if it died (lease expired) while runs are still open.
crons.interval("kick inngest mirror", { minutes: 1 }, internal.mirror.kick, {});

export default crons;
