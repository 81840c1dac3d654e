// Which tables does the control plane keep? The Convex schema; each area adds its tables in its own block.
import { defineTable } from "convex/server";
import { v } from "convex/values";

// Payloads (inputs, outputs, compiled graphs) are kept as JSON text: user data may hold keys Convex
// refuses in documents ("$ref", "_id"), and text keeps the exact bytes a RunRecord is compared by.
export const tokens = v.object({ input: v.number(), output: v.number(), total: v.number() });
export const recordError = v.object({ code: v.string(), message: v.string() });
/** A USD cost; null when the catalog has no price for the model (legacy profile). */
export const cost = v.union(v.number(), v.null());
const runStatus = v.union(
  v.literal("queued"),
  v.literal("running"),
  v.literal("completed"),
  v.literal("failed"),
  v.literal("canceled"),
);
export const stepStatus = v.union(
  v.literal("running"),
  v.literal("completed"),
  v.literal("failed"),
  v.literal("skipped"),
  v.literal("canceled"),
);

/** One step as stored (the executing run records it; the mirror copies an Inngest run's). */
export const stepFields = {
  workspaceId: v.string(),
  runId: v.string(),
  nodeId: v.string(),
  name: v.string(),
  type: v.string(),
  status: stepStatus,
  attempt: v.number(),
  inputJson: v.optional(v.string()),
  outputJson: v.optional(v.string()),
  error: v.optional(recordError),
  tokens: v.optional(tokens),
  costUsd: cost,
  model: v.optional(v.string()),
  startedAt: v.optional(v.number()),
  finishedAt: v.optional(v.number()),
};

/** One stored shadow pair (the store's ShadowPair; times as ISO text). */
export const shadowPairFields = {
  pairId: v.string(),
  workspaceId: v.string(),
  workflowId: v.string(),
  primaryRunId: v.string(),
  shadowRunId: v.union(v.string(), v.null()),
  status: v.string(),
  createdAt: v.string(),
};

/**
 * cutover's own tables, every name prefixed `cutover_` so that they sit beside a host app's tables
 * (inferpipe's `workflows`, `runs`, `steps`, `apiKeys`) without ever colliding: the host spreads them
 * into its own `defineSchema` (convex/schema.ts is this repository's host app).
 */
export const cutoverTables = {
  // Legacy executor tables (workflows, workflowVersions, runs, steps, logs, apiKeys) go here.
  cutover_workflows: defineTable({
    workspaceId: v.string(),
    workflowId: v.string(),
    name: v.string(),
    /** The builder graph as inferpipe stores it (JSON text). */
    graphJson: v.string(),
    updatedAt: v.number(),
  }).index("by_workspace_workflow", ["workspaceId", "workflowId"]),
  cutover_workflowVersions: defineTable({
    workspaceId: v.string(),
    workflowId: v.string(),
    workflowVersionId: v.string(),
    /** The compiled workflow (JSON text, secret-free by construction). */
    compiledJson: v.string(),
    createdAt: v.number(),
  })
    .index("by_workspace_version", ["workspaceId", "workflowVersionId"])
    .index("by_workspace_workflow", ["workspaceId", "workflowId", "createdAt"]),
  cutover_runs: defineTable({
    workspaceId: v.string(),
    runId: v.string(),
    workflowId: v.string(),
    workflowVersionId: v.string(),
    status: runStatus,
    provider: v.string(),
    /** The caller's input as recorded (redacted; JSON text or a payload reference). */
    inputJson: v.string(),
    outputJson: v.optional(v.string()),
    error: v.optional(recordError),
    tokens,
    costUsd: cost,
    createdAt: v.number(),
    startedAt: v.optional(v.number()),
    finishedAt: v.optional(v.number()),
    cancelRequested: v.boolean(),
    shadow: v.optional(v.object({ pairId: v.string(), of: v.string() })),
    /** Shadow runs: the primary's outputs of side-effecting nodes (JSON text), replayed instead of executed. */
    sideEffectOutputsJson: v.optional(v.string()),
    /** Replay-mode shadow runs: the primary's recorded LLM answers (a cassette, JSON text). */
    replayJson: v.optional(v.string()),
    /** Execution settings (attempts, backoff, deadline, parallelism, payload threshold, redaction). */
    options: v.any(),
    /**
     * The caller's input as the executing action needs it (unredacted), kept only while the run may
     * execute and cleared when it ends: inline up to the payload threshold, else a file-storage id.
     * Absent when it equals the recorded input. Never a scheduled function's argument.
     */
    executionInputJson: v.optional(v.string()),
    executionInputRef: v.optional(v.id("_storage")),
    /** `replayJson` and `sideEffectOutputsJson` kept in file storage when over the payload threshold. */
    replayRef: v.optional(v.id("_storage")),
    sideEffectOutputsRef: v.optional(v.id("_storage")),
    /** Set on rows copied from another executor by the mirror (absent on runs the legacy executor ran). */
    mirroredFrom: v.optional(v.literal("inngest")),
  })
    .index("by_run", ["runId"])
    .index("by_workspace_run", ["workspaceId", "runId"])
    .index("by_workspace_workflow", ["workspaceId", "workflowId", "createdAt"])
    .index("by_workspace_status_time", ["workspaceId", "status", "createdAt"]),
  cutover_steps: defineTable({ ...stepFields, settings: v.optional(v.any()) })
    .index("by_run", ["runId"])
    .index("by_run_name", ["runId", "name"])
    // A run's end finds the steps still running without reading the others.
    .index("by_run_status", ["runId", "status"])
    .index("by_workspace_status_time", ["workspaceId", "status", "startedAt"]),
  // What every step mutation of an executing run reads, kept apart from the run's document: that one
  // holds the run's input and options, and reading it twice per step cost time in proportion to them.
  cutover_runControls: defineTable({
    workspaceId: v.string(),
    runId: v.string(),
    run: v.id("cutover_runs"),
    /** True from the run's start until a cancel request or its end: while steps may start. */
    live: v.boolean(),
    /**
     * Running totals of the run's steps' usage, kept by each step's finish so that the run's end needs
     * no read of every step (Convex reads at most 16 MiB per transaction). Cost null: a step was unpriced.
     */
    tokensIn: v.optional(v.number()),
    tokensOut: v.optional(v.number()),
    costUsd: v.optional(cost),
  }).index("by_run", ["run"]),
  cutover_logs: defineTable({
    workspaceId: v.string(),
    runId: v.string(),
    at: v.number(),
    level: v.union(v.literal("info"), v.literal("warn"), v.literal("error")),
    message: v.string(),
    step: v.optional(v.string()),
  }).index("by_run", ["runId", "at"]),
  cutover_apiKeys: defineTable({
    workspaceId: v.string(),
    name: v.string(),
    /** sha256 hex of the key; the key itself is shown once when issued and never stored. */
    keyHash: v.string(),
    scopes: v.array(v.string()),
    createdAt: v.number(),
    revokedAt: v.optional(v.number()),
  })
    .index("by_hash", ["keyHash"])
    .index("by_workspace", ["workspaceId"]),
  // Inngest mirror: the persisted RunIndex (our runId → Inngest event/run) and the poller's lease.
  cutover_inngestRuns: defineTable({
    workspaceId: v.string(),
    runId: v.string(),
    workflowVersionId: v.string(),
    eventId: v.string(),
    inngestRunId: v.optional(v.string()),
    provider: v.optional(v.string()),
    /** The RunMeta without its workflow (kept in workflowVersions), input redacted, as JSON text. */
    metaJson: v.string(),
    createdAt: v.number(),
    /** True until the mirror has copied the run in a terminal state. */
    open: v.boolean(),
    polledAt: v.number(),
  })
    .index("by_workspace_run", ["workspaceId", "runId"])
    .index("by_run", ["runId"])
    .index("by_open_polled", ["open", "polledAt"]),
  cutover_mirrorPoller: defineTable({
    name: v.string(),
    /** While in the future, a poll chain is alive and nothing else starts one. */
    leaseUntil: v.number(),
  }).index("by_name", ["name"]),
  // Large payloads of the Inngest function (step outputs, and event fields sent by reference), in file
  // storage by SHA-256 of their JSON text, so every serving instance reads what another one wrote.
  cutover_inngestBlobs: defineTable({
    sha256: v.string(),
    storageId: v.id("_storage"),
    bytes: v.number(),
    createdAt: v.number(),
  }).index("by_sha256", ["sha256"]),
  // Control-plane store tables (flags, flagAudit, shadowPairs, parityResults) go here.
  // Documents that carry user JSON (audit states, run records, findings) keep it as JSON text too.
  cutover_flags: defineTable({
    workflowId: v.string(),
    stage: v.union(v.literal("convex"), v.literal("shadow"), v.literal("live"), v.literal("inngest")),
    samplePct: v.number(),
    shadowProvider: v.union(v.literal("replay"), v.literal("live")),
    dailyBudgetUsd: v.number(),
    workspaceOverrides: v.array(
      v.object({
        workspaceId: v.string(),
        stage: v.union(v.literal("convex"), v.literal("shadow"), v.literal("live"), v.literal("inngest")),
        samplePct: v.optional(v.number()),
      }),
    ),
    /** The promotion gates of this workflow over the production defaults (gates/config.ts). */
    gates: v.optional(
      v.object({
        minPairs: v.optional(v.number()),
        minParityPct: v.optional(v.number()),
        maxErrorRateDeltaPct: v.optional(v.number()),
        maxP95Ratio: v.optional(v.number()),
        minBakeMinutes: v.optional(v.number()),
      }),
    ),
    version: v.number(),
    updatedAt: v.string(),
    updatedBy: v.string(),
  }).index("by_workflow", ["workflowId"]),
  cutover_flagGlobals: defineTable({
    killSwitch: v.boolean(),
    legacyRemoved: v.boolean(),
    version: v.number(),
    updatedAt: v.string(),
    updatedBy: v.string(),
  }),
  cutover_flagAudit: defineTable({
    workflowId: v.string(),
    version: v.number(),
    /** The AuditEntry as JSON text. */
    entryJson: v.string(),
  }).index("by_workflow", ["workflowId", "version"]),
  cutover_shadowPairs: defineTable(shadowPairFields)
    .index("by_pair", ["pairId"])
    // The reaper's read: pairs still waiting for their primary, oldest first.
    .index("by_status_created", ["status", "createdAt"])
    .index("by_workspace_workflow", ["workspaceId", "workflowId", "createdAt"]),
  cutover_pairRuns: defineTable({
    pairId: v.string(),
    role: v.union(v.literal("primary"), v.literal("shadow")),
    workspaceId: v.string(),
    runId: v.string(),
    /** The record's JSON text, or "" when it is kept in `chunks` parts (over 256 KiB). */
    recordJson: v.string(),
    chunks: v.optional(v.number()),
  }).index("by_pair_role", ["pairId", "role"]),
  // Parts of a text too large for one document (1 MiB), in order: a stored pair record over the threshold.
  cutover_textChunks: defineTable({
    owner: v.string(),
    index: v.number(),
    text: v.string(),
  }).index("by_owner", ["owner", "index"]),
  cutover_parityResults: defineTable({
    pairId: v.string(),
    workflowId: v.string(),
    workspaceId: v.string(),
    verdict: v.string(),
    comparedAt: v.string(),
    /** The StoredParityResult as JSON text. */
    resultJson: v.string(),
  })
    .index("by_pair", ["pairId"])
    .index("by_time", ["comparedAt"])
    .index("by_workflow", ["workflowId", "comparedAt"])
    .index("by_workspace", ["workspaceId", "comparedAt"])
    .index("by_workspace_workflow", ["workspaceId", "workflowId", "comparedAt"]),
  // One row per (workspace, workflow, UTC day, flag version): rollups/daily.ts, folded in the mutation that
  // stores each result. Our own table rather than @convex-dev/aggregate: a row holds merged sketches and
  // per-category counts, not one sortable sum, and reports read whole rows per day.
  cutover_dailyRollups: defineTable({
    workspaceId: v.string(),
    workflowId: v.string(),
    day: v.string(),
    flagVersion: v.number(),
    /** The DailyRollup as JSON text. */
    rollupJson: v.string(),
  })
    .index("by_key", ["workspaceId", "workflowId", "day", "flagVersion"])
    .index("by_workflow_day", ["workflowId", "day"])
    .index("by_day", ["day"]),
  // The nightly parity report the cron builds from the rollups (its ReportData JSON in file storage, by UTC
  // day): `cutover report --from-deployment` fetches the newest.
  cutover_nightlyReports: defineTable({
    day: v.string(),
    generatedAt: v.string(),
    storageId: v.id("_storage"),
    bytes: v.number(),
  }).index("by_day", ["day"]),
  cutover_shadowSpend: defineTable({
    workflowId: v.string(),
    day: v.string(),
    usd: v.number(),
  }).index("by_workflow_day", ["workflowId", "day"]),
  // Leases on the slots that bound how many shadows run at once across the deployment.
  cutover_shadowSlots: defineTable({
    key: v.string(),
    holderId: v.string(),
    /** Ms since the epoch; an expired lease no longer holds its slot. */
    leaseUntil: v.number(),
  }).index("by_key_holder", ["key", "holderId"]),
  // inferpipe workflows brought in by `cutover import` (store/imported-workflows.ts), keyed by workspace and id;
  // the document stays JSON text (its `_id` and `_creationTime` are not field names Convex accepts).
  cutover_importedWorkflows: defineTable({
    workspaceId: v.string(),
    workflowId: v.string(),
    name: v.string(),
    ownerUserId: v.union(v.string(), v.null()),
    documentJson: v.string(),
    workflowVersionId: v.string(),
    profile: v.union(v.literal("legacy"), v.literal("dag")),
    importedAt: v.string(),
    updatedAt: v.string(),
  })
    .index("by_workspace_workflow", ["workspaceId", "workflowId"])
    .index("by_workflow", ["workflowId", "workspaceId"]),
};
