import { describe, expect, it } from "vitest";
import type { StoredParityResult } from "../store/port.ts";
import { aggregate } from "./aggregate.ts";
import { LatencyHistogram } from "./histogram.ts";
import { renderMarkdown } from "./render.ts";

function result(
  workflowId: string,
  verdict: StoredParityResult["verdict"],
  primaryMs: number,
  shadowMs: number,
  extra: Partial<StoredParityResult> = {},
): StoredParityResult {
  return {
    pairId: `pair_${Math.random()}`,
    workflowId,
    workspaceId: "ws_1",
    verdict,
    findings: [],
    summary: {
      primary: { executor: "convex", durationMs: primaryMs },
      shadow: { executor: "inngest", durationMs: shadowMs },
      tokens: { delta: { total: verdict === "mismatch" ? 7 : 0 } },
      costUsd: { delta: verdict === "mismatch" ? 0.001 : 0 },
      topPaths: verdict === "mismatch" ? ["$.output.title"] : [],
    },
    flagVersion: 2,
    policy: {},
    comparedAt: "2026-11-26T10:00:00.000Z",
    ...extra,
  };
}

describe("aggregate", () => {
  it("counts verdicts, parity rate, deltas, categories and top paths per workflow", async () => {
    const results = [
      result("wf_a", "match", 100, 120),
      result("wf_a", "match", 200, 220),
      result("wf_a", "mismatch", 300, 330, {
        findings: [
          { category: "output", severity: "major" },
          { category: "latency", severity: "info" },
        ],
      }),
      result("wf_a", "shadow-timeout", 50, 0),
      result("wf_b", "tolerated", 10, 10),
    ];
    const report = await aggregate(results, { now: new Date("2026-11-26T12:00:00Z") });
    expect(report.totals).toMatchObject({ pairs: 5, workflows: 2, parityRate: 0.6 });
    const a = report.workflows[0];
    expect(a).toMatchObject({
      workflowId: "wf_a",
      pairs: 4,
      parityRate: 0.5,
      verdicts: { match: 2, mismatch: 1, "shadow-timeout": 1, tolerated: 0 },
      mismatchesByCategory: { output: 1 },
      tokenDelta: 7,
      costDeltaUsd: 0.001,
      topPaths: [{ path: "$.output.title", pairs: 1 }],
      flagVersions: [2],
    });
    expect(a.latency.convex.runs).toBe(4);
    expect(a.latency.inngest.p95Ms).toBeGreaterThan(300);
    expect(report.workflows[1]).toMatchObject({ workflowId: "wf_b", parityRate: 1 });
    const md = renderMarkdown(report);
    expect(md).toContain("| wf_a | ws_1 | 4 | 50.0% | 1 | 1 | 7 | 0.001 |");
    expect(md).toContain("`$.output.title` in 1 pair");
  });

  it("reports an empty store as zero pairs", async () => {
    const report = await aggregate([]);
    expect(report.totals).toMatchObject({ pairs: 0, workflows: 0, parityRate: 0 });
  });
});

describe("LatencyHistogram", () => {
  it("gives quantiles within 2% of the exact ones", () => {
    const h = new LatencyHistogram();
    const values = Array.from({ length: 10_000 }, (_, i) => 1 + ((i * 7919) % 5000));
    for (const v of values) h.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.95]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1];
      expect(Math.abs(h.quantile(q)! - exact) / exact).toBeLessThan(0.02);
    }
    expect(new LatencyHistogram().quantile(0.5)).toBeNull();
  });
});
