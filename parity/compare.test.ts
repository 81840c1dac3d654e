import { describe, expect, it } from "vitest";
import type { RunRecord } from "../executors/records.ts";
import { asShadow, makeRun, type StepSpec } from "../test/fixtures/records/make.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { compare } from "./compare.ts";
import type { Finding } from "./finding.ts";
import { DEFAULT_POLICY, parsePolicy } from "./policy.ts";

// input → (a, b in parallel) → out
const STEPS: StepSpec[] = [
  { nodeId: "in", type: "input", at: [0, 5] },
  {
    nodeId: "a",
    type: "llm",
    at: [5, 50],
    tokens: { input: 100, output: 20, total: 120 },
    costUsd: 0.0002,
    model: "gpt-4o-mini",
  },
  { nodeId: "b", type: "transform", at: [5, 20] },
  {
    nodeId: "out",
    type: "output",
    at: [50, 55],
    output: { report: { sections: [{ title: "one" }, { title: "two" }] } },
  },
];

const GRAPH: CompiledWorkflow = {
  workflowId: "wf_test",
  workflowVersionId: "wfv_test",
  profile: "dag",
  outputNodeId: "out",
  inputSchema: {},
  secrets: [],
  topologicallySortedNodes: [
    { id: "in", type: "input", label: "node-in-input", config: {}, dependsOn: [], incoming: [] },
    { id: "a", type: "llm", label: "node-a-llm", config: {}, dependsOn: ["in"], incoming: [] },
    { id: "b", type: "transform", label: "node-b-transform", config: {}, dependsOn: ["in"], incoming: [] },
    { id: "out", type: "output", label: "node-out-output", config: {}, dependsOn: ["a", "b"], incoming: [] },
  ],
};

const primaryRun = (overrides: Partial<RunRecord> = {}) =>
  makeRun(STEPS, {
    output: { report: { sections: [{ title: "one" }, { title: "two" }] }, score: 0.5 },
    ...overrides,
  });

/** Returns a shadow of the primary with `edit` applied to a copy. */
function shadowOf(primary: RunRecord, edit: (s: RunRecord) => void = () => {}): RunRecord {
  const s = asShadow(primary);
  edit(s);
  return s;
}

const counted = (fs: readonly Finding[]) => fs.filter((f) => f.severity !== "info");
const step = (run: RunRecord, nodeId: string) => run.steps.find((s) => s.nodeId === nodeId)!;

describe("compare: the comparator case table", () => {
  it("identical runs with different ids, executors and timestamps match (latency as info only)", () => {
    const p = primaryRun();
    const s = shadowOf(p, (s) => {
      s.durationMs = 80;
      step(s, "a").durationMs = 90;
    });
    const r = compare(p, s);
    expect(r.verdict).toBe("match");
    expect(counted(r.findings)).toEqual([]);
    const run = r.findings.find((f) => f.category === "latency" && !f.nodeId);
    expect(run).toMatchObject({ severity: "info", primary: 55, shadow: 80, path: "$.durationMs" });
    expect(run?.message).toContain("1.455×");
    expect(r.findings.find((f) => f.category === "latency" && f.nodeId === "a")).toMatchObject({
      primary: 45,
      shadow: 90,
    });
    expect(r.summary.latency).toEqual({ primaryMs: 55, shadowMs: 80, ratio: 1.455 });
  });

  it("a nested output change is a mismatch naming the path and both values", () => {
    const p = primaryRun();
    const s = shadowOf(p, (s) => {
      (s.output as any).report.sections[1].title = "TWO";
    });
    const r = compare(p, s);
    expect(r.verdict).toBe("mismatch");
    expect(counted(r.findings)).toEqual([
      expect.objectContaining({
        category: "output",
        severity: "major",
        path: "$.output.report.sections[1].title",
        primary: "two",
        shadow: "TWO",
      }),
    ]);
    expect(r.summary.topPaths).toEqual(["$.output.report.sections[1].title"]);
  });

  it("a step output change names the node and the step's path", () => {
    const p = primaryRun();
    const s = shadowOf(p, (s) => {
      step(s, "b").output = { value: "B" };
    });
    const [f] = counted(compare(p, s).findings);
    expect(f).toMatchObject({
      category: "output",
      nodeId: "b",
      path: "$.steps[?(@.name=='node-b-transform')].output.value",
      primary: "b",
      shadow: "B",
    });
  });

  it("parallel siblings in another order match, with an info finding", () => {
    const p = primaryRun();
    const s = shadowOf(p, (s) => {
      // a now starts 2 ms after b (both still after `in` finished): allowed.
      step(s, "a").startedAt = new Date(Date.parse(step(s, "b").startedAt!) + 2).toISOString();
    });
    const r = compare(p, s, DEFAULT_POLICY, GRAPH);
    expect(r.verdict).toBe("match");
    const info = r.findings.find((f) => f.category === "timeline");
    expect(info).toMatchObject({
      severity: "info",
      primary: ["node-a-llm", "node-b-transform"],
      shadow: ["node-b-transform", "node-a-llm"],
    });
    expect(info?.message).toContain("no dependency");
  });

  it("steps recorded out of start order are judged by their start times, not their place in the list", () => {
    // Both sides list `out` first, though it started last: the same start order, nothing to say.
    const listedLate = (run: RunRecord) => [run.steps[3], run.steps[0], run.steps[1], run.steps[2]];
    const p = primaryRun();
    p.steps = listedLate(p);
    const same = shadowOf(p);
    expect(compare(p, same).findings.filter((f) => f.category === "timeline")).toEqual([]);
    // The primary listed in start order, the shadow not, with a and b swapped in time on the shadow.
    const q = primaryRun();
    const swapped = shadowOf(q, (s) => {
      s.steps = listedLate(s);
      step(s, "a").startedAt = new Date(Date.parse(step(s, "b").startedAt!) + 2).toISOString();
    });
    expect(compare(q, swapped).findings.find((f) => f.category === "timeline")).toMatchObject({
      primary: ["node-a-llm", "node-b-transform"],
      shadow: ["node-b-transform", "node-a-llm"],
    });
  });

  it("a step that started before its dependency finished is a mismatch when the graph is given", () => {
    const p = primaryRun();
    const s = shadowOf(p, (s) => {
      const out = step(s, "out");
      out.startedAt = new Date(Date.parse(step(s, "a").finishedAt!) - 30).toISOString();
    });
    const r = compare(p, s, DEFAULT_POLICY, GRAPH);
    expect(r.verdict).toBe("mismatch");
    const v = counted(r.findings);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ category: "timeline", severity: "major", nodeId: "out" });
    expect(v[0].message).toMatch(
      /on the shadow, step node-out-output started 30 ms before its dependency node-a-llm finished/,
    );
    // Without the graph the same timing cannot be judged.
    expect(compare(p, s).verdict).toBe("match");
  });

  it("missing and extra steps are mismatches", () => {
    const p = primaryRun();
    const s = shadowOf(p, (s) => {
      s.steps = s.steps.filter((x) => x.nodeId !== "b");
      s.steps.push({ ...step(s, "a"), nodeId: "c", name: "node-c-llm" });
    });
    const r = compare(p, s);
    expect(r.verdict).toBe("mismatch");
    const steps = r.findings.filter((f) => f.category === "step");
    expect(steps.map((f) => [f.nodeId, f.message])).toEqual([
      ["b", expect.stringContaining("ran on the primary (completed) but not on the shadow")],
      ["c", expect.stringContaining("ran on the shadow (completed) but not on the primary")],
    ]);
    expect(r.summary.steps).toMatchObject({
      compared: 3,
      missingInShadow: 1,
      extraInShadow: 1,
      differing: ["b", "c"],
    });
  });

  it("a failed shadow is a critical status finding naming its error", () => {
    const p = primaryRun();
    const s = shadowOf(p, (s) => {
      s.status = "failed";
      s.output = null;
      s.error = { code: "LLM_TIMEOUT", message: "provider did not answer" };
      step(s, "a").status = "failed";
      step(s, "a").error = { code: "LLM_TIMEOUT", message: "provider did not answer" };
    });
    const r = compare(p, s);
    expect(r.verdict).toBe("mismatch");
    const status = r.findings.find((f) => f.category === "status");
    expect(status).toMatchObject({
      severity: "critical",
      path: "$.status",
      primary: "completed",
      shadow: "failed",
    });
    expect(status?.message).toContain(
      "the shadow run failed (LLM_TIMEOUT: provider did not answer) where the primary completed",
    );
    // The output is not diffed against a failed run's null: the status says it all.
    expect(r.findings.some((f) => f.path?.startsWith("$.output"))).toBe(false);
    expect(r.findings.find((f) => f.nodeId === "a" && f.category === "step")?.message).toContain(
      "failed (LLM_TIMEOUT)",
    );
  });

  it("a canceled shadow is a status finding too", () => {
    const p = primaryRun();
    const s = shadowOf(p, (s) => {
      s.status = "canceled";
      s.output = null;
    });
    const r = compare(p, s);
    expect(r.findings.find((f) => f.category === "status")?.message).toContain("shadow run canceled");
  });

  it("floats within the relative tolerance match; beyond it they mismatch", () => {
    const p = primaryRun();
    const near = shadowOf(p, (s) => {
      (s.output as any).score = 0.5 * (1 + 1e-12);
    });
    expect(compare(p, near).verdict).toBe("match");
    const far = shadowOf(p, (s) => {
      (s.output as any).score = 0.5 * (1 + 1e-6);
    });
    const r = compare(p, far);
    expect(r.verdict).toBe("mismatch");
    expect(counted(r.findings)[0]).toMatchObject({ path: "$.output.score", primary: 0.5 });
    // A looser policy tolerates it.
    expect(compare(p, far, parsePolicy({ relativeTolerance: 1e-5 })).verdict).toBe("match");
  });

  it("different retry counts with equal results match, with an info finding", () => {
    const p = primaryRun();
    const s = shadowOf(p, (s) => {
      step(s, "a").attempt = 3;
    });
    const r = compare(p, s);
    expect(r.verdict).toBe("match");
    expect(r.findings.find((f) => f.category === "timeline")).toMatchObject({
      severity: "info",
      nodeId: "a",
      primary: 1,
      shadow: 3,
    });
  });

  it("every attempt kept as its own record: the latest one is compared", () => {
    const p = primaryRun();
    const s = shadowOf(p, (s) => {
      const a = step(s, "a");
      s.steps.unshift({
        ...a,
        attempt: 1,
        status: "failed",
        error: { code: "RATE_LIMITED", message: "429" },
      });
      a.attempt = 2;
    });
    const r = compare(p, s);
    expect(r.verdict).toBe("match");
    expect(r.findings.find((f) => f.category === "timeline")?.message).toContain("2 attempts on the shadow");
  });

  it("different key order matches", () => {
    const p = primaryRun({ output: { a: 1, b: { c: 2, d: [1, 2] } } });
    const s = shadowOf(p, (s) => {
      s.output = { b: { d: [1, 2], c: 2 }, a: 1 };
    });
    expect(compare(p, s).verdict).toBe("match");
  });

  it("a number turned into a string is a mismatch (a type change)", () => {
    const p = primaryRun({ output: { total: 42 } });
    const s = shadowOf(p, (s) => {
      s.output = { total: "42" };
    });
    const r = compare(p, s);
    expect(r.verdict).toBe("mismatch");
    const [f] = counted(r.findings);
    expect(f).toMatchObject({ path: "$.output.total", primary: 42, shadow: "42" });
    expect(f.message).toContain("changed type: primary number 42, shadow string");
  });

  it("both failed with the same code but different messages: match with info", () => {
    const failed = (message: string) => ({
      status: "failed" as const,
      output: null,
      error: { code: "SCRIPT_ERROR", message },
    });
    const p = primaryRun(failed("x is not defined at line 3"));
    const s = shadowOf(p, (s) => Object.assign(s, failed("ReferenceError: x is not defined")));
    const r = compare(p, s);
    expect(r.verdict).toBe("match");
    expect(r.findings.find((f) => f.category === "error")).toMatchObject({
      severity: "info",
      path: "$.error.message",
      primary: "x is not defined at line 3",
      shadow: "ReferenceError: x is not defined",
    });
    // A different code is a mismatch.
    const other = shadowOf(p, (s) =>
      Object.assign(s, { ...failed("boom"), error: { code: "TIMEOUT", message: "boom" } }),
    );
    const r2 = compare(p, other);
    expect(r2.verdict).toBe("mismatch");
    expect(counted(r2.findings)[0]).toMatchObject({ category: "error", path: "$.error.code" });
  });

  it("arrays of objects with ids match in any order, and a change names the element by id", () => {
    const items = [
      { id: "a", price: 1 },
      { id: "b", price: 2 },
      { id: "c", price: 3 },
    ];
    const p = primaryRun({ output: { items } });
    const reordered = shadowOf(p, (s) => {
      s.output = { items: [items[2], items[0], items[1]] };
    });
    expect(compare(p, reordered).verdict).toBe("match");
    const changed = shadowOf(p, (s) => {
      s.output = { items: [items[2], { id: "a", price: 5 }, items[1]] };
    });
    expect(counted(compare(p, changed).findings)).toEqual([
      expect.objectContaining({ path: "$.output.items[?(@.id=='a')].price", primary: 1, shadow: 5 }),
    ]);
    // Arrays without ids stay ordered: reordering them is a difference.
    const plain = primaryRun({ output: { tags: ["x", "y"] } });
    expect(
      compare(
        plain,
        shadowOf(plain, (s) => (s.output = { tags: ["y", "x"] })),
      ).verdict,
    ).toBe("mismatch");
  });

  it("an element only on one side of an id-matched array is an added/removed difference", () => {
    const p = primaryRun({ output: { items: [{ id: 1, v: "x" }] } });
    const s = shadowOf(p, (s) => {
      s.output = {
        items: [
          { id: 1, v: "x" },
          { id: 2, v: "y" },
        ],
      };
    });
    const [f] = counted(compare(p, s).findings);
    expect(f).toMatchObject({ path: "$.output.items[?(@.id=='2')]", shadow: { id: 2, v: "y" } });
    expect(f).not.toHaveProperty("primary");
  });

  it("ignore paths drop differences under them, including wildcard step paths", () => {
    const p = primaryRun({ output: { generatedAt: "2026-11-26T10:00:00Z", answer: 1 } });
    const s = shadowOf(p, (s) => {
      (s.output as any).generatedAt = "2026-11-26T10:00:05Z";
      step(s, "b").output = { value: "b", id: "other" };
      step(s, "a").output = { value: "a", requestId: "r2" };
    });
    expect(compare(p, s).verdict).toBe("mismatch");
    const policy = parsePolicy({
      ignorePaths: ["$.output.generatedAt", "steps.*.output.id", "**.requestId"],
    });
    const r = compare(p, s, policy);
    expect(r.verdict).toBe("match");
    expect(r.findings.filter((f) => f.category === "output")).toEqual([]);
    // A step ignored by nodeId.
    const skipB = shadowOf(p, (s) => (step(s, "b").status = "failed"));
    expect(compare(p, skipB, parsePolicy({ ignorePaths: ["steps.b"] })).verdict).toBe("match");
  });

  it("noise paths turn differences into info findings", () => {
    const p = primaryRun({ output: { summary: "The cat sat.", count: 2 } });
    const s = shadowOf(p, (s) => {
      s.output = { summary: "A cat was sitting.", count: 2 };
    });
    const policy = parsePolicy({ mode: "live", noisePaths: ["$.output.summary"] });
    const r = compare(p, s, policy);
    expect(r.verdict).toBe("match");
    const f = r.findings.find((x) => x.path === "$.output.summary");
    expect(f).toMatchObject({ severity: "info", primary: "The cat sat.", shadow: "A cat was sitting." });
    expect(f?.message).toMatch(/^noise/);
    expect(r.summary.noise).toBe(1);
  });

  it("under replay any token or cost difference is a mismatch", () => {
    const p = primaryRun();
    const s = shadowOf(p, (s) => {
      step(s, "a").tokens = { input: 100, output: 21, total: 121 };
      s.tokens = { input: 100, output: 21, total: 121 };
    });
    const r = compare(p, s);
    expect(r.verdict).toBe("mismatch");
    const tokens = r.findings.filter((f) => f.category === "tokens");
    expect(tokens.map((f) => [f.severity, f.nodeId, f.path])).toEqual([
      ["major", undefined, "$.tokens"],
      ["major", "a", "$.steps[?(@.name=='node-a-llm')].tokens"],
    ]);
    expect(tokens[0].message).toContain("replay");
    expect(r.summary.tokens.delta).toEqual({ input: 0, output: 1, total: 1 });
    const cost = shadowOf(p, (s) => (s.costUsd = 0.0003));
    expect(compare(p, cost).findings.find((f) => f.category === "cost")).toMatchObject({
      severity: "major",
      primary: 0.0002,
      shadow: 0.0003,
    });
  });

  it("ignore rules silence any finding by its path, usage and timeline included", () => {
    const p = primaryRun();
    const s = shadowOf(p, (s) => {
      step(s, "a").tokens = { input: 100, output: 21, total: 121 };
      step(s, "a").model = "gpt-4o";
      s.tokens = { input: 100, output: 21, total: 121 };
    });
    expect(compare(p, s).verdict).toBe("mismatch");
    const r = compare(p, s, parsePolicy({ ignorePaths: ["$.tokens", "steps.a.tokens", "steps.*.model"] }));
    expect(r.verdict).toBe("match");
    expect(r.findings.filter((f) => f.category === "tokens" || f.path?.endsWith(".model"))).toEqual([]);
  });

  it("in live mode usage within the percentage is tolerated and beyond it a mismatch", () => {
    const p = primaryRun();
    const live = parsePolicy({ mode: "live", tokenTolerancePct: 10, costTolerancePct: 10 });
    const within = shadowOf(p, (s) => {
      s.tokens = { input: 100, output: 30, total: 130 }; // 8.3 % more
      s.costUsd = 0.00021; // 5 % more
      step(s, "a").tokens = s.tokens;
    });
    const r = compare(p, within, live);
    expect(r.verdict).toBe("tolerated");
    expect(r.findings.filter((f) => f.severity === "minor").map((f) => f.category)).toEqual([
      "tokens",
      "cost",
    ]);
    expect(r.findings.find((f) => f.nodeId === "a" && f.category === "tokens")?.severity).toBe("info");
    const beyond = shadowOf(p, (s) => {
      s.tokens = { input: 100, output: 40, total: 140 }; // 16.7 % more
    });
    const r2 = compare(p, beyond, live);
    expect(r2.verdict).toBe("mismatch");
    expect(counted(r2.findings)[0].message).toContain("beyond the live tolerance of 10%");
  });

  it("payload references compare by hash", () => {
    const ref = (sha: string, at: string) => ({ $ref: at, bytes: 2_000_000, sha256: sha.repeat(64) });
    const p = primaryRun({ output: ref("a", "blob://primary/1") });
    expect(
      compare(
        p,
        shadowOf(p, (s) => (s.output = ref("a", "blob://shadow/9"))),
      ).verdict,
    ).toBe("match");
    const r = compare(
      p,
      shadowOf(p, (s) => (s.output = ref("b", "blob://shadow/9"))),
    );
    expect(r.verdict).toBe("mismatch");
    expect(counted(r.findings)[0]).toMatchObject({ path: "$.output", primary: ref("a", "blob://primary/1") });
  });

  it("values in findings are redacted and huge values truncated", () => {
    const p = primaryRun({
      output: { headers: { authorization: "Bearer abcdefghijklmnop" }, big: "x".repeat(10) },
    });
    const s = shadowOf(p, (s) => {
      s.output = { headers: { authorization: "Bearer zzzzzzzzzzzzzzzz" }, big: "y".repeat(100_000) };
    });
    const fs = counted(compare(p, s).findings);
    const auth = fs.find((f) => f.path === "$.output.headers.authorization");
    expect(auth?.primary).toBe("[REDACTED]");
    expect(JSON.stringify(fs)).not.toContain("zzzzzzzz");
    const big = fs.find((f) => f.path === "$.output.big");
    expect(typeof big?.shadow).toBe("string");
    expect(String(big?.shadow).length).toBeLessThan(2_100);
    expect(big?.shadow).toContain("more characters");
  });

  it("runs that have not finished, or ran different versions, cannot agree", () => {
    const p = primaryRun();
    const running = shadowOf(p, (s) => {
      s.status = "running";
      s.output = null;
    });
    expect(compare(p, running).findings.find((f) => f.severity === "major")?.message).toContain(
      "still running",
    );
    const other = shadowOf(p, (s) => (s.workflowVersionId = "wfv_other"));
    expect(counted(compare(p, other).findings)[0]).toMatchObject({ path: "$.workflowVersionId" });
  });

  it("a summary counts findings by severity and category", () => {
    const p = primaryRun();
    const s = shadowOf(p, (s) => {
      (s.output as any).score = 1;
      step(s, "a").attempt = 2;
    });
    const r = compare(p, s);
    expect(r.summary.findings.bySeverity).toMatchObject({ major: 1, minor: 0, critical: 0 });
    expect(r.summary.findings.byCategory).toMatchObject({ output: 1, timeline: 1 });
    expect(r.summary.primary).toMatchObject({ runId: "run_primary", executor: "convex" });
    expect(r.summary.shadow).toMatchObject({ runId: "run_shadow", executor: "inngest" });
    expect(Object.isFrozen(r) && Object.isFrozen(r.findings) && Object.isFrozen(r.findings[0])).toBe(true);
  });
});
