// Does every case still do what it did? The regression runner: each case on each executor, expectations, parity, goldens.
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import pLimit from "p-limit";
import type { Executor } from "../executors/executor.ts";
import { createExecutor } from "../executors/factory.ts";
import type { ExecutorName, RunRecord } from "../executors/records.ts";
import { compare } from "../parity/compare.ts";
import { DEFAULT_POLICY } from "../parity/policy.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { defaultRunInput } from "../workflow/legacy/input-task.ts";
import { secretVariables } from "../workflow/secrets.ts";
import {
  CorpusError,
  type Expectation,
  type RegressCase,
  type RunExpectation,
  readCorpus,
} from "./corpus.ts";
import { checkRun, GOLDEN_KEYS, goldensOf, type Observed } from "./expect.ts";
import { CassetteAnswers, readHttpCassette } from "./http-cassette.ts";
import {
  newTraffic,
  type OpenAiPlan,
  orphanRequests,
  startMock,
  stopMock,
  withTraffic,
} from "./mock-http.ts";
import { expectationText, lineDiff } from "./update.ts";

export interface RegressOptions {
  /** The corpus folder (one folder per case). */
  dir: string;
  executors: readonly ExecutorName[];
  /** Case-name globs; every case when empty. */
  globs?: readonly string[];
  /** Rewrite goldens from this run (expect.json), reporting what changed. */
  update?: boolean;
  /** Cases in flight at once. */
  concurrency?: number;
  /** The OpenAI client's deadline in the mocked runs (a "timeout" fault is held past it). */
  openAiTimeoutMs?: number;
  /** Called once the corpus is read, with the number of cases about to run. */
  onStart?: (cases: number) => void;
  /** Called as each case starts and ends, for progress. */
  onCase?: (event: { kind: "start" | "end"; name: string; results?: CaseResult[] }) => void;
}

/** One case on one executor: the JUnit testcase and the summary row. */
export interface CaseResult {
  case: string;
  executor: ExecutorName;
  ok: boolean;
  /** Why it failed, one line each, the first the most telling; empty when it passed. */
  reasons: string[];
  durationMs: number;
  runs: number;
}

export interface GoldenChange {
  file: string;
  diff: string;
}

export interface RegressReport {
  ok: boolean;
  dir: string;
  executors: ExecutorName[];
  cases: number;
  results: CaseResult[];
  updated: GoldenChange[];
  durationMs: number;
}

const WAIT_MS = 120_000;

/** Throws CorpusError for a case whose cassette cannot be read; returns the cassettes by file. */
function loadCassettes(cases: readonly RegressCase[]): Map<string, ReturnType<typeof readHttpCassette>> {
  const out = new Map<string, ReturnType<typeof readHttpCassette>>();
  for (const c of cases) {
    if (c.provider.openai.kind !== "cassette") continue;
    const file = c.provider.openai.file;
    try {
      out.set(file, readHttpCassette(file));
    } catch (err) {
      throw new CorpusError(file, (err as Error).message);
    }
  }
  return out;
}

/** Returns the hosts the corpus's http routes name, for the http nodes' allow-list during the run. */
function routeHosts(cases: readonly RegressCase[]): string[] {
  const hosts = new Set<string>();
  for (const c of cases) {
    for (const r of c.provider.http) {
      try {
        hosts.add(new URL(r.url.replace(/\*$/, "")).hostname);
      } catch {
        throw new CorpusError(
          `${c.dir}/provider.json`,
          `http route url ${JSON.stringify(r.url)} is not a URL`,
        );
      }
    }
  }
  return [...hosts];
}

interface RunOutcome {
  observed: Observed | null;
  reasons: string[];
}

/** Merges the case-wide expectation with run i's own. */
function expectationFor(expect: Expectation, i: number): RunExpectation {
  const { runs, ...common } = expect;
  return { ...common, ...(runs?.[i] ?? {}) };
}

class CaseRunner {
  constructor(
    private readonly executors: Map<ExecutorName, Executor>,
    private readonly cassettes: Map<string, ReturnType<typeof readHttpCassette>>,
    private readonly timeoutMs: number,
  ) {}

  private plan(c: RegressCase): OpenAiPlan {
    const p = c.provider.openai;
    if (p.kind === "cassette")
      return { kind: "cassette", answers: new CassetteAnswers(p.file, this.cassettes.get(p.file)!) };
    if (p.kind === "faults") return { kind: "faults", faults: p.faults };
    return { kind: "fake" };
  }

  /** Runs one input on one executor and returns what it did, or why it could not be checked. */
  async runOne(
    c: RegressCase,
    workflow: CompiledWorkflow,
    workspaceId: string,
    executorName: ExecutorName,
    input: unknown,
    index: number,
    secrets: readonly string[],
  ): Promise<RunOutcome> {
    const executor = this.executors.get(executorName)!;
    const traffic = newTraffic(
      `${c.name}/${executorName}`,
      this.plan(c),
      c.provider.http,
      this.timeoutMs + 1000,
    );
    const runId = `regress-${executorName}-${index}-${randomUUID()}`;
    let record: RunRecord;
    try {
      record = await withTraffic(traffic, async () => {
        await executor.submit({
          runId,
          workspaceId,
          workflow,
          input,
          provider: "openai",
          source: c.document,
        });
        return executor.waitFor(workspaceId, runId, { timeoutMs: WAIT_MS });
      });
    } catch (err) {
      return {
        observed: null,
        reasons: [...traffic.problems, `run did not finish: ${(err as Error).message}`],
      };
    }
    const reasons = [...traffic.problems];
    c.provider.http.forEach((route, i) => {
      if (route.times !== undefined && traffic.routeHits[i] !== route.times) {
        reasons.push(
          `${route.method ?? "any method"} ${route.url} was called ${traffic.routeHits[i]} time${traffic.routeHits[i] === 1 ? "" : "s"}, expected ${route.times}`,
        );
      }
    });
    const text = JSON.stringify(record);
    for (const secret of secrets) {
      if (text.includes(secret))
        reasons.push(`a secret value (${secret.length} characters) appears in the run record`);
    }
    return {
      observed: {
        record,
        calls: traffic.calls,
        profile: workflow.profile === "legacy" ? "legacy" : "dag",
        faults: c.provider.openai.kind === "faults",
      },
      reasons,
    };
  }
}

/**
 * Runs the corpus and returns every case's result per executor. Throws CorpusError (exit 2) before anything
 * runs when a case cannot be read.
 */
export async function runRegress(options: RegressOptions): Promise<RegressReport> {
  const started = Date.now();
  const cases = readCorpus(options.dir, options.globs ?? []);
  if (cases.length === 0) {
    throw new CorpusError(
      options.dir,
      options.globs?.length ? `no case matches ${options.globs.join(", ")}` : "holds no case folder",
    );
  }
  const cassettes = loadCassettes(cases);
  const hosts = routeHosts(cases);
  options.onStart?.(cases.length);
  const timeoutMs = options.openAiTimeoutMs ?? 3000;
  const savedAllow = process.env.CUTOVER_HTTP_ALLOW_HOSTS;
  process.env.CUTOVER_HTTP_ALLOW_HOSTS = [savedAllow ?? "", ...hosts].filter(Boolean).join(",");
  startMock({ timeoutMs });
  const orphansBefore = orphanRequests.length;
  const setSecrets: string[] = [];
  try {
    // Embedded runtimes only: a regression run never reaches a deployment, whatever the environment says.
    const executors = new Map<ExecutorName, Executor>(
      options.executors.map((name) => [name, createExecutor(name, { env: {}, announce: () => {} })]),
    );
    const runner = new CaseRunner(executors, cassettes, timeoutMs);
    const limit = pLimit(Math.max(1, options.concurrency ?? 1));
    const updated: GoldenChange[] = [];
    const perCase = await Promise.all(
      cases.map((c, index) =>
        limit(async () => {
          options.onCase?.({ kind: "start", name: c.name });
          const results = await runCase(c, index, runner, options, updated, setSecrets);
          options.onCase?.({ kind: "end", name: c.name, results });
          return results;
        }),
      ),
    );
    const results = perCase.flat();
    const orphans = orphanRequests.slice(orphansBefore);
    if (orphans.length) {
      for (const r of results) r.reasons.push(`requests outside any run: ${orphans.join("; ")}`);
      for (const r of results) r.ok = false;
    }
    updated.sort((a, b) => a.file.localeCompare(b.file));
    return {
      ok: results.every((r) => r.ok),
      dir: options.dir,
      executors: [...options.executors],
      cases: cases.length,
      results,
      updated,
      durationMs: Date.now() - started,
    };
  } finally {
    stopMock();
    if (savedAllow === undefined) delete process.env.CUTOVER_HTTP_ALLOW_HOSTS;
    else process.env.CUTOVER_HTTP_ALLOW_HOSTS = savedAllow;
    for (const name of setSecrets) delete process.env[name];
  }
}

async function runCase(
  c: RegressCase,
  index: number,
  runner: CaseRunner,
  options: RegressOptions,
  updated: GoldenChange[],
  setSecrets: string[],
): Promise<CaseResult[]> {
  const started = Date.now();
  const names = options.executors;
  const fail = (reason: string): CaseResult[] =>
    names.map((executor) => ({
      case: c.name,
      executor,
      ok: false,
      reasons: [reason],
      durationMs: Date.now() - started,
      runs: 0,
    }));
  const compiled = compileWorkflow(c.document);
  if (!compiled.ok) {
    const e = compiled.errors[0];
    return fail(`workflow.json does not compile: ${e.code} at ${e.path || "(document)"}: ${e.message}`);
  }
  const workflow = compiled.compiled;
  // Each case gets its own workspace, so its secrets are its own (CUTOVER_SECRET_<WORKSPACE>__<NAME>).
  const workspaceId = `regress_${index}`;
  for (const [name, value] of Object.entries(secretVariables(workspaceId, compiled.secretValues))) {
    process.env[name] = value;
    setSecrets.push(name);
  }
  // A recorded case's secrets are already "[REDACTED]", which records show legitimately.
  const secrets = Object.values(compiled.secretValues).filter(
    (v) => v.length >= 6 && !v.includes("[REDACTED]"),
  );
  const inputs = c.inputs ?? [defaultRunInput(workflow)];
  const reasons = new Map<ExecutorName, string[]>(names.map((n) => [n, []]));
  const observedRuns: Map<ExecutorName, Observed>[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const outcomes = await Promise.all(
      names.map((n) => runner.runOne(c, workflow, workspaceId, n, inputs[i], i, secrets)),
    );
    const observed = new Map<ExecutorName, Observed>();
    const tag = inputs.length > 1 ? `input ${i + 1}: ` : "";
    names.forEach((n, k) => {
      reasons.get(n)!.push(...outcomes[k].reasons.map((r) => tag + r));
      if (outcomes[k].observed) observed.set(n, outcomes[k].observed!);
    });
    observedRuns.push(observed);
    const convex = observed.get("convex");
    const inngest = observed.get("inngest");
    if (convex && inngest) {
      const parity = compare(convex.record, inngest.record, c.policy ?? DEFAULT_POLICY, workflow);
      if (parity.verdict === "mismatch") {
        const first =
          parity.findings.find((f) => f.severity === "major" || f.severity === "critical") ??
          parity.findings[0];
        const line = `${tag}parity mismatch between convex and inngest: ${first?.message ?? "no finding"}${first?.path ? ` at ${first.path}` : ""}`;
        for (const n of names) reasons.get(n)!.push(line);
      }
    }
  }
  let expect = c.expect;
  if (options.update) {
    const next = updatedExpectation(c, observedRuns, names);
    if (next) {
      const before = expectationText(c.expect);
      const after = expectationText(next);
      if (before !== after) {
        writeFileSync(c.expectFile, after);
        updated.push({ file: c.expectFile, diff: lineDiff(before, after) });
      }
      expect = next;
    }
  }
  return names.map((n) => {
    const all = reasons.get(n)!;
    const checked: string[] = [];
    observedRuns.forEach((observed, i) => {
      const o = observed.get(n);
      if (!o) return;
      const tag = inputs.length > 1 ? `input ${i + 1}: ` : "";
      checked.push(...checkRun(o, expectationFor(expect, i)).map((r) => tag + r));
    });
    // Expectation failures first: they say what changed; transport problems and parity follow.
    const ordered = [...checked, ...all];
    return {
      case: c.name,
      executor: n,
      ok: ordered.length === 0,
      reasons: ordered,
      durationMs: Date.now() - started,
      runs: inputs.length,
    };
  });
}

/** Returns expect.json rewritten from the runs (the Convex one when both ran), or null when no run finished. */
function updatedExpectation(
  c: RegressCase,
  runs: readonly Map<ExecutorName, Observed>[],
  names: readonly ExecutorName[],
): Expectation | null {
  const source = names.includes("convex") ? "convex" : names[0];
  const observed = runs.map((r) => r.get(source));
  if (observed.some((o) => !o)) return null;
  const { runs: perRun, ...common } = c.expect;
  const wanted = new Set<string>(
    [...Object.keys(common), ...(perRun ?? []).flatMap((r) => Object.keys(r))].filter((k) =>
      (GOLDEN_KEYS as readonly string[]).includes(k),
    ),
  );
  const ignore = common.ignorePaths ?? [];
  if (observed.length === 1) {
    return { ...common, ...goldensOf(observed[0]!, wanted, ignore) };
  }
  const shared = Object.fromEntries(
    Object.entries(common).filter(([k]) => !(GOLDEN_KEYS as readonly string[]).includes(k)),
  );
  return {
    ...shared,
    runs: observed.map((o, i) => {
      const own = perRun?.[i] ?? {};
      const thresholds = Object.fromEntries(
        Object.entries(own).filter(([k]) => !(GOLDEN_KEYS as readonly string[]).includes(k)),
      );
      return { ...thresholds, ...goldensOf(o!, wanted, own.ignorePaths ?? ignore) };
    }),
  };
}
