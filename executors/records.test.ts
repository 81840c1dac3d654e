import { describe, expect, it } from "vitest";
import { RunRecord, StepRecord, sumUsage } from "./records.ts";

const step = {
  nodeId: "summarize",
  name: "node-summarize-llm",
  type: "llm",
  status: "completed",
  attempt: 1,
  input: { prompt: "Summarize: hi" },
  output: "hi",
  error: null,
  tokens: { input: 10, output: 2, total: 12 },
  costUsd: 0.000003,
  model: "gpt-4o-mini",
  startedAt: "2026-11-26T10:00:00.000Z",
  finishedAt: "2026-11-26T10:00:00.250Z",
  durationMs: 250,
};

const run = {
  runId: "run_1",
  workflowId: "wf_summary",
  workspaceId: "ws_1",
  workflowVersionId: "wfv_abc",
  executor: "convex",
  status: "completed",
  input: { text: "hi" },
  output: "hi",
  error: null,
  tokens: { input: 10, output: 2, total: 12 },
  costUsd: 0.000003,
  createdAt: "2026-11-26T10:00:00.000Z",
  startedAt: "2026-11-26T10:00:00.000Z",
  finishedAt: "2026-11-26T10:00:00.300Z",
  durationMs: 300,
  shadow: { pairId: "pair_1", of: "run_0" },
  steps: [step],
};

describe("RunRecord", () => {
  it("round-trips through JSON unchanged", () => {
    const parsed = RunRecord.parse(JSON.parse(JSON.stringify(run)));
    expect(parsed).toEqual(run);
    expect(RunRecord.parse(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
  });

  it("rejects an unknown executor, a bad status and a malformed step name", () => {
    expect(RunRecord.safeParse({ ...run, executor: "lambda" }).success).toBe(false);
    expect(RunRecord.safeParse({ ...run, status: "done" }).success).toBe(false);
    expect(StepRecord.safeParse({ ...step, name: "summarize" }).success).toBe(false);
  });

  it("accepts map item step names and a null shadow-free record", () => {
    const { shadow: _drop, ...plain } = run;
    const ok = RunRecord.safeParse({
      ...plain,
      steps: [{ ...step, name: "node-items-map-12", type: "map" }],
    });
    expect(ok.success).toBe(true);
  });
});

describe("sumUsage", () => {
  it("adds step tokens and cost, ignoring steps without usage", () => {
    const parsed = StepRecord.parse(step);
    const usage = sumUsage([parsed, { ...parsed, tokens: null, costUsd: 0 }, parsed]);
    expect(usage).toEqual({ tokens: { input: 20, output: 4, total: 24 }, costUsd: 0.000006 });
  });
});
