// How fast are the operator's reads at production sizes? Storing a result with its rollup, a report over 1,000,000
// results, promote --dry-run over 100,000, status over 1,000 workflows.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promote } from "../cli/promote.ts";
import { statusOf } from "../cli/status.ts";
import { defaultFlagState } from "../flags/flag.ts";
import { PRODUCTION_GATES } from "../gates/config.ts";
import type { StoredParityResult } from "../store/port.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { SqliteRollups } from "../store/sqlite-rollups.ts";
import { type Bench, peakRssMiB, round } from "./measure.ts";

const T0 = Date.parse("2026-10-01T00:00:00.000Z");

/** A result the size and shape the demo stores (3–4 KB): a step-level info finding per node, a few counted ones. */
function result(i: number, workflows: number, flagVersion = 1): StoredParityResult {
  const mismatch = i % 40 === 0;
  const steps = Array.from({ length: 12 }, (_, k) => ({
    category: "latency",
    severity: "info",
    nodeId: `node_${k}`,
    path: `$.steps[?(@.name=='node-node_${k}-llm')].durationMs`,
    message: `step node-node_${k}-llm took ${100 + ((i + k) % 90)} ms on convex, ${110 + ((i * k) % 95)} ms on inngest`,
    primary: 100 + ((i + k) % 90),
    shadow: 110 + ((i * k) % 95),
  }));
  return {
    pairId: `pair-${i}`,
    workflowId: `wf-${i % workflows}`,
    workspaceId: `ws-${i % 3}`,
    verdict: mismatch ? "mismatch" : i % 97 === 0 ? "tolerated" : "match",
    findings: [
      ...(mismatch
        ? [
            {
              category: "output",
              severity: "major",
              nodeId: "extract",
              path: `$.output.items[${i % 3}].name`,
              message: "output differs at $.output.items[0].name",
              primary: "Acme Widget Pro",
              shadow: "Acme Widget",
            },
          ]
        : []),
      ...steps,
    ],
    summary: {
      mode: "replay",
      primary: { runId: `run-${i}`, executor: "convex", status: "completed", durationMs: 800 + (i % 400) },
      shadow: {
        runId: `run-${i}~shadow`,
        executor: "inngest",
        status: i % 250 === 0 ? "failed" : "completed",
        durationMs: 850 + (i % 500),
      },
      latency: { primaryMs: 800 + (i % 400), shadowMs: 850 + (i % 500), ratio: 1.06 },
      tokens: {
        primary: { input: 900, output: 300, total: 1200 },
        shadow: { input: 900, output: 300, total: 1200 },
        delta: { input: 0, output: 0, total: 0 },
      },
      costUsd: { primary: 0.00042, shadow: 0.00042, delta: 0 },
      steps: { compared: 12, missingInShadow: 0, extraInShadow: 0, differing: mismatch ? ["extract"] : [] },
      topPaths: mismatch ? [`$.output.items[${i % 3}].name`] : [],
      noise: 0,
      defaultRules: [],
    },
    flagVersion,
    policy: {
      mode: "replay",
      ignorePaths: [],
      relativeTolerance: 1e-9,
      tokenTolerancePct: 10,
      costTolerancePct: 10,
      noisePaths: [],
    },
    // 30 days of history
    comparedAt: new Date(T0 + (i % 30) * 86_400_000 + (i % 86_000) * 1000).toISOString(),
  };
}

async function fill(path: string, n: number, make: (i: number) => StoredParityResult): Promise<void> {
  const store = openSqliteStore({ path });
  try {
    for (let i = 0; i < n; i += 5000)
      await store.putResults(Array.from({ length: Math.min(5000, n - i) }, (_, k) => make(i + k)));
  } finally {
    await store.close();
  }
}

const cpuMs = (f: NodeJS.CpuUsage) => (f.user + f.system) / 1000;

/** CPU ms per stored result, with the rollup update or without it (the store as it was). */
async function putCost(dir: string, withRollups: boolean): Promise<number> {
  const original = SqliteRollups.prototype.add;
  if (!withRollups) SqliteRollups.prototype.add = () => {};
  try {
    const store = openSqliteStore({ path: join(dir, `put-${withRollups}.db`) });
    for (let i = 0; i < 20_000; i += 5000)
      await store.putResults(Array.from({ length: 5000 }, (_, k) => result(i + k, 20)));
    const before = process.cpuUsage();
    for (let i = 20_000; i < 24_000; i++) await store.putResult(result(i, 20));
    const per = cpuMs(process.cpuUsage(before)) / 4000;
    await store.close();
    return per;
  } finally {
    SqliteRollups.prototype.add = original;
  }
}

const bench: Bench = {
  name: "promotion",
  async run() {
    const dir = mkdtempSync(join(tmpdir(), "cutover-bench-promotion-"));
    try {
      // Storing a result with its rollup update, against storing it without (goal ≤ 2×).
      const plain = await putCost(dir, false);
      const rolled = await putCost(dir, true);

      // promote --dry-run over 100,000 results of one workflow (goal ≤ 1 s).
      const one = join(dir, "one.db");
      await fill(one, 100_000, (i) => result(i, 1, 2));
      const store = openSqliteStore({ path: one });
      await store.compareAndSetFlag({
        workflowId: "wf-0",
        expectedVersion: 0,
        next: { ...defaultFlagState(), stage: "shadow" },
        actor: "bench",
        reason: "bench",
      });
      await store.compareAndSetFlag({
        workflowId: "wf-0",
        expectedVersion: 1,
        next: { ...defaultFlagState(), stage: "shadow", samplePct: 50 },
        actor: "bench",
        reason: "bench",
      });
      let before = process.cpuUsage();
      let t = performance.now();
      const dry = await promote(store, "wf-0", { dryRun: true });
      const promoteCpu = cpuMs(process.cpuUsage(before));
      const promoteWall = performance.now() - t;
      await store.close();

      // status over 1,000 flagged workflows with 20 results each (goal ≤ 2 s).
      const many = join(dir, "many.db");
      await fill(many, 20_000, (i) => result(i, 1000));
      const ms = openSqliteStore({ path: many });
      for (let w = 0; w < 1000; w++)
        await ms.compareAndSetFlag({
          workflowId: `wf-${w}`,
          expectedVersion: 0,
          next: { ...defaultFlagState(), stage: "shadow" },
          actor: "bench",
          reason: "bench",
        });
      before = process.cpuUsage();
      t = performance.now();
      let seen = 0;
      for (const flag of await ms.listFlags())
        if ((await statusOf(ms, flag, PRODUCTION_GATES)).workflowId) seen++;
      const statusCpu = cpuMs(process.cpuUsage(before));
      const statusWall = performance.now() - t;
      await ms.close();

      // report over 1,000,000 results of realistic size, from the rollups, in a process of its own (its RSS is its own).
      const big = join(dir, "big.db");
      t = performance.now();
      await fill(big, 1_000_000, (i) => result(i, 25));
      const fillS = (performance.now() - t) / 1000;
      const script = join(dir, "report.mts");
      writeFileSync(
        script,
        `import { buildReportData } from ${JSON.stringify(join(import.meta.dirname, "..", "reports", "build.ts"))};
import { renderReport } from ${JSON.stringify(join(import.meta.dirname, "..", "reports", "render.ts"))};
import { openSqliteStore } from ${JSON.stringify(join(import.meta.dirname, "..", "store", "sqlite.ts"))};
const store = openSqliteStore({ path: ${JSON.stringify(big)} });
const before = process.cpuUsage(); const t = performance.now();
const data = await buildReportData(store, { now: new Date(${T0 + 31 * 86_400_000}) });
const md = renderReport(data, "md");
const cpu = process.cpuUsage(before);
console.log(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t, pairs: data.totals.pairs, workflows: data.workflows.length, bytes: md.length, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
await store.close();`,
      );
      const report = JSON.parse(
        execFileSync(process.execPath, ["--import", "tsx", script], {
          encoding: "utf8",
          env: { ...process.env, CUTOVER_LOG_LEVEL: "silent" },
        })
          .trim()
          .split("\n")
          .at(-1)!,
      );

      return {
        store_result_cpu_ms_without_rollup: round(plain, 4),
        store_result_cpu_ms_with_rollup: round(rolled, 4),
        store_result_rollup_ratio: round(rolled / plain, 2),
        promote_dry_run_results: 100_000,
        promote_dry_run_cpu_ms: round(promoteCpu, 1),
        promote_dry_run_wall_ms: round(promoteWall, 1),
        promote_dry_run_decision: dry.decision,
        status_workflows: seen,
        status_cpu_ms: round(statusCpu, 1),
        status_wall_ms: round(statusWall, 1),
        report_results: report.pairs,
        report_fill_s: round(fillS, 1),
        report_from_rollups_cpu_ms: round(report.cpuMs, 1),
        report_from_rollups_wall_ms: round(report.wallMs, 1),
        report_workflows: report.workflows,
        report_peak_rss_mib: round(report.peakRssMiB, 1),
        bench_peak_rss_mib: peakRssMiB(),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
