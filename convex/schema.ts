// Which tables does the host app hold? inferpipe's own tables beside cutover's `cutover_*` ones.
// This is the small host app the repository keeps for the embedded default and the tests: it installs
// cutover the way inferpipe does (spread `cutoverTables`, keep its own tables as they are).
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { cutoverTables } from "./cutover/schema";

/** inferpipe's status words for runs and steps, as its UI reads them. */
export const inferpipeStatus = v.union(
  v.literal("pending"),
  v.literal("running"),
  v.literal("completed"),
  v.literal("failed"),
);

/**
 * The host's tables, shaped as inferpipe stores its documents (a builder workflow document from
 * ../shared/legacy-reference/g*.json validates against `workflows`), so a test can hold real documents
 * beside cutover's tables.
 */
export const hostTables = {
  workflows: defineTable({
    name: v.string(),
    description: v.optional(v.string()),
    status: v.optional(v.union(v.literal("draft"), v.literal("published"), v.literal("archived"))),
    userId: v.string(),
    nodes: v.array(
      v.object({
        id: v.string(),
        type: v.string(),
        position: v.object({ x: v.number(), y: v.number() }),
        data: v.any(),
      }),
    ),
    edges: v.array(
      v.object({
        id: v.string(),
        source: v.string(),
        target: v.string(),
        sourceHandle: v.optional(v.string()),
        targetHandle: v.optional(v.string()),
      }),
    ),
    variables: v.optional(
      v.array(v.object({ name: v.string(), type: v.string(), defaultValue: v.optional(v.any()) })),
    ),
    createdAt: v.number(),
    updatedAt: v.number(),
  }).index("by_user", ["userId"]),
  runs: defineTable({
    workflowId: v.id("workflows"),
    userId: v.string(),
    status: inferpipeStatus,
    input: v.any(),
    output: v.optional(v.any()),
    error: v.optional(v.string()),
    metadata: v.optional(
      v.object({
        totalSteps: v.optional(v.number()),
        completedSteps: v.optional(v.number()),
        cost: v.optional(v.number()),
        duration: v.optional(v.number()),
      }),
    ),
    createdAt: v.number(),
    updatedAt: v.number(),
  })
    .index("by_workflow", ["workflowId"])
    .index("by_user", ["userId"]),
  steps: defineTable({
    runId: v.id("runs"),
    userId: v.string(),
    nodeId: v.string(),
    nodeType: v.string(),
    status: inferpipeStatus,
    input: v.any(),
    output: v.optional(v.any()),
    error: v.optional(v.string()),
    metadata: v.optional(
      v.object({
        model: v.optional(v.string()),
        tokens: v.optional(v.object({ input: v.optional(v.number()), output: v.optional(v.number()) })),
        cost: v.optional(v.number()),
        duration: v.optional(v.number()),
      }),
    ),
    startedAt: v.optional(v.number()),
    completedAt: v.optional(v.number()),
  })
    .index("by_run", ["runId"])
    .index("by_user", ["userId"]),
  apiKeys: defineTable({
    name: v.string(),
    keyHash: v.string(),
    scopes: v.array(v.string()),
    isActive: v.boolean(),
    lastUsedAt: v.optional(v.number()),
    createdAt: v.number(),
  }).index("by_hash", ["keyHash"]),
};

/** The host-side adapter's own table (convex/inferpipeRuns.ts): which host run a cutover run was written to. */
export const adapterTables = {
  inferpipeRunLinks: defineTable({
    workspaceId: v.string(),
    runId: v.string(),
    hostRunId: v.id("runs"),
  }).index("by_run", ["workspaceId", "runId"]),
};

export default defineSchema({ ...hostTables, ...adapterTables, ...cutoverTables });
