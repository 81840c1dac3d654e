// What does a workflow's flag say, and what do the global switches say? The documents the store keeps.
import { z } from "zod";
import { GatesOverride } from "../gates/config.ts";
import { FlagValidationError } from "./errors.ts";
import { Stage } from "./stage.ts";

/** How the shadow answers its LLM calls: replay the primary's recorded responses (free), or call the provider. */
export const ShadowProvider = z.enum(["replay", "live"]);
export type ShadowProvider = z.infer<typeof ShadowProvider>;

const SamplePct = z.number().min(0).max(100);
const Id = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s*]+$/, "must be non-empty with no spaces and no '*'");

export const WorkspaceOverride = z.object({ stage: Stage, samplePct: SamplePct.optional() }).strict();
export type WorkspaceOverride = z.infer<typeof WorkspaceOverride>;

/** What an operator sets on a workflow; the versioned document adds bookkeeping around it. */
export const FlagState = z
  .object({
    stage: Stage,
    samplePct: SamplePct,
    shadowProvider: ShadowProvider,
    /** Live shadow spend allowed per UTC day; 0 means a live-mode shadow never runs. */
    dailyBudgetUsd: z.number().min(0).finite(),
    workspaceOverrides: z.record(Id, WorkspaceOverride),
    /** The promotion gates this workflow is judged by, over the production defaults (gates/config.ts). */
    gates: GatesOverride.optional(),
  })
  .strict();
export type FlagState = z.infer<typeof FlagState>;

export const FlagDoc = FlagState.extend({
  workflowId: Id,
  /** Starts at 1 with the first write; every accepted write adds one. */
  version: z.number().int().min(1),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type FlagDoc = z.infer<typeof FlagDoc>;

export const GlobalsState = z
  .object({
    /** Sends every workflow to Convex only, whatever its flag says. */
    killSwitch: z.boolean(),
    /** Convex execution is gone: nothing may route to Convex any more. */
    legacyRemoved: z.boolean(),
  })
  .strict();
export type GlobalsState = z.infer<typeof GlobalsState>;

/** The global document; version 0 and null bookkeeping while it has never been written. */
export const Globals = GlobalsState.extend({
  version: z.number().int().min(0),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type Globals = z.infer<typeof Globals>;

/** The workflowId audit entries of the global document carry. */
export const GLOBALS_ID = "*";

export interface AuditEntry {
  /** The workflow whose flag changed, or GLOBALS_ID for the global document. */
  workflowId: string;
  actor: string;
  at: string;
  from: FlagState | GlobalsState | null;
  to: FlagState | GlobalsState;
  reason: string;
  /** The version the change produced. */
  version: number;
}

export const DEFAULT_SAMPLE_PCT = 100;

/** Returns the state a workflow without a flag behaves as: Convex only. */
export function defaultFlagState(): FlagState {
  return {
    stage: "convex",
    samplePct: DEFAULT_SAMPLE_PCT,
    shadowProvider: "replay",
    dailyBudgetUsd: 0,
    workspaceOverrides: {},
  };
}

export const DEFAULT_GLOBALS: Globals = Object.freeze({
  killSwitch: false,
  legacyRemoved: false,
  version: 0,
  updatedAt: null,
  updatedBy: null,
});

/** Returns the operator-set part of a flag document (what audit entries record). */
export function flagState(doc: FlagDoc): FlagState {
  return {
    stage: doc.stage,
    samplePct: doc.samplePct,
    shadowProvider: doc.shadowProvider,
    dailyBudgetUsd: doc.dailyBudgetUsd,
    workspaceOverrides: doc.workspaceOverrides,
    ...(doc.gates !== undefined && { gates: doc.gates }),
  };
}

/** Returns the parsed value, or throws FlagValidationError naming the first offending field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
  throw new FlagValidationError(field || "flag", issue.message);
}

/** Returns the workflow id, or throws FlagValidationError when it cannot name a flag. */
export function checkWorkflowId(workflowId: unknown): string {
  return parseOrThrow(Id, workflowId, "workflowId");
}
