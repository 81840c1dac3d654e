// How do node tasks and an executor meet? The types the shared graph walk hands to each executor's step runner.
import type { Tokens } from "../executors/records.ts";
import type { CompiledNode } from "./compiled.ts";
import type { LlmProvider, LlmSettings } from "./provider.ts";
import type { SandboxOptions, ScriptClock } from "./sandbox.ts";

/** What one node (or one map item) produced. */
export interface NodeOutcome {
  output: unknown;
  /** What the node actually worked on (rendered prompt, request, script scope summary): the step's `input`. */
  input: unknown;
  tokens: Tokens | null;
  /** null when the catalog has no price for the model (legacy profile). */
  costUsd: number | null;
  model: string | null;
  settings?: LlmSettings;
  /** True for calls that change the world (non-GET http): a shadow replays the primary's result instead. */
  sideEffecting?: boolean;
}

/** What node tasks may touch outside the sandbox: the provider, the network (allow-listed) and secrets. */
export interface NodeEnv {
  provider: LlmProvider;
  http: HttpPolicy;
  /** Returns a secret's value by name, or undefined when it is not configured. */
  secret(name: string): string | undefined;
  signal?: AbortSignal;
  /**
   * Set on shadow runs only: the primary's outputs of side-effecting nodes by node id. A side-effecting
   * node never executes when this is set; it replays its entry, or fails SIDE_EFFECT_SUPPRESSED.
   */
  sideEffectOutputs?: Readonly<Record<string, unknown>>;
  /** Limits for transform, branch and map scripts; the sandbox defaults (1 s, 32 MiB) when absent. */
  sandbox?: SandboxOptions;
  /**
   * The run's id and start time, which make scripts' Math.random (seeded per run, node and map item)
   * and Date (fixed at the start) the same on both executors and on every replay. Absent: seeded by
   * node alone, and the clock read at each call.
   */
  script?: ScriptClock;
}

export interface HttpPolicy {
  /** Hostnames http nodes may call (exact, or "*.example.com" for subdomains). */
  allowHosts: readonly string[];
  timeoutMs: number;
  maxResponseBytes: number;
  /** The fetch to use; globalThis.fetch when absent (msw intercepts it in tests). */
  fetch?: typeof fetch;
}

/**
 * The executor's side of the walk: how a node's work becomes a recorded (Convex) or durable (Inngest)
 * step. The walk decides what runs, when, and with which scope; the executor decides how a step is kept.
 */
export interface StepRunner {
  /**
   * Runs `work` as the step named `label` (`node-<id>-<type>`, `node-<id>-map-<i>`, or a chunk of a big
   * map's items `node-<id>-map-<first>-<last>`) and returns its
   * outcome. Throwing fails the node and, with it, the run.
   */
  runStep(label: string, node: CompiledNode, work: () => Promise<NodeOutcome>): Promise<NodeOutcome>;
  /** Records that `node` was skipped (its incoming edges are all inactive). */
  skipStep(label: string, node: CompiledNode): Promise<void>;
}
