import { describe, expect, it } from "vitest";
import { DEFAULT_RUN_OPTIONS } from "../../convex/cutover/runOptions.ts";
import type { CompiledNode } from "../../workflow/compiled.ts";
import { ErrorCode, NodeError } from "../../workflow/errors.ts";
import type { NodeOutcome } from "../../workflow/steps.ts";
import type { ExecutionPort, StepFinish } from "./port.ts";
import { RecordingStepRunner } from "./recording-runner.ts";

const node: CompiledNode = {
  id: "a",
  type: "llm",
  label: "node-a-llm",
  config: {} as any,
  dependsOn: [],
  incoming: [],
};
const outcome: NodeOutcome = {
  output: "hi",
  input: { prompt: "p" },
  tokens: { input: 3, output: 2, total: 5 },
  costUsd: 0.01,
  model: "gpt-4o-mini",
};

function fakePort(opts: { stopAtBegin?: number; stopAfterFinish?: boolean } = {}) {
  const finishes: StepFinish[] = [];
  let begins = 0;
  const port: ExecutionPort = {
    load: async () => null,
    markStarted: async () => true,
    beginStep: async () => (++begins !== opts.stopAtBegin ? "step-1" : null),
    finishStep: async (s) => {
      finishes.push(s);
      return opts.stopAfterFinish ?? false;
    },
    skipStep: async () => {},
    isCancelRequested: async () => false,
    finishRun: async () => {},
    storeBlob: async () => "blob",
    loadBlob: async () => "null",
    resume: async () => true,
    completedSteps: async () => [],
    continueLater: async () => {},
    secret: () => undefined,
  };
  return { port, finishes, begins: () => begins };
}

const options = { ...DEFAULT_RUN_OPTIONS, backoffBaseMs: 1, backoffMaxMs: 4 };
const flaky = (failures: NodeError[]) => async () => {
  const next = failures.shift();
  if (next) throw next;
  return outcome;
};

describe("RecordingStepRunner", () => {
  it("retries retryable errors and records the attempt that succeeded", async () => {
    const { port, finishes } = fakePort();
    const runner = new RecordingStepRunner(port, options, new AbortController());
    const rateLimited = new NodeError(ErrorCode.PROVIDER_RATE_LIMIT, "429", {
      retryable: true,
      retryAfterMs: 3,
    });
    const serverError = new NodeError(ErrorCode.PROVIDER_SERVER_ERROR, "500", { retryable: true });
    await expect(runner.runStep("node-a-llm", node, flaky([rateLimited, serverError]))).resolves.toBe(
      outcome,
    );
    expect(finishes.map((f) => [f.status, f.attempt, f.error?.code])).toEqual([
      ["failed", 1, "PROVIDER_RATE_LIMIT"],
      ["failed", 2, "PROVIDER_SERVER_ERROR"],
      ["completed", 3, undefined],
    ]);
    expect(finishes[0].retryInMs).toBe(3);
    expect(finishes[2]).toMatchObject({ tokens: outcome.tokens, costUsd: 0.01, model: "gpt-4o-mini" });
    expect(JSON.parse(finishes[2].outputJson!)).toBe("hi");
  });

  it("stops after maxAttempts and fails with the last error", async () => {
    const { port, finishes } = fakePort();
    const runner = new RecordingStepRunner(port, { ...options, maxAttempts: 2 }, new AbortController());
    const e = () => new NodeError(ErrorCode.PROVIDER_TIMEOUT, "slow", { retryable: true });
    await expect(runner.runStep("node-a-llm", node, flaky([e(), e(), e()]))).rejects.toMatchObject({
      code: "PROVIDER_TIMEOUT",
    });
    expect(finishes.map((f) => [f.status, f.attempt, f.retryInMs === undefined])).toEqual([
      ["failed", 1, false],
      ["failed", 2, true],
    ]);
  });

  it("does not retry errors that are not retryable", async () => {
    const { port, finishes } = fakePort();
    const runner = new RecordingStepRunner(port, options, new AbortController());
    const bad = new NodeError(ErrorCode.PROVIDER_SCHEMA_VIOLATION, "missing field title");
    await expect(runner.runStep("node-a-llm", node, flaky([bad]))).rejects.toBe(bad);
    expect(finishes).toHaveLength(1);
    expect(finishes[0]).toMatchObject({
      status: "failed",
      attempt: 1,
      error: { code: "PROVIDER_SCHEMA_VIOLATION" },
    });
  });

  it("starts nothing once the run was asked to stop, and aborts the run with CANCELED", async () => {
    const { port, finishes } = fakePort({ stopAtBegin: 1 });
    const controller = new AbortController();
    const runner = new RecordingStepRunner(port, options, controller);
    let ran = false;
    await expect(
      runner.runStep("node-a-llm", node, async () => {
        ran = true;
        return outcome;
      }),
    ).rejects.toMatchObject({ code: "CANCELED" });
    expect(ran).toBe(false);
    expect(finishes).toHaveLength(0);
    expect(controller.signal.aborted).toBe(true);
  });

  it("keeps a step that completed after a cancel request and stops the run", async () => {
    const { port, finishes } = fakePort({ stopAfterFinish: true });
    const controller = new AbortController();
    const runner = new RecordingStepRunner(port, options, controller);
    await expect(runner.runStep("node-a-llm", node, async () => outcome)).resolves.toBe(outcome);
    expect(finishes[0].status).toBe("completed");
    expect(controller.signal.reason).toMatchObject({ code: "CANCELED" });
  });

  it("records an attempt in flight as canceled when the run is canceled, and as RUN_TIMEOUT past the deadline", async () => {
    for (const [reason, status] of [
      [new NodeError(ErrorCode.CANCELED, "run canceled"), "canceled"],
      [new NodeError(ErrorCode.RUN_TIMEOUT, "deadline"), "failed"],
    ] as const) {
      const { port, finishes } = fakePort();
      const controller = new AbortController();
      const runner = new RecordingStepRunner(port, options, controller);
      const p = runner.runStep("node-a-llm", node, () => new Promise<NodeOutcome>(() => {}));
      setTimeout(() => controller.abort(reason), 5);
      await expect(p).rejects.toBe(reason);
      await runner.settled();
      expect(finishes[0]).toMatchObject({ status, error: { code: reason.code } });
    }
  });

  it("redacts secrets in recorded errors", async () => {
    const { port, finishes } = fakePort();
    const runner = new RecordingStepRunner(port, options, new AbortController());
    const leak = new NodeError(ErrorCode.PROVIDER_AUTH, "bad key sk-abcdefghijklmnopqrstuvwx");
    await expect(runner.runStep("node-a-llm", node, flaky([leak]))).rejects.toBe(leak);
    expect(finishes[0].error!.message).not.toContain("sk-abcdefghijklmnopqrstuvwx");
  });
});
