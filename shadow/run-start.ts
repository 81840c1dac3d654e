// What happens when production starts a run? Load and check the workflow and input, dispatch through the Router, schedule the shadow follow-up.
import { randomUUID } from "node:crypto";
import { internal } from "../convex/_generated/api.js";
import type { ActionCtx } from "../convex/_generated/server.js";
import { ConvexExecutor } from "../executors/convex/executor.ts";
import type { Executor } from "../executors/executor.ts";
import { createInngestExecutor, usesRemoteInngest } from "../executors/inngest/backend.ts";
import { ConvexRunIndex } from "../executors/inngest/convex-index.ts";
import type { Route } from "../flags/route.ts";
import type { ExecutorSide } from "../flags/stage.ts";
import { log } from "../lib/log.ts";
import { convexStore } from "../store/convex.ts";
import type { StoredParityResult } from "../store/port.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { ErrorCode, NodeError } from "../workflow/errors.ts";
import { prepareInput } from "../workflow/input.ts";
import { defaultRunInput } from "../workflow/legacy/input-task.ts";
import { actionBackend } from "./action-backend.ts";
import { ShadowPool } from "./pool.ts";
import { Router, type RunTrigger, type ShadowDecision } from "./router.ts";

/** What a trigger (HTTP, cron, internal) asks for. */
export interface StartArgs {
  workspaceId: string;
  workflowId: string;
  /** The caller's run id (a retry with the same id starts nothing new); generated when absent. */
  runId?: string;
  /** The run input as JSON text. */
  inputJson: string;
  trigger: "http" | "cron" | "internal";
  /** The primary's provider spec; CUTOVER_RUN_PROVIDER, else "openai", when absent. */
  provider?: string;
}

export type StartRefusal = "WORKFLOW_NOT_FOUND" | "WORKFLOW_INVALID" | "INPUT_INVALID";

export type StartOutcome =
  | { ok: true; runId: string; executor: ExecutorSide; shadow: ShadowDecision; pairId: string | null }
  | { ok: false; code: StartRefusal; message: string };

/** What the scheduled follow-up needs to run a dispatched run's shadow. */
export interface FollowArgs {
  workspaceId: string;
  runId: string;
  trigger: StartArgs["trigger"];
  provider: string;
  /** The compiled workflow the primary ran (JSON text). */
  workflowJson: string;
  inputJson: string;
  /** The route the dispatch decided (JSON text), so the follow-up pairs the same two executors. */
  routeJson: string;
  /** The clock the primary's scripts read, for the shadow's (RunRequest.clockMs). */
  clockMs?: number;
}

const RUN_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Returns the start's outcome: the primary accepted the run (and a shadow follow-up is scheduled when
 * sampled), or why not. A runId the workspace already started is answered from that start (its shadow
 * shows as "scheduled" once the follow-up has opened the pair, "none" before).
 */
export async function startRun(ctx: ActionCtx, args: StartArgs): Promise<StartOutcome> {
  if (args.runId !== undefined && !RUN_ID.test(args.runId)) {
    return refuse("INPUT_INVALID", "runId must be 1–128 letters, digits, _ or -");
  }
  const source = await ctx.runQuery(internal.cutover.triggers.workflowSource, {
    workspaceId: args.workspaceId,
    workflowId: args.workflowId,
  });
  if (!source) {
    return refuse(
      "WORKFLOW_NOT_FOUND",
      `workspace ${args.workspaceId} has no workflow ${JSON.stringify(args.workflowId)}`,
    );
  }
  const workflow = compiledFrom(source, args.workflowId);
  if (!workflow.ok) return refuse("WORKFLOW_INVALID", workflow.message);
  let input: unknown;
  try {
    input = JSON.parse(args.inputJson);
    // A legacy workflow called without input starts from what the builder starts from.
    if (input === null && workflow.compiled.profile === "legacy") input = defaultRunInput(workflow.compiled);
    // The executors apply defaults themselves; this only refuses an input the run would fail on at once.
    prepareInput(workflow.compiled, input);
  } catch (err) {
    if (err instanceof SyntaxError) return refuse("INPUT_INVALID", `input is not JSON: ${err.message}`);
    if (err instanceof NodeError && err.code === ErrorCode.INPUT_INVALID)
      return refuse("INPUT_INVALID", err.message);
    throw err;
  }

  if (args.runId !== undefined) {
    const prior = await ctx.runQuery(internal.cutover.triggers.priorStart, {
      workspaceId: args.workspaceId,
      runId: args.runId,
    });
    if (prior) {
      const shadow: ShadowDecision = prior.pairId ? "scheduled" : "none";
      return { ok: true, runId: args.runId, executor: prior.executor, shadow, pairId: prior.pairId };
    }
  }
  const trigger: RunTrigger = {
    runId: args.runId ?? `run_${randomUUID()}`,
    workspaceId: args.workspaceId,
    workflow: workflow.compiled,
    input,
    trigger: args.trigger,
    provider: args.provider ?? process.env.CUTOVER_RUN_PROVIDER ?? "openai",
  };
  // Run ids are the workspace's own (another tenant's run with the same id is another run), so no
  // start is refused for an id in use elsewhere, and none tells whether one is.
  const dispatched = await routerFor(ctx).dispatch(trigger, { follow: false });
  if (dispatched.shadow === "scheduled") {
    // Its own scheduled action: the follow-up waits for the primary and the shadow, which may take
    // minutes, and must outlive the request that started the run.
    const follow: FollowArgs = {
      workspaceId: trigger.workspaceId,
      runId: trigger.runId,
      trigger: args.trigger,
      provider: trigger.provider,
      workflowJson: JSON.stringify(trigger.workflow),
      inputJson: JSON.stringify(input),
      routeJson: JSON.stringify(dispatched.route),
      clockMs: dispatched.clockMs,
    };
    await ctx.scheduler.runAfter(0, internal.cutover.dispatch.followShadow, follow);
  }
  return {
    ok: true,
    runId: trigger.runId,
    executor: dispatched.primary,
    shadow: dispatched.shadow,
    pairId: dispatched.pairId,
  };
}

/** Returns the pair's stored result once the shadow ran and was compared, or null when none was stored. */
export async function followShadow(ctx: ActionCtx, args: FollowArgs): Promise<StoredParityResult | null> {
  const trigger: RunTrigger = {
    runId: args.runId,
    workspaceId: args.workspaceId,
    workflow: JSON.parse(args.workflowJson) as CompiledWorkflow,
    input: JSON.parse(args.inputJson),
    trigger: args.trigger,
    provider: args.provider,
    ...(args.clockMs !== undefined && { clockMs: args.clockMs }),
  };
  return routerFor(ctx).followShadow(trigger, JSON.parse(args.routeJson) as Route);
}

/** A shadow still running after this long is canceled and stored as shadow-timeout (Convex stops actions at 10 minutes). */
function shadowDeadlineMs(): number {
  const ms = Number(process.env.CUTOVER_SHADOW_DEADLINE_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : 240_000;
}

/** Shadows running at once across the deployment; a follow-up finding every slot taken drops its pair. */
function shadowMaxConcurrent(): number {
  const raw = process.env.CUTOVER_SHADOW_MAX_CONCURRENT;
  if (raw === undefined || raw === "") return 16;
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 0) return n;
  log("run-start").warn(
    `CUTOVER_SHADOW_MAX_CONCURRENT=${JSON.stringify(raw)} is not an integer ≥ 0; using 16`,
  );
  return 16;
}

/** The store key whose leases count the deployment's running shadows. */
export const SHADOW_SLOT_KEY = "shadows";

/** Past the deadline, a follow-up still cancels the shadow and stores the result while holding its slot. */
const SLOT_LEASE_MARGIN_MS = 60_000;

function routerFor(ctx: ActionCtx): Router {
  const store = convexStore({ query: ctx.runQuery, mutation: ctx.runMutation });
  const deadlineMs = shadowDeadlineMs();
  const limit = shadowMaxConcurrent();
  return new Router({
    store,
    executors: { convex: new ConvexExecutor({ backend: actionBackend(ctx) }), inngest: inngestExecutor(ctx) },
    // One action follows one pair: the bound per action is one shadow.
    pool: new ShadowPool({ maxConcurrent: 1, deadlineMs }),
    // Each follow-up is its own action, so the deployment-wide bound lives in the store: a lease per shadow,
    // which a crashed action gives back when it expires.
    slots: {
      acquire: (pairId) =>
        store.acquireShadowSlot(SHADOW_SLOT_KEY, limit, deadlineMs + SLOT_LEASE_MARGIN_MS, pairId),
      release: (pairId) => store.releaseShadowSlot(SHADOW_SLOT_KEY, pairId),
    },
  });
}

let embeddedInngest: Executor | undefined;

/**
 * Returns the Inngest executor the environment names. Cloud or a dev server: a new one per action, whose
 * run index is the `inngestRuns` table, so the follow-up action finds a primary the start action sent.
 * The embedded runner keeps its runs in memory, so it is one per process.
 */
function inngestExecutor(ctx: ActionCtx): Executor {
  const announce = (line: string) => log("run-start").info(line);
  if (usesRemoteInngest()) {
    return createInngestExecutor({
      announce,
      index: new ConvexRunIndex({ query: ctx.runQuery, mutation: ctx.runMutation }),
    });
  }
  embeddedInngest ??= createInngestExecutor({ announce });
  return embeddedInngest;
}

/**
 * Returns the workflow a run starts from, compiled here from what the workspace stored (its builder graph,
 * else a version this deployment compiled earlier), under this deployment's CUTOVER_HTTP_ALLOW_HOSTS; or
 * why it does not compile. Never a caller's graph: this is how every public start gets its workflow.
 */
export function compiledFrom(
  source: { kind: "graph" | "compiled"; json: string },
  workflowId: string,
): { ok: true; compiled: CompiledWorkflow } | { ok: false; message: string } {
  if (source.kind === "compiled") return { ok: true, compiled: JSON.parse(source.json) as CompiledWorkflow };
  let graph: unknown;
  try {
    graph = JSON.parse(source.json);
  } catch {
    return { ok: false, message: `the stored graph of workflow ${workflowId} is not JSON` };
  }
  // The URL's id is the workflow's identity (flags are kept by it), whatever the graph calls itself.
  const result = compileWorkflow({ ...(graph as object), id: workflowId });
  if (result.ok) return { ok: true, compiled: result.compiled };
  const first = result.errors
    .slice(0, 3)
    .map((e) => `${e.path}: ${e.message}`)
    .join("; ");
  return { ok: false, message: `workflow ${workflowId} does not compile: ${first}` };
}

function refuse(code: StartRefusal, message: string): StartOutcome {
  return { ok: false, code, message };
}
