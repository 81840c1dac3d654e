// Does `cutover report` build ReportData from the store, write nightly files compared with the night before, and
// fail CI under a threshold? buildReportData over a real SQLite store, runNightly on consecutive days, the command.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultFlagState } from "../flags/flag.ts";
import { buildReportData } from "../reports/build.ts";
import type { ReportData } from "../reports/report-data.ts";
import type { ControlStore, StoredParityResult } from "../store/port.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { EXIT } from "./exit.ts";
import { runInProcess } from "./in-process.ts";
import { previousReport, registerReport, runNightly } from "./report.ts";

const tmp = mkdtempSync(join(tmpdir(), "cutover-report-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => join(tmp, `${name}${n++}`);

let seq = 0;
function result(
  workflowId: string,
  verdict: StoredParityResult["verdict"],
  comparedAt: string,
  extra: { workspaceId?: string; paths?: string[]; primaryMs?: number; shadowMs?: number } = {},
): StoredParityResult {
  const paths = verdict === "mismatch" ? (extra.paths ?? ["$.output.title"]) : [];
  return {
    pairId: `pair_${seq++}`,
    workflowId,
    workspaceId: extra.workspaceId ?? "default",
    verdict,
    findings: paths.map((path) => ({
      category: "output",
      severity: "major",
      nodeId: "n1",
      path,
      message: "output differs",
      primary: "a",
      shadow: "b",
    })),
    summary: {
      primary: { executor: "convex", durationMs: extra.primaryMs ?? 100 },
      shadow: { executor: "inngest", durationMs: extra.shadowMs ?? 130 },
      latency: { primaryMs: extra.primaryMs ?? 100, shadowMs: extra.shadowMs ?? 130 },
      tokens: { primary: { total: 10 }, shadow: { total: verdict === "mismatch" ? 12 : 10 } },
      costUsd: { primary: 0.001, shadow: 0.001 },
      topPaths: paths,
    },
    flagVersion: 1,
    policy: {},
    comparedAt,
  };
}

async function flag(store: ControlStore, workflowId: string, stage: "shadow" | "live"): Promise<void> {
  const current = await store.getFlag(workflowId);
  await store.compareAndSetFlag({
    workflowId,
    expectedVersion: current?.version ?? 0,
    next: { ...defaultFlagState(), stage, samplePct: 100 },
    actor: "test",
    reason: "test",
  });
}

describe("buildReportData", () => {
  let store: ControlStore;
  beforeEach(() => {
    store = openSqliteStore({ path: ":memory:" });
  });
  afterEach(() => store.close());

  it("folds results per (workspace, workflow) with days, latency, deltas, paths and 'no pairs' rows for flagged workflows", async () => {
    await flag(store, "wf_a", "shadow");
    await flag(store, "wf_idle", "live");
    await store.putResults([
      result("wf_a", "match", "2026-11-28T10:00:00Z"),
      result("wf_a", "mismatch", "2026-11-29T10:00:00Z", { paths: ["$.output.x", "$.output.y"] }),
      result("wf_a", "match", "2026-11-29T11:00:00Z", { primaryMs: 2000, shadowMs: 2500 }),
      result("wf_a", "match", "2026-11-29T12:00:00Z", { workspaceId: "ws_other" }),
      result("wf_old", "match", "2026-11-01T12:00:00Z"),
    ]);
    const data = await buildReportData(store, {
      since: "2026-11-27T00:00:00.000Z",
      now: new Date("2026-11-30T01:00:00Z"),
    });
    expect(data.workflows.map((w) => [w.workflowId, w.workspaceId, w.stage, w.pairs])).toEqual([
      ["wf_a", "default", "shadow", 3],
      ["wf_a", "ws_other", null, 1],
      ["wf_idle", "default", "live", 0],
    ]);
    const a = data.workflows[0];
    expect(a).toMatchObject({
      parityPct: 66.67,
      verdicts: { match: 2, mismatch: 1, tolerated: 0, "shadow-timeout": 0 },
      tokens: { primary: 30, shadow: 32, delta: 2 },
      costUsd: { primary: 0.003, shadow: 0.003, delta: 0 },
      coverage: { compared: 3, dropped: 0, overBudget: 0 },
      findingsByCategory: { output: 2 },
      topPaths: [
        { path: "$.output.x", pairs: 1 },
        { path: "$.output.y", pairs: 1 },
      ],
      daily: [
        { day: "2026-11-27", pairs: 0, parityPct: null },
        { day: "2026-11-28", pairs: 1, parityPct: 100 },
        { day: "2026-11-29", pairs: 2, parityPct: 50 },
        { day: "2026-11-30", pairs: 0, parityPct: null },
      ],
    });
    // 100 % once dropped and over-budget shadows are counted (none here); null while they are not.
    expect([100, null]).toContain(a.coverage.comparedPct);
    expect(a.readiness).toMatchObject({ next: "live", decision: "inconclusive" });
    expect(a.latency.convex.runs).toBe(3);
    // DDSketch quantiles, 1 % relative accuracy: of 130, 130 and 2500 ms the p50 is 130.
    expect(Math.abs(a.latency.inngest.p50Ms! - 130) / 130).toBeLessThan(0.01);
    expect(a.latency.convex.histogram.counts.reduce((x, y) => x + y, 0)).toBe(3);
    expect(a.latency.convex.histogram.upperMs).toEqual(a.latency.inngest.histogram.upperMs);
    // The example is the mismatch; no run records are stored here, so its timelines are empty, not invented.
    expect(a.example).toMatchObject({ verdict: "mismatch", primary: { steps: [] }, shadow: { steps: [] } });
    expect(a.example?.findings.map((f) => f.path)).toEqual(["$.output.x", "$.output.y"]);

    const idle = data.workflows[2];
    expect(idle).toMatchObject({ parityPct: null, coverage: { comparedPct: null }, example: null });
    expect(idle.latency.convex).toEqual({
      runs: 0,
      p50Ms: null,
      p95Ms: null,
      histogram: { upperMs: [], counts: [] },
    });
    expect(data.totals).toMatchObject({ workflows: 3, pairs: 4, parityPct: 75 });
    expect(data.notes.join(" ")).toMatch(/DDSketch/);
  });

  it("an empty store is an empty report: no pairs, parity null", async () => {
    const data = await buildReportData(store, { now: new Date("2026-11-30T01:00:00Z") });
    expect(data.totals).toMatchObject({ workflows: 0, pairs: 0, parityPct: null });
    expect(data.window).toEqual({ since: null, until: "2026-11-30T01:00:00.000Z" });
  });
});

describe("runNightly", () => {
  it("writes dated and latest files, and the second night shows the trend and the newly differing paths", async () => {
    const dir = fresh("nightly");
    const store = openSqliteStore({ path: ":memory:" });
    try {
      await flag(store, "wf_a", "shadow");
      await store.putResults([
        ...Array.from({ length: 9 }, (_, i) => result("wf_a", "match", `2026-11-28T1${i}:00:00Z`)),
        result("wf_a", "mismatch", "2026-11-28T20:00:00Z", { paths: ["$.output.old"] }),
      ]);
      const first = await runNightly(store, {
        outDir: dir,
        since: "24h",
        now: new Date("2026-11-29T02:00:00Z"),
      });
      expect(first).toMatchObject({ day: "2026-11-29", previous: null });
      expect(readdirSync(dir).sort()).toEqual([
        "2026-11-29.html",
        "2026-11-29.json",
        "2026-11-29.md",
        "latest.html",
        "latest.json",
        "latest.md",
      ]);
      expect(readFileSync(join(dir, "latest.md"), "utf8")).toBe(
        readFileSync(join(dir, "2026-11-29.md"), "utf8"),
      );

      await store.putResults([
        ...Array.from({ length: 6 }, (_, i) => result("wf_a", "match", `2026-11-29T1${i}:00:00Z`)),
        ...Array.from({ length: 4 }, (_, i) =>
          result("wf_a", "mismatch", `2026-11-29T2${i}:00:00Z`, { paths: ["$.output.old", "$.output.new"] }),
        ),
      ]);
      const second = await runNightly(store, {
        outDir: dir,
        since: "24h",
        now: new Date("2026-11-30T02:00:00Z"),
      });
      expect(second.previous).toBe(join(dir, "latest.json"));
      const latest = JSON.parse(readFileSync(join(dir, "latest.json"), "utf8")) as ReportData;
      expect(latest.generatedAt).toBe("2026-11-30T02:00:00.000Z");
      expect(latest.changes?.workflows).toEqual([
        expect.objectContaining({
          workflowId: "wf_a",
          trend: "down",
          previousParityPct: 90,
          parityPct: 60,
          newPaths: ["$.output.new"],
        }),
      ]);
      const md = readFileSync(join(dir, "2026-11-30.md"), "utf8");
      expect(md).toContain("wf_a (workspace default): parity ▼ 90 % → 60 %");
      expect(md).toContain("newly differs at `$.output.new`");
      expect(readFileSync(join(dir, "latest.html"), "utf8")).toContain("Since the previous report");
      expect(existsSync(join(dir, "2026-11-29.json"))).toBe(true);

      // A second run the same night compares with the night before, not with itself.
      const again = await runNightly(store, {
        outDir: dir,
        since: "24h",
        now: new Date("2026-11-30T03:00:00Z"),
      });
      expect(again.previous).toBe(join(dir, "2026-11-29.json"));
      expect(previousReport(dir, "2026-12-01")).toMatchObject({ file: join(dir, "latest.json") });
    } finally {
      await store.close();
    }
  });
});

describe("cutover report", () => {
  const saved = process.env.CUTOVER_HOME;
  let home = "";
  beforeEach(() => {
    home = fresh("home");
    process.env.CUTOVER_HOME = home;
  });
  afterEach(() => {
    process.env.CUTOVER_HOME = saved;
  });
  const cli = (...args: string[]) => runInProcess([registerReport], args);

  async function seed(): Promise<void> {
    const store = openSqliteStore({ path: join(home, "state.db") });
    try {
      await flag(store, "wf_low", "shadow");
      await flag(store, "wf_ok", "live");
      await flag(store, "wf_empty", "shadow");
      const at = new Date(Date.now() - 3_600_000).toISOString();
      await store.putResults([
        result("wf_low", "match", at),
        result("wf_low", "mismatch", at),
        result("wf_ok", "match", at),
        result("wf_convex", "mismatch", at),
      ]);
    } finally {
      await store.close();
    }
  }

  it("--fail-under exits 1 naming each shadow or live workflow below it; a workflow with no pairs is named, not failed", async () => {
    await seed();
    const r = await cli("report", "--fail-under", "90");
    expect(r.code).toBe(EXIT.negative);
    expect(r.stdout).toContain("# Cutover parity report");
    expect(r.stderr).toContain("wf_low (workspace default, shadow) parity 50 % is below --fail-under 90 %");
    expect(r.stderr).toContain("wf_empty (shadow) has no pairs in the window");
    expect(r.stderr).not.toContain("wf_ok (");
    expect(r.stderr).not.toContain("wf_convex");
    expect((await cli("report", "--fail-under", "50")).code).toBe(EXIT.ok);
  });

  it("--format html writes one self-contained page; --nightly --out-dir writes the six files", async () => {
    await seed();
    const out = join(fresh("html"), "r.html");
    const html = await cli("report", "--format", "html", "--out", out);
    expect(html.code, html.stderr).toBe(EXIT.ok);
    expect(readFileSync(out, "utf8")).toBe(html.stdout);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain('<tr data-workflow="wf_low"');

    const dir = fresh("nightly");
    const night = await cli("report", "--nightly", "--out-dir", dir, "--json");
    expect(night.code, night.stderr).toBe(EXIT.ok);
    const doc = JSON.parse(night.stdout);
    expect(doc).toMatchObject({ previous: null, totals: { pairs: 4 } });
    expect(readdirSync(dir)).toHaveLength(6);
  });

  it("refuses inconsistent options before reading anything", async () => {
    for (const args of [
      ["--nightly"],
      ["--nightly", "--out-dir", fresh("d"), "--out", "x.md"],
      ["--nightly", "--out-dir", fresh("d"), "--format", "md"],
      ["--out-dir", fresh("d")],
      ["--fail-under", "abc"],
      ["--fail-under", "101"],
      ["--json", "--format", "html"],
    ]) {
      const r = await cli("report", ...args);
      expect(r.code, args.join(" ")).toBe(EXIT.usage);
      expect(r.stderr.trimEnd().split("\n"), args.join(" ")).toHaveLength(1);
    }
    expect(existsSync(home)).toBe(false);
  });
});
