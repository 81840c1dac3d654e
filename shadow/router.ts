// Which executor answers this run, and does the other one shadow it? The router: flag lookup, primary dispatch, isolated shadow.
import type { Executor, RunRequest } from "../executors/executor.ts";
import { RunRecord } from "../executors/records.ts";
import { type Route, resolveRoute, storeUnavailableRoute } from "../flags/route.ts";
import type { ExecutorSide } from "../flags/stage.ts";
import { log } from "../lib/log.ts";
import { noisePaths } from "../parity/noise.ts";
import { DEFAULT_POLICY, type ParityPolicy } from "../parity/policy.ts";
import { type ControlStore, type StoredParityResult, utcDay } from "../store/port.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { pairIdFor, shadowRunIdFor } from "./pair-id.ts";
import type { PoolLease, ShadowPool } from "./pool.ts";
import { cassetteFromPrimary } from "./primary-cassette.ts";
import { abandonedResult } from "./reaper.ts";
import { type PairContext, reconcile, type ShadowEnd } from "./reconcile.ts";
import { isSampled } from "./sampling.ts";

/** One run as a trigger (HTTP, cron, internal, CLI) hands it to the router. */
export interface RunTrigger {
  runId: string;
  workspaceId: string;
  workflow: CompiledWorkflow;
  input: unknown;
  trigger: "http" | "cron" | "internal" | "cli";
  /** The provider spec of the primary run (the shadow's follows from the flag's shadow provider mode). */
  provider: string;
  /** The clock both runs' scripts read (RunRequest.clockMs); dispatch sets it to the dispatch time when absent. */
  clockMs?: number;
}

/** What happened to the shadow side of one dispatch. */
export type ShadowDecision =
  | "none" // the stage has no shadow (convex or inngest only, kill switch, legacy removed)
  | "sampled-out"
  | "scheduled"; // the shadow follows once the primary finishes (it may still be dropped or over budget)

export interface Dispatch {
  runId: string;
  primary: ExecutorSide;
  route: Route;
  /** The clock the primary's scripts read: a follow-up started elsewhere passes it on to the shadow. */
  clockMs: number;
  shadow: ShadowDecision;
  /** Present when a shadow was scheduled: results are stored under it. */
  pairId: string | null;
  /** Resolves when the pair is settled: its stored result, or null when no result was stored (dropped, over budget, duplicate). */
  settled: Promise<StoredParityResult | null>;
}

/** Slots shared beyond this process (the store's leases): a follow-up runs its shadow only while holding one. */
export interface ShadowSlots {
  /** Returns true when the pair now holds a slot, false when all are taken. */
  acquire(pairId: string): Promise<boolean>;
  release(pairId: string): Promise<void>;
}

export interface RouterOptions {
  store: ControlStore;
  executors: Record<ExecutorSide, Executor>;
  pool: ShadowPool;
  /**
   * Bounds shadows across processes as well: without a free slot the pair is stored as dropped. Convex
   * runs each follow-up in its own action, whose pool bounds only that action.
   */
  slots?: ShadowSlots;
  /** The provider spec live-mode shadows call; defaults to the primary's provider. */
  liveShadowProvider?: (trigger: RunTrigger) => string;
  /** The comparator policy, less its mode (the mode follows the flag's shadow provider). */
  policy?: Omit<ParityPolicy, "mode">;
  /**
   * Decides the route instead of the stored flag: `cutover shadow` uses it to pair two executors for one
   * experiment without touching any workflow's flag.
   */
  routeFor?: (trigger: RunTrigger) => Route;
  /**
   * Live-mode pairs only: run the primary a second time first (side effects replayed, never repeated) and
   * treat the paths that differ between the two primaries as noise, which does not count (as Diffy does).
   */
  noiseBaseline?: boolean;
  /**
   * How long a follow-up waits for its primary before giving the pair up as abandoned (15 minutes when
   * absent: past a Convex action's 10).
   */
  primaryWaitMs?: number;
}

/** A follow-up gives up on a primary still running after this long; the reaper's pair deadline is longer. */
export const DEFAULT_PRIMARY_WAIT_MS = 15 * 60_000;

export interface RouterCounts {
  dispatched: number;
  sampledOut: number;
  duplicates: number;
  overBudget: number;
  /** Pairs dropped because no shared slot was free. */
  noSlot: number;
  followFailures: number;
  /** Pairs not compared because the shadow's run id already held a run that is not their shadow. */
  impostorShadows: number;
  /** Runs routed to the Convex primary alone because the flag store failed. */
  flagStoreFailures: number;
  /** Follow-ups whose primary did not finish within primaryWaitMs (the pair is stored abandoned). */
  primaryWaitFailures: number;
}

export class Router {
  readonly #options: RouterOptions;
  readonly #log = log("router");
  readonly #counts: RouterCounts = {
    dispatched: 0,
    sampledOut: 0,
    duplicates: 0,
    overBudget: 0,
    noSlot: 0,
    followFailures: 0,
    impostorShadows: 0,
    flagStoreFailures: 0,
    primaryWaitFailures: 0,
  };

  constructor(options: RouterOptions) {
    this.#options = options;
  }

  /**
   * Submits the run to the primary executor the flag names and returns as soon as the primary accepted it.
   * The shadow, when sampled, follows in the background after the primary finishes: nothing it does is
   * awaited here, so it cannot change the primary's result or add to its latency. With `follow: false`
   * nothing follows in this process: the caller runs `followShadow` later (Convex schedules it as its own
   * action, so the follow-up outlives the request that started the run).
   */
  async dispatch(given: RunTrigger, options: { follow?: boolean } = {}): Promise<Dispatch> {
    const { executors, routeFor } = this.#options;
    // Both runs of a pair read one clock in their scripts: the time the primary was dispatched.
    const trigger: RunTrigger = { ...given, clockMs: given.clockMs ?? Date.now() };
    const route = routeFor ? routeFor(trigger) : await this.#routeOrFallback(trigger);
    const primary = executors[route.primary];
    await primary.submit({
      runId: trigger.runId,
      workspaceId: trigger.workspaceId,
      workflow: trigger.workflow,
      input: trigger.input,
      provider: trigger.provider,
      clockMs: trigger.clockMs,
    });
    this.#counts.dispatched++;
    const base = { runId: trigger.runId, primary: route.primary, route, clockMs: trigger.clockMs! };
    if (!route.shadow) return { ...base, shadow: "none", pairId: null, settled: Promise.resolve(null) };
    if (!isSampled(trigger.runId, route.samplePct)) {
      this.#counts.sampledOut++;
      return { ...base, shadow: "sampled-out", pairId: null, settled: Promise.resolve(null) };
    }
    const pairId = pairIdFor(trigger.workspaceId, trigger.runId);
    // The follow-up starts on a later turn of the event loop, so none of its work (store writes, cassette
    // files) ever runs inside the caller's request.
    const settled =
      options.follow === false
        ? Promise.resolve(null)
        : new Promise<void>((next) => setImmediate(next)).then(() => this.followShadow(trigger, route));
    return { ...base, shadow: "scheduled", pairId, settled };
  }

  /**
   * Runs the shadow side of an already-dispatched run whose route has a sampled shadow: waits for the
   * primary, runs the shadow and stores the pair's result. Returns the stored result, or null when none was
   * stored (dropped, over budget, a duplicate, or the follow-up failed — never thrown: the primary is unaffected).
   */
  followShadow(trigger: RunTrigger, route: Route): Promise<StoredParityResult | null> {
    const pairId = pairIdFor(trigger.workspaceId, trigger.runId);
    if (!route.shadow) return Promise.resolve(null);
    return this.#follow(trigger, route, pairId).catch((err) => {
      this.#counts.followFailures++;
      this.#log.warn({ pairId, err }, "shadow follow-up failed; the primary is unaffected");
      return null;
    });
  }

  /**
   * Returns the flag's route, or, when the store cannot be read, the Convex primary alone with no shadow
   * (counted in flagStoreFailures): a failing flag store never fails or delays the caller's run.
   */
  async #routeOrFallback(trigger: RunTrigger): Promise<Route> {
    try {
      return await this.#routeFromFlag(trigger);
    } catch (err) {
      this.#counts.flagStoreFailures++;
      this.#log.warn(
        { runId: trigger.runId, err },
        "flag store failed; the run goes to the Convex primary with no shadow",
      );
      return storeUnavailableRoute();
    }
  }

  async #routeFromFlag(trigger: RunTrigger): Promise<Route> {
    const { store } = this.#options;
    const [flag, globals] = await Promise.all([
      store.getFlag(trigger.workflow.workflowId),
      store.getGlobals(),
    ]);
    return resolveRoute(flag, globals, trigger.workspaceId);
  }

  /**
   * Marks a pair that will get no result (dropped for capacity, or over the live budget) and counts it in
   * its day's rollup under the flag version that routed it, so reports show how much went unsampled.
   */
  async #uncovered(
    trigger: RunTrigger,
    route: Route,
    pairId: string,
    why: "dropped" | "over-budget",
  ): Promise<void> {
    const { store } = this.#options;
    await store.updatePair(pairId, trigger.workspaceId, {
      status: why === "dropped" ? "dropped" : "budget-exhausted",
    });
    await store.countUncoveredPair(
      {
        workspaceId: trigger.workspaceId,
        workflowId: trigger.workflow.workflowId,
        day: utcDay(),
        flagVersion: route.flagVersion,
      },
      why,
    );
  }

  /** Returns the router's counters together with the shadow pool's. */
  counts(): RouterCounts & { pool: ReturnType<ShadowPool["counts"]> } {
    return { ...this.#counts, pool: this.#options.pool.counts() };
  }

  async #follow(trigger: RunTrigger, route: Route, pairId: string): Promise<StoredParityResult | null> {
    const { store, executors } = this.#options;
    const { workspaceId, runId, workflow } = trigger;
    const opened = {
      pairId,
      workspaceId,
      workflowId: workflow.workflowId,
      primaryRunId: runId,
      shadowRunId: null,
      status: "waiting-for-primary",
      createdAt: new Date().toISOString(),
    };
    const created = await store.putPair(opened);
    if (!created.created) {
      this.#counts.duplicates++;
      return null; // the same runId submitted again: one pair only
    }
    // The wait for the primary holds a pool slot, like the shadow it leads to: a burst of follow-ups
    // waits at most maxConcurrent at a time, and the overflow is dropped (and counted) at once.
    const lease = this.#options.pool.reserve();
    if (!lease) {
      await this.#uncovered(trigger, route, pairId, "dropped");
      return null;
    }
    let primaryRecord: RunRecord;
    try {
      primaryRecord = RunRecord.parse(
        await executors[route.primary].waitFor(workspaceId, runId, {
          timeoutMs: this.#options.primaryWaitMs ?? DEFAULT_PRIMARY_WAIT_MS,
        }),
      );
    } catch (err) {
      lease.release();
      this.#counts.primaryWaitFailures++;
      // Counted as the reaper counts a pair a crash left behind: abandoned, with its result.
      const waitMs = this.#options.primaryWaitMs ?? DEFAULT_PRIMARY_WAIT_MS;
      await store
        .putResult(
          abandonedResult(
            opened,
            waitMs,
            new Date(),
            `its primary ${runId} did not finish within ${waitMs} ms (${errorText(err)})`,
          ),
        )
        .then(() => store.updatePair(pairId, workspaceId, { status: "abandoned" }))
        .catch(() => undefined);
      throw err;
    }
    const { slots } = this.#options;
    if (!slots) return this.#runShadow(trigger, route, pairId, primaryRecord, lease);
    if (!(await slots.acquire(pairId).catch(() => false))) {
      lease.release();
      this.#counts.noSlot++;
      this.#log.warn({ pairId }, "no shadow slot free; the pair is dropped");
      await this.#uncovered(trigger, route, pairId, "dropped");
      return null;
    }
    try {
      return await this.#runShadow(trigger, route, pairId, primaryRecord, lease);
    } finally {
      // A release that fails leaves the lease to expire; it must not turn a stored result into a failure.
      await slots.release(pairId).catch((err) => {
        this.#log.warn({ pairId, err }, "shadow slot release failed; its lease will expire");
      });
    }
  }

  async #runShadow(
    trigger: RunTrigger,
    route: Route,
    pairId: string,
    primaryRecord: RunRecord,
    lease: PoolLease,
  ): Promise<StoredParityResult | null> {
    const { store, executors, pool } = this.#options;
    const { workspaceId, runId, workflow } = trigger;

    // Everything from here on is shadow-side work, so it runs inside the bounded pool: under a burst the
    // overflow is dropped before it builds the replay answers or spends budget, never queued.
    const shadow = executors[route.shadow!];
    const shadowRunId = shadowRunIdFor(runId);
    const pair: PairContext = {
      pairId,
      workspaceId,
      workflow,
      route,
      policy: { ...DEFAULT_POLICY, ...this.#options.policy, mode: route.shadowProvider },
    };
    const baseline = this.#options.noiseBaseline && route.shadowProvider === "live";
    type ShadowRun = { overBudget: true } | { record: unknown; noise: string[] };
    const runShadow = async (signal: AbortSignal): Promise<ShadowRun> => {
      if (route.shadowProvider === "live") {
        const spent = await store.getShadowSpend(workflow.workflowId, utcDay(), workspaceId);
        if (spent >= route.dailyBudgetUsd) return { overBudget: true };
      }
      const request: RunRequest = {
        runId: shadowRunId,
        workspaceId,
        workflow,
        input: trigger.input,
        shadow: { pairId, of: runId },
        provider:
          route.shadowProvider === "live"
            ? (this.#options.liveShadowProvider?.(trigger) ?? trigger.provider)
            : trigger.provider,
        ...(route.shadowProvider === "replay" ? { replay: cassetteFromPrimary(primaryRecord) } : {}),
        sideEffectOutputs: sideEffectOutputs(workflow, primaryRecord),
        // The primary's clock, so both runs' scripts see the same Date (a trigger from an older follow-up has none).
        ...(trigger.clockMs !== undefined && { clockMs: trigger.clockMs }),
      };
      let noise: string[] = [];
      if (baseline) {
        const again = await rerunPrimary(
          executors[route.primary],
          { ...request, provider: trigger.provider },
          primaryRecord,
          signal,
        );
        noise = noisePaths(primaryRecord, again);
      }
      await shadow.submit(request);
      return { record: await shadow.waitFor(workspaceId, shadowRunId, { signal }), noise };
    };

    return new Promise<StoredParityResult | null>((resolve, reject) => {
      const accepted = pool.offer(
        runShadow,
        async (outcome) => {
          let end: ShadowEnd;
          let compared = pair;
          if (outcome.kind === "done") {
            if (!("record" in outcome.value)) {
              this.#counts.overBudget++;
              await this.#uncovered(trigger, route, pairId, "over-budget").then(() => resolve(null), reject);
              return;
            }
            const { record, noise } = outcome.value;
            const parsed = RunRecord.safeParse(record);
            // Submits are idempotent on runId: a run already under the shadow's id that is not this pair's
            // shadow (someone else made it) is never compared as if it were.
            if (
              parsed.success &&
              (parsed.data.shadow?.pairId !== pairId || parsed.data.shadow?.of !== runId)
            ) {
              this.#counts.impostorShadows++;
              this.#log.warn(
                { pairId, shadowRunId },
                "the shadow's run id holds another run; the pair is not compared",
              );
              await store
                .updatePair(pairId, workspaceId, { status: "shadow-id-taken" })
                .then(() => resolve(null), reject);
              return;
            }
            end = parsed.success
              ? { kind: "record", record: parsed.data }
              : {
                  kind: "broken",
                  shadowRunId,
                  error: `invalid RunRecord (${parsed.error.issues[0]?.message})`,
                };
            if (noise.length > 0) {
              compared = {
                ...pair,
                policy: { ...pair.policy, noisePaths: [...pair.policy.noisePaths, ...noise] },
              };
            }
          } else if (outcome.kind === "timeout") {
            end = { kind: "timeout", deadlineMs: outcome.deadlineMs, shadowRunId };
            await shadow.cancel(workspaceId, shadowRunId).catch(() => undefined);
          } else {
            end = { kind: "broken", shadowRunId, error: errorText(outcome.error) };
          }
          if (end.kind === "record" && route.shadowProvider === "live") {
            await store.addShadowSpend(workflow.workflowId, utcDay(), end.record.costUsd ?? 0, workspaceId);
          }
          await reconcile(store, compared, primaryRecord, end).then(resolve, reject);
        },
        lease,
      );
      if (!accepted) {
        this.#uncovered(trigger, route, pairId, "dropped").then(() => resolve(null), reject);
      }
    });
  }
}

/**
 * Returns the record of a second primary run of the same input, isolated like a shadow (side effects
 * replayed); `request` is the shadow's request with the primary's provider.
 */
async function rerunPrimary(
  executor: Executor,
  request: RunRequest,
  primary: RunRecord,
  signal: AbortSignal,
): Promise<RunRecord> {
  const runId = `${primary.runId}~noise`;
  await executor.submit({ ...request, runId });
  return RunRecord.parse(await executor.waitFor(primary.workspaceId, runId, { signal }));
}

export { pairIdFor, shadowRunIdFor } from "./pair-id.ts";

/** Returns the primary's outputs of side-effecting nodes, which the shadow replays instead of executing. */
export function sideEffectOutputs(workflow: CompiledWorkflow, primary: RunRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const node of workflow.topologicallySortedNodes) {
    if (node.type !== "http" || !("sideEffecting" in node.config) || !node.config.sideEffecting) continue;
    const step = primary.steps.find((s) => s.name === node.label && s.status === "completed");
    if (step) out[node.id] = step.output;
  }
  return out;
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
