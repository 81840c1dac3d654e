// Do the two executors agree on this workflow and input? `cutover shadow`: one-off pairs on the embedded defaults.
import { randomUUID } from "node:crypto";
import { type Command, Option } from "commander";
import type { Executor } from "../executors/executor.ts";
import { createExecutor } from "../executors/factory.ts";
import type { RunRecord } from "../executors/records.ts";
import type { Route } from "../flags/route.ts";
import type { ExecutorSide } from "../flags/stage.ts";
import type { ParityResult } from "../parity/compare.ts";
import { parsePolicy } from "../parity/policy.ts";
import { ShadowPool } from "../shadow/pool.ts";
import { Router } from "../shadow/router.ts";
import type { ControlStore, StoredParityResult } from "../store/port.ts";
import { EXIT, UsageError } from "./exit.ts";
import { printJson, readJsonFile } from "./io.ts";
import { count, EXIT_INTERRUPTED, interruptedLine, onInterrupt, startProgress } from "./progress.ts";
import { type PreparedRun, prepareRun } from "./run.ts";
import { withStore } from "./store.ts";
import { explicitOption, resolveWorkflowArgument } from "./workflow-source.ts";

export interface ShadowCommandOptions {
  input?: string;
  inputFile?: string;
  primary: ExecutorSide;
  provider: string;
  shadowProvider: "replay" | "live";
  workspace: string;
  count: string;
  policy?: string;
  deadline: string;
  noiseBaseline?: boolean;
  json?: boolean;
}

/** One pair as `cutover shadow --json` prints it. */
export interface ShadowPairOutput {
  primary: RunRecord;
  shadow: RunRecord | null;
  parity: Pick<ParityResult, "verdict" | "findings" | "summary"> | StoredParityResult | null;
}

/** Returns a route pairing `primary` with the other executor on every run (no flag is read or written). */
export function experimentRoute(primary: ExecutorSide, shadowProvider: "replay" | "live"): Route {
  return {
    primary,
    shadow: primary === "convex" ? "inngest" : "convex",
    stage: primary === "convex" ? "shadow" : "live",
    samplePct: 100,
    shadowProvider,
    dailyBudgetUsd: Number.POSITIVE_INFINITY,
    flagVersion: 0,
    reason: "experiment",
  };
}

/**
 * Runs `count` pairs of the prepared workflow through the router with both executors embedded, stores
 * them like any shadow pair, and returns each pair's records and parity.
 */
export async function runShadowPairs(
  store: ControlStore,
  prepared: PreparedRun,
  options: {
    primary: ExecutorSide;
    provider: string;
    shadowProvider: "replay" | "live";
    workspaceId: string;
    count: number;
    deadlineMs: number;
    policy?: ReturnType<typeof parsePolicy>;
    liveShadowProvider?: string;
    runIdPrefix?: string;
    /** Live mode: run the primary twice and do not count what differs between the two. */
    noiseBaseline?: boolean;
    /** The two executors; the embedded defaults (or what the environment names) when absent. */
    executors?: Record<ExecutorSide, Executor>;
    /** Called as each pair starts, and once it is stored (progress). */
    onStart?: (runId: string) => void;
    onPair?: (pair: ShadowPairOutput) => void;
    /** Asked before each pair: true starts no more (Ctrl-C); the pairs so far are returned. */
    stop?: () => boolean;
  },
): Promise<ShadowPairOutput[]> {
  // The http allow-list is CUTOVER_HTTP_ALLOW_HOSTS, read by each executor where it runs.
  const executorOptions = { secrets: prepared.secretValues, secretsWorkspace: options.workspaceId };
  const executors = options.executors ?? {
    convex: createExecutor("convex", executorOptions),
    inngest: createExecutor("inngest", executorOptions),
  };
  const router = new Router({
    store,
    executors,
    pool: new ShadowPool({ maxConcurrent: 4, deadlineMs: options.deadlineMs }),
    routeFor: () => experimentRoute(options.primary, options.shadowProvider),
    noiseBaseline: options.noiseBaseline ?? false,
    ...(options.liveShadowProvider ? { liveShadowProvider: () => options.liveShadowProvider! } : {}),
    ...(options.policy ? { policy: options.policy } : {}),
  });
  const out: ShadowPairOutput[] = [];
  const prefix = options.runIdPrefix ?? `cli_${randomUUID().slice(0, 8)}`;
  for (let i = 0; i < options.count && !options.stop?.(); i++) {
    const runId = `${prefix}_${i}`;
    options.onStart?.(runId);
    const dispatch = await router.dispatch({
      runId,
      workspaceId: options.workspaceId,
      workflow: prepared.workflow,
      input: prepared.input,
      trigger: "cli",
      provider: options.provider,
    });
    const stored = await dispatch.settled;
    const primary = await executors[options.primary].waitFor(options.workspaceId, runId);
    const records = dispatch.pairId ? await store.getRunRecords(dispatch.pairId, options.workspaceId) : null;
    const pair = { primary, shadow: records?.shadow ?? null, parity: stored };
    out.push(pair);
    options.onPair?.(pair);
  }
  return out;
}

/** Returns the final tally of a batch of pairs: how many, and how many of each verdict. */
export function tally(pairs: readonly ShadowPairOutput[]): string {
  const by = new Map<string, number>();
  for (const p of pairs) {
    const verdict = p.parity?.verdict ?? "no result";
    by.set(verdict, (by.get(verdict) ?? 0) + 1);
  }
  const parts = [...by].map(([verdict, n]) => `${n} ${verdict}`);
  return `${count(pairs.length, "pair")}: ${parts.join(", ") || "none run"}`;
}

/** Returns the readable lines for one pair: verdict, then the findings that count, then a count of info ones. */
export function describePair(pair: ShadowPairOutput): string {
  const parity = pair.parity;
  const head = `${pair.primary.runId}: primary ${pair.primary.executor} ${pair.primary.status}, shadow ${
    pair.shadow ? `${pair.shadow.executor} ${pair.shadow.status}` : "none"
  } → ${parity?.verdict ?? "no result"}`;
  if (!parity) return head;
  const findings = parity.findings as {
    severity: string;
    category: string;
    nodeId?: string;
    path?: string;
    message: string;
  }[];
  const counted = findings.filter((f) => f.severity !== "info");
  const lines = counted.map(
    (f) =>
      `  ${f.severity.padEnd(8)} ${f.category.padEnd(8)} ${f.nodeId ? `[${f.nodeId}] ` : ""}${f.message}${f.path ? ` (${f.path})` : ""}`,
  );
  const info = findings.length - counted.length;
  if (info > 0) lines.push(`  (${info} info finding${info === 1 ? "" : "s"}: timings, attempts, latency)`);
  return [head, ...lines].join("\n");
}

export function registerShadow(program: Command): void {
  program
    .command("shadow")
    .description("run a workflow on both executors (embedded defaults) and compare each pair")
    .argument("<workflow.json>", "builder-format workflow file (- reads stdin)")
    .option("--input <json>", "run input as JSON text")
    .option("--input-file <path>", "run input from a JSON file (- reads stdin)")
    .addOption(
      new Option("--primary <executor>", "which executor answers")
        .choices(["convex", "inngest"])
        .default("convex"),
    )
    .option("--provider <spec>", "the primary's LLM provider: mock, openai, replay:<cassette>", "mock")
    .addOption(
      new Option("--shadow-provider <mode>", "replay the primary's LLM answers, or call the provider live")
        .choices(["replay", "live"])
        .default("replay"),
    )
    .option(
      "--workspace <id>",
      "workspace the runs belong to (an imported workflow's own when not given)",
      "default",
    )
    .option("--count <n>", "how many pairs to run", "1")
    .option("--policy <file>", "comparator policy (JSON)")
    .option("--deadline <ms>", "the shadow's deadline", "60000")
    .option(
      "--noise-baseline",
      "with --shadow-provider live: run the primary twice; paths differing between the two do not count",
    )
    .option("--json", "print { primary, shadow, parity } (an array with --count > 1)")
    .action(async (workflowPath: string, opts: ShadowCommandOptions, cmd: Command) => {
      const count = Number(opts.count);
      if (!Number.isInteger(count) || count < 1 || count > 1000) {
        throw new UsageError(`--count must be a whole number from 1 to 1000, got "${opts.count}"`);
      }
      const deadlineMs = Number(opts.deadline);
      if (!Number.isInteger(deadlineMs) || deadlineMs <= 0) {
        throw new UsageError(
          `--deadline must be a positive whole number of milliseconds, got "${opts.deadline}"`,
        );
      }
      let policy: ReturnType<typeof parsePolicy> | undefined;
      if (opts.policy) {
        try {
          policy = parsePolicy(readJsonFile(opts.policy, "policy"));
        } catch (err) {
          if (err instanceof UsageError) throw err;
          throw new UsageError(`policy ${opts.policy} is invalid: ${(err as Error).message}`);
        }
      }
      // Not a file: the id of an imported workflow, whose pairs then run in its own workspace.
      const imported = await resolveWorkflowArgument(workflowPath, {
        workspace: explicitOption(cmd, "workspace"),
      });
      if (imported) opts.workspace = imported.workspaceId;
      const prepared = prepareRun(workflowPath, { ...opts, executor: opts.primary }, imported ?? undefined);
      // Each pair as it is stored (a bar on a terminal); Ctrl-C stops after the pair in flight.
      const progress = startProgress("shadow", count, "pairs");
      let started = 0;
      let stored = 0;
      const interrupt = onInterrupt(progress, () => interruptedLine(stored, started, count));
      let pairs: ShadowPairOutput[];
      try {
        pairs = await withStore((store) =>
          runShadowPairs(store, prepared, {
            primary: opts.primary,
            provider: opts.provider,
            shadowProvider: opts.shadowProvider,
            workspaceId: opts.workspace,
            count,
            deadlineMs,
            noiseBaseline: opts.noiseBaseline ?? false,
            ...(policy ? { policy } : {}),
            onStart: () => {
              started++;
            },
            onPair: (pair) => {
              if (pair.parity) stored++;
              if (!opts.json) progress.line(describePair(pair));
              progress.tick(`${pair.primary.runId} ${pair.parity?.verdict ?? "no result"}`);
            },
            stop: () => interrupt.requested,
          }),
        );
      } finally {
        progress.stop();
        interrupt.dispose();
      }
      if (opts.json) printJson(count === 1 && pairs.length === 1 ? pairs[0] : pairs);
      else if (pairs.length > 1 || interrupt.requested) process.stdout.write(`${tally(pairs)}\n`);
      if (interrupt.requested) {
        process.stderr.write(`cutover: ${interruptedLine(stored, started, count)}\n`);
        process.exitCode = EXIT_INTERRUPTED;
        return;
      }
      const anyMismatch = pairs.some(
        (p) => !p.parity || p.parity.verdict === "mismatch" || p.parity.verdict === "shadow-timeout",
      );
      process.exitCode = anyMismatch ? EXIT.negative : EXIT.ok;
    });
}
