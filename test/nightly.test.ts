/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import { describe, expect, it } from "vitest";
import { runInProcess } from "../cli/in-process.ts";
import { registerReport } from "../cli/report.ts";
import { internal } from "../convex/_generated/api";
import schema from "../convex/schema.ts";
import type { ReportData } from "../reports/report-data.ts";
import { convexStore } from "../store/convex.ts";

const modules = import.meta.glob("../convex/**/*.ts");

function result(i: number, comparedAt: string) {
  return {
    pairId: `pair-${i}`,
    workflowId: "wf_nightly",
    workspaceId: "default",
    verdict: i === 0 ? ("mismatch" as const) : ("match" as const),
    findings:
      i === 0 ? [{ category: "output", severity: "major", path: "$.output.a", message: "differs" }] : [],
    summary: {
      primary: { executor: "convex", status: "completed" },
      shadow: { executor: "inngest", status: "completed" },
      latency: { primaryMs: 100 + i, shadowMs: 110 + i },
      topPaths: i === 0 ? ["$.output.a"] : [],
    },
    flagVersion: 1,
    policy: "default",
    comparedAt,
  };
}

describe("the deployment's nightly report and automatic rollback", () => {
  it("builds the last 24 hours from the rollups, keeps it by day, and hands the newest back as JSON", async () => {
    const t = convexTest(schema, modules);
    const store = convexStore(t);
    const now = new Date().toISOString();
    await store.putResults([0, 1, 2, 3].map((i) => result(i, now)));
    expect(await t.action(internal.cutover.nightly.latestJson, {})).toBeNull();
    const day = await t.action(internal.cutover.nightly.build, {});
    expect(day).toBe(now.slice(0, 10));
    // A second build the same day replaces the first.
    await t.action(internal.cutover.nightly.build, {});
    const json = await t.action(internal.cutover.nightly.latestJson, {});
    const data = JSON.parse(json!) as ReportData;
    expect(data.totals.pairs).toBe(4);
    expect(data.workflows[0]).toMatchObject({ workflowId: "wf_nightly", pairs: 4, parityPct: 75 });
    expect(await t.run((ctx) => ctx.db.query("cutover_nightlyReports").collect())).toHaveLength(1);
  });

  it("the cron's watch rolls a diverging live workflow back with actor auto-rollback", async () => {
    const t = convexTest(schema, modules);
    const store = convexStore(t);
    for (const stage of ["shadow", "live"] as const) {
      const flag = await store.getFlag("wf_nightly");
      await store.compareAndSetFlag({
        workflowId: "wf_nightly",
        expectedVersion: flag?.version ?? 0,
        next: { stage, samplePct: 100, shadowProvider: "replay", dailyBudgetUsd: 0, workspaceOverrides: {} },
        actor: "ops",
        reason: stage,
      });
    }
    const now = new Date().toISOString();
    await store.putResults(
      Array.from({ length: 20 }, (_, i) => ({
        ...result(i, now),
        verdict: "mismatch" as const,
        flagVersion: 2,
      })),
    );
    const outcomes = await t.action(internal.cutover.nightly.watch, {});
    expect(outcomes).toEqual([{ workflowId: "wf_nightly", decision: "rollback", rolledBackTo: "shadow" }]);
    expect((await store.listAudit("wf_nightly")).at(-1)?.actor).toBe("auto-rollback");
  });

  it("report --from-deployment needs a deployment, and says which variables", async () => {
    const saved = process.env.CONVEX_URL;
    delete process.env.CONVEX_URL;
    try {
      const r = await runInProcess([registerReport], ["report", "--from-deployment"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/set CONVEX_URL and CONVEX_DEPLOY_KEY/);
      const mixed = await runInProcess([registerReport], ["report", "--from-deployment", "--workflow", "wf"]);
      expect(mixed.code).toBe(2);
    } finally {
      if (saved !== undefined) process.env.CONVEX_URL = saved;
    }
  });
});
