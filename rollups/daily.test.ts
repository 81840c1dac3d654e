import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { addResult, emptyEvidence, errorRatePct, p95 } from "../gates/evidence.ts";
import type { ControlStore, StoredParityResult, Verdict } from "../store/port.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { type DailyRollup, evidenceOfRollups, MAX_PATHS, mergeRollups, OTHER_PATHS } from "./daily.ts";

/** A small deterministic generator, so a failing history can be replayed from its seed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERDICTS: Verdict[] = ["match", "tolerated", "mismatch", "shadow-timeout"];

function history(seed: number, n: number): StoredParityResult[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  return Array.from({ length: n }, (_, i) => {
    const primary = r() < 0.5 ? "convex" : "inngest";
    const verdict = pick(VERDICTS);
    const paths = verdict === "mismatch" ? [`$.output.f${Math.floor(r() * 80)}`, "$.output.text"] : [];
    return {
      pairId: `p${seed}_${i}`,
      workspaceId: pick(["ws_a", "ws_b"]),
      workflowId: pick(["wf_1", "wf_2", "wf_3"]),
      verdict,
      findings: [
        ...(r() < 0.05 ? [{ severity: "critical", category: "status", message: "x" }] : []),
        ...paths.map((path) => ({ severity: "major", category: "output", path, message: "x" })),
        { severity: "info", category: "latency", message: "x" },
      ],
      summary: {
        primary: { executor: primary, status: r() < 0.1 ? "failed" : "completed" },
        shadow: {
          executor: primary === "convex" ? "inngest" : "convex",
          status: r() < 0.1 ? "failed" : "completed",
        },
        latency: {
          primaryMs: Math.round(r() * 3000),
          shadowMs: verdict === "shadow-timeout" ? null : Math.round(r() * 3000),
        },
        tokens: { primary: { total: 10 }, shadow: { total: 12 } },
        costUsd: { primary: 0.001, shadow: r() < 0.1 ? null : 0.002 },
        topPaths: paths,
      },
      flagVersion: pick([1, 2]),
      policy: "default",
      comparedAt: new Date(
        Date.UTC(2026, 10, 20 + Math.floor(r() * 5), Math.floor(r() * 24), Math.floor(r() * 60)),
      ).toISOString(),
    };
  });
}

const homes: string[] = [];
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

async function sqliteWith(results: StoredParityResult[]): Promise<ControlStore> {
  const home = mkdtempSync(join(tmpdir(), "cutover-rollups-"));
  homes.push(home);
  const store = openSqliteStore({ path: join(home, "state.db") });
  for (let i = 0; i < results.length; i += 50) await store.putResults(results.slice(i, i + 50));
  return store;
}

describe("daily rollups equal a full scan of the results (SQLite)", () => {
  it.each([1, 2, 3])(
    "history %i: evidence per workflow and version from rows = from results",
    async (seed) => {
      const results = history(seed, 400);
      const store = await sqliteWith(results);
      try {
        for (const workflowId of ["wf_1", "wf_2", "wf_3"])
          for (const flagVersion of [1, 2]) {
            const rows = await store.listRollups({ workflowId, flagVersion });
            const fromRows = evidenceOfRollups(rows);
            const scan = emptyEvidence();
            for (const r of results)
              if (r.workflowId === workflowId && r.flagVersion === flagVersion) addResult(scan, r);
            expect(fromRows.pairs).toBe(scan.pairs);
            expect(fromRows.agreeing).toBe(scan.agreeing);
            expect(fromRows.critical).toBe(scan.critical);
            expect(fromRows.timeouts).toBe(scan.timeouts);
            for (const who of ["convex", "inngest"] as const) {
              expect(fromRows[who].runs).toBe(scan[who].runs);
              expect(errorRatePct(fromRows[who])).toBe(errorRatePct(scan[who]));
              expect(p95(fromRows[who])).toBeCloseTo(p95(scan[who]) ?? 0, 6);
            }
            expect(fromRows.lastAt).toBe(scan.lastAt);
          }
        // Every row's verdict counts add up to the results of its key.
        const all = await store.listRollups();
        const total = all.reduce((n, row) => n + Object.values(row.verdicts).reduce((a, b) => a + b, 0), 0);
        expect(total).toBe(results.length);
        expect(all.every((row) => Object.keys(row.paths).length <= MAX_PATHS)).toBe(true);
      } finally {
        await store.close();
      }
    },
  );

  it("a re-comparison of a pair replaces its count instead of adding to it", async () => {
    const [first] = history(9, 1);
    const store = await sqliteWith([first]);
    try {
      await store.putResult({ ...first, verdict: first.verdict === "match" ? "mismatch" : "match" });
      const rows = await store.listRollups({ workflowId: first.workflowId });
      expect(evidenceOfRollups(rows).pairs).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("counts dropped and over-budget pairs in their row", async () => {
    const store = await sqliteWith([]);
    try {
      const key = { workspaceId: "ws", workflowId: "wf", day: "2026-11-30", flagVersion: 3 };
      await store.countUncoveredPair(key, "dropped");
      await store.countUncoveredPair(key, "dropped");
      await store.countUncoveredPair(key, "over-budget");
      const [row] = await store.listRollups({ workflowId: "wf" });
      expect(row).toMatchObject({ ...key, dropped: 2, overBudget: 1 });
    } finally {
      await store.close();
    }
  });

  it("folds rare paths into one bucket when a row would keep too many", () => {
    const manyPaths: DailyRollup = {
      workspaceId: "w",
      workflowId: "f",
      day: "2026-11-30",
      flagVersion: 1,
      verdicts: { match: 0, tolerated: 0, mismatch: 0, "shadow-timeout": 0 },
      dropped: 0,
      overBudget: 0,
      critical: 0,
      findings: {},
      tokens: { primary: 0, shadow: 0 },
      cost: { primary: 0, shadow: 0, unpriced: 0 },
      convex: { runs: 0, failed: 0, latency: "", pending: [] },
      inngest: { runs: 0, failed: 0, latency: "", pending: [] },
      paths: Object.fromEntries(Array.from({ length: MAX_PATHS }, (_, i) => [`$.a${i}`, i + 1])),
      lastComparedAt: null,
    };
    const merged = mergeRollups(manyPaths, { ...manyPaths, paths: { "$.new": 1, "$.a49": 5 } });
    expect(Object.keys(merged.paths).length).toBeLessThanOrEqual(MAX_PATHS);
    expect(merged.paths[OTHER_PATHS]).toBeGreaterThan(0);
    expect(merged.paths["$.a49"]).toBe(55);
  });
});
