import { describe, expect, it } from "vitest";
import type { StoredParityResult } from "../store/port.ts";
import { GatesConfigError, PRODUCTION_GATES, parseGates } from "./config.ts";
import { evaluateGates, type GateContext } from "./evaluate.ts";
import { addResult, type Evidence, emptyEvidence, mergeEvidence } from "./evidence.ts";

const NOW = new Date("2026-11-30T12:00:00Z");
const dayAgo = new Date(NOW.getTime() - 25 * 3600_000);
const replayBudget = { live: false, spentUsd: 0, dailyBudgetUsd: 0 };
const ctx = (over: Partial<GateContext> = {}): GateContext => ({
  stageSince: dayAgo,
  now: NOW,
  budget: replayBudget,
  ...over,
});

interface PairSpec {
  verdict?: StoredParityResult["verdict"];
  /** Which executor is primary (shadow stage: convex; live stage: inngest). */
  primary?: "convex" | "inngest";
  convexMs?: number;
  inngestMs?: number;
  convexFailed?: boolean;
  inngestFailed?: boolean;
  critical?: boolean;
}

function result(i: number, p: PairSpec = {}): StoredParityResult {
  const primary = p.primary ?? "convex";
  const shadow = primary === "convex" ? "inngest" : "convex";
  const ms = { convex: p.convexMs ?? 100, inngest: p.inngestMs ?? 110 };
  const failed = { convex: p.convexFailed ?? false, inngest: p.inngestFailed ?? false };
  return {
    pairId: `pair_${i}`,
    workflowId: "wf",
    workspaceId: "ws",
    verdict: p.verdict ?? "match",
    findings: p.critical ? [{ severity: "critical", category: "status", message: "x" }] : [],
    summary: {
      primary: { executor: primary, status: failed[primary] ? "failed" : "completed" },
      shadow: { executor: shadow, status: failed[shadow] ? "failed" : "completed" },
      latency: { primaryMs: ms[primary], shadowMs: ms[shadow] },
    },
    flagVersion: 3,
    policy: "default",
    comparedAt: new Date(NOW.getTime() - i * 1000).toISOString(),
  };
}

function evidenceOf(n: number, spec: (i: number) => PairSpec = () => ({})): Evidence {
  const e = emptyEvidence();
  for (let i = 0; i < n; i++) addResult(e, result(i, spec(i)));
  return e;
}

const gate = (out: ReturnType<typeof evaluateGates>, name: string) => out.gates.find((g) => g.name === name)!;

describe("gate evaluation", () => {
  it.each([
    ["enough agreeing pairs after the bake", 100, () => ({}), ctx(), "pass"],
    ["too few pairs", 99, () => ({}), ctx(), "inconclusive"],
    [
      "too short a bake",
      200,
      () => ({}),
      ctx({ stageSince: new Date(NOW.getTime() - 60_000) }),
      "inconclusive",
    ],
    ["no known stage start", 200, () => ({}), ctx({ stageSince: null }), "inconclusive"],
    [
      "parity just above the floor (99 of 100)",
      100,
      (i: number) => ({ verdict: i === 0 ? "mismatch" : "match" }),
      ctx(),
      "pass",
    ],
    [
      "parity just below the floor (98 of 100)",
      100,
      (i: number) => ({ verdict: i < 2 ? "mismatch" : "match" }),
      ctx(),
      "blocked",
    ],
    ["tolerated counts as agreeing", 100, () => ({ verdict: "tolerated" }), ctx(), "pass"],
    [
      "Inngest fails 2 points more than Convex",
      100,
      (i: number) => ({ inngestFailed: i < 2, verdict: i < 2 ? "tolerated" : "match" }),
      ctx(),
      "blocked",
    ],
    [
      "Inngest fails 1 point more (at the limit)",
      100,
      (i: number) => ({ inngestFailed: i < 1 }),
      ctx(),
      "pass",
    ],
    ["Inngest p95 twice Convex's", 100, () => ({ inngestMs: 200 }), ctx(), "blocked"],
    ["Inngest p95 1.4× Convex's", 100, () => ({ inngestMs: 140 }), ctx(), "pass"],
    [
      "a critical finding blocks even with few pairs",
      3,
      (i: number) => ({ critical: i === 0 }),
      ctx(),
      "blocked",
    ],
    [
      "an exhausted live budget blocks",
      100,
      () => ({}),
      ctx({ budget: { live: true, spentUsd: 5, dailyBudgetUsd: 5 } }),
      "blocked",
    ],
    [
      "live stage: the same gates measure Inngest (now primary) against Convex",
      100,
      () => ({ primary: "inngest" as const, inngestMs: 200 }),
      ctx(),
      "blocked",
    ],
  ] as const)("%s → %s", (_what, n, spec, context, decision) => {
    const out = evaluateGates(evidenceOf(n, spec as (i: number) => PairSpec), PRODUCTION_GATES, context);
    expect(out.decision).toBe(decision);
    for (const g of out.gates) expect(Object.keys(g).sort()).toEqual(["actual", "name", "ok", "required"]);
  });

  it("reports each gate's actual value and requirement", () => {
    const out = evaluateGates(
      evidenceOf(100, (i) => ({ verdict: i < 2 ? "mismatch" : "match", inngestMs: 150 })),
      PRODUCTION_GATES,
      ctx(),
    );
    expect(gate(out, "minParityPct")).toEqual({
      name: "minParityPct",
      ok: false,
      actual: 98,
      required: "≥ 99 %",
    });
    expect(gate(out, "minPairs").actual).toBe(100);
    expect(gate(out, "minBakeMinutes").actual).toBe(25 * 60);
    expect(gate(out, "maxP95Ratio").actual).toBeCloseTo(1.5, 1);
  });

  it("is the same from merged evidence as from one pass over the results", () => {
    const whole = evidenceOf(150, (i) => ({
      inngestMs: 100 + (i % 37),
      verdict: i % 50 === 0 ? "mismatch" : "match",
    }));
    const a = emptyEvidence();
    const b = emptyEvidence();
    for (let i = 0; i < 150; i++)
      addResult(
        i % 2 ? a : b,
        result(i, { inngestMs: 100 + (i % 37), verdict: i % 50 === 0 ? "mismatch" : "match" }),
      );
    const merged = mergeEvidence(a, b);
    expect(evaluateGates(merged, PRODUCTION_GATES, ctx())).toEqual(
      evaluateGates(whole, PRODUCTION_GATES, ctx()),
    );
  });
});

describe("gates files", () => {
  it("overrides the production defaults key by key", () => {
    expect(parseGates({ minPairs: 5, minBakeMinutes: 0 })).toEqual({
      ...PRODUCTION_GATES,
      minPairs: 5,
      minBakeMinutes: 0,
    });
  });
  it.each([
    [{ minPair: 5 }, /unknown key "minPair"/],
    [{ minParityPct: 101 }, /"minParityPct"/],
    [{ maxP95Ratio: 0 }, /"maxP95Ratio"/],
    [{ minPairs: 2.5 }, /"minPairs"/],
  ])("refuses %j naming the key", (doc, message) => {
    expect(() => parseGates(doc)).toThrowError(GatesConfigError);
    expect(() => parseGates(doc)).toThrowError(message);
  });
});
