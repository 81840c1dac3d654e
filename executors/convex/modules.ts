// Which Convex modules does the embedded runtime load? The explicit map convex-test needs outside vitest.
// Keep it complete: modules.test.ts checks every convex/*.ts file (and _generated) is listed.

export const convexModules: Record<string, () => Promise<unknown>> = {
  "../../convex/_generated/api.js": () => import("../../convex/_generated/api.js"),
  "../../convex/_generated/server.js": () => import("../../convex/_generated/server.js"),
  "../../convex/apiKeys.ts": () => import("../../convex/apiKeys.ts"),
  "../../convex/auth.ts": () => import("../../convex/auth.ts"),
  "../../convex/crons.ts": () => import("../../convex/crons.ts"),
  "../../convex/dispatch.ts": () => import("../../convex/dispatch.ts"),
  "../../convex/execute.ts": () => import("../../convex/execute.ts"),
  "../../convex/flags.ts": () => import("../../convex/flags.ts"),
  "../../convex/http.ts": () => import("../../convex/http.ts"),
  "../../convex/importedWorkflows.ts": () => import("../../convex/importedWorkflows.ts"),
  "../../convex/inngestRuns.ts": () => import("../../convex/inngestRuns.ts"),
  "../../convex/logs.ts": () => import("../../convex/logs.ts"),
  "../../convex/mirror.ts": () => import("../../convex/mirror.ts"),
  "../../convex/mirrorPoll.ts": () => import("../../convex/mirrorPoll.ts"),
  "../../convex/parity.ts": () => import("../../convex/parity.ts"),
  "../../convex/rollups.ts": () => import("../../convex/rollups.ts"),
  "../../convex/runOptions.ts": () => import("../../convex/runOptions.ts"),
  "../../convex/runStart.ts": () => import("../../convex/runStart.ts"),
  "../../convex/runs.ts": () => import("../../convex/runs.ts"),
  "../../convex/schema.ts": () => import("../../convex/schema.ts"),
  "../../convex/shadowSlots.ts": () => import("../../convex/shadowSlots.ts"),
  "../../convex/steps.ts": () => import("../../convex/steps.ts"),
  "../../convex/triggers.ts": () => import("../../convex/triggers.ts"),
  "../../convex/workflows.ts": () => import("../../convex/workflows.ts"),
};
