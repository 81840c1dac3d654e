// Which tables does the control plane keep? The Convex schema; each area adds its tables in its own block.
import { defineSchema } from "convex/server";

export default defineSchema({
  // Legacy executor tables (workflows, workflowVersions, runs, steps, logs, apiKeys) go here.
  // Control-plane store tables (flags, flagAudit, shadowPairs, parityResults) go here.
});
