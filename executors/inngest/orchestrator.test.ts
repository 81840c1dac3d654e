import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../workflow/compile.ts";
import type { CompiledWorkflow } from "../../workflow/compiled.ts";
import { ErrorCode, NodeError } from "../../workflow/errors.ts";
import type { LlmProvider, LlmRequest } from "../../workflow/provider.ts";
import { createMockProvider } from "../../workflow/providers/mock.ts";
import type { NodeEnv } from "../../workflow/steps.ts";
import { RunRecord } from "../records.ts";
import { EmbeddedInngestExecutor } from "./embedded.ts";
import { MemoryBlobStore } from "./payload.ts";

type Node = { id: string; type: string; data?: Record<string, unknown> };
type Edge = [string, string, ("true" | "false")?];

function compile(nodes: Node[], edges: Edge[], variables: unknown[] = []): CompiledWorkflow {
  const doc = {
    id: "wf-test",
    name: "test",
    variables,
    nodes: nodes.map((n, i) => ({
      id: n.id,
      type: n.type,
      position: { x: i * 100, y: 0 },
      data: n.data ?? {},
    })),
    edges: edges.map(([source, target, handle], i) => ({
      id: `e${i}`,
      source,
      target,
      sourceHandle: handle ?? null,
      targetHandle: null,
    })),
  };
  const result = compileWorkflow(doc);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.compiled;
}

const ai = (id: string, prompt: string): Node => ({
  id,
  type: "ai",
  data: { model: "gpt-4o-mini", prompt, outputFormat: "text" },
});

/** A mock provider that counts calls per node, tracks concurrency, and fails on request. */
function countingProvider(
  options: { latencyMs?: number; fail?: (r: LlmRequest, n: number) => Error | undefined } = {},
) {
  const inner = createMockProvider();
  const calls: Record<string, number> = {};
  let inFlight = 0;
  let peak = 0;
  const provider: LlmProvider = {
    name: "mock",
    async complete(request, signal) {
      calls[request.nodeId] = (calls[request.nodeId] ?? 0) + 1;
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
        const failure = options.fail?.(request, calls[request.nodeId]);
        if (failure) throw failure;
        return await inner.complete(request, signal);
      } finally {
        inFlight--;
      }
    },
  };
  return { provider, calls, peak: () => peak };
}

function executor(
  provider: LlmProvider,
  extra: Partial<ConstructorParameters<typeof EmbeddedInngestExecutor>[0]> = {},
) {
  const env = (): NodeEnv => ({
    provider,
    http: { allowHosts: [], timeoutMs: 1000, maxResponseBytes: 1e6 },
    secret: () => undefined,
  });
  return new EmbeddedInngestExecutor({ env, retries: 2, retryDelayMs: () => 0, ...extra });
}

async function run(ex: EmbeddedInngestExecutor, workflow: CompiledWorkflow, input: unknown, runId = "run-1") {
  await ex.submit({ runId, workspaceId: "ws", workflow, input });
  return RunRecord.parse(await ex.waitFor("ws", runId));
}

const chain = compile(
  [
    { id: "in", type: "input" },
    { id: "double", type: "transform", data: { script: "return input.n * 2;" } },
    ai("ask", "Value: {{nodes.double}}"),
    { id: "out", type: "output" },
  ],
  [
    ["in", "double"],
    ["double", "ask"],
    ["ask", "out"],
  ],
);

describe("execute-workflow on the embedded Inngest runner", () => {
  it("runs a sequential graph, one step per node, and returns the output node's value", async () => {
    const p = countingProvider();
    const ex = executor(p.provider);
    const record = await run(ex, chain, { n: 21 });
    expect(record.status).toBe("completed");
    expect(record.steps.map((s) => [s.name, s.status, s.attempt])).toEqual([
      ["node-in-input", "completed", 1],
      ["node-double-transform", "completed", 1],
      ["node-ask-llm", "completed", 1],
      ["node-out-output", "completed", 1],
    ]);
    expect(record.steps[1].output).toBe(42);
    expect(record.output).toBe(record.steps[2].output);
    expect(typeof record.output).toBe("string");
    expect(record.tokens.total).toBeGreaterThan(0);
    expect(record.tokens).toEqual(record.steps[2].tokens);
    expect(p.calls).toEqual({ ask: 1 });
    // Checkpointing (Inngest v4's default) runs a sequential graph in one execution, not one per step.
    expect(ex.statsOf("run-1")?.executions).toBe(1);
  });

  it("runs independent nodes as parallel steps, each exactly once", async () => {
    const p = countingProvider({ latencyMs: 5 });
    const wf = compile(
      [
        { id: "in", type: "input" },
        ai("a", "A {{input}}"),
        ai("b", "B {{input}}"),
        ai("c", "C {{input}}"),
        { id: "out", type: "output" },
      ],
      [
        ["in", "a"],
        ["in", "b"],
        ["in", "c"],
        ["a", "out"],
        ["b", "out"],
        ["c", "out"],
      ],
    );
    const record = await run(executor(p.provider), wf, "x");
    expect(record.status).toBe("completed");
    expect(p.calls).toEqual({ a: 1, b: 1, c: 1 });
    expect(p.peak()).toBe(3);
    expect(Object.keys(record.output as object).sort()).toEqual(["a", "b", "c"]);
  });

  it("records the branch not taken as skipped steps, absent from results", async () => {
    const wf = compile(
      [
        { id: "in", type: "input" },
        { id: "check", type: "branch", data: { condition: "input.n > 10" } },
        { id: "big", type: "transform", data: { script: "return 'big';" } },
        { id: "small", type: "transform", data: { script: "return 'small';" } },
        { id: "out", type: "output" },
      ],
      [
        ["in", "check"],
        ["check", "big", "true"],
        ["check", "small", "false"],
        ["big", "out"],
        ["small", "out"],
      ],
    );
    const record = await run(executor(countingProvider().provider), wf, { n: 3 });
    expect(record.status).toBe("completed");
    expect(record.output).toBe("small");
    expect(record.steps.map((s) => [s.name, s.status])).toEqual([
      ["node-in-input", "completed"],
      ["node-check-branch", "completed"],
      ["node-big-transform", "skipped"],
      ["node-small-transform", "completed"],
      ["node-out-output", "completed"],
    ]);
    expect(record.steps[2]).toMatchObject({ output: null, tokens: null, startedAt: null });
  });

  it("runs map items as node-<id>-map-<i> steps within the node's concurrency bound", async () => {
    const p = countingProvider({ latencyMs: 5 });
    const wf = compile(
      [
        { id: "in", type: "input" },
        {
          id: "each",
          type: "map",
          data: {
            items: "input.items",
            concurrency: 2,
            task: {
              type: "ai",
              data: { model: "gpt-4o-mini", prompt: "Item {{index}}: {{item}}", outputFormat: "text" },
            },
          },
        },
        { id: "out", type: "output" },
      ],
      [
        ["in", "each"],
        ["each", "out"],
      ],
    );
    const record = await run(executor(p.provider), wf, { items: ["a", "b", "c", "d", "e"] });
    expect(record.status).toBe("completed");
    expect(record.steps.map((s) => s.name)).toEqual([
      "node-in-input",
      "node-each-map-0",
      "node-each-map-1",
      "node-each-map-2",
      "node-each-map-3",
      "node-each-map-4",
      "node-each-map",
      "node-out-output",
    ]);
    expect(p.calls.each).toBe(5);
    expect(p.peak()).toBe(2);
    const items = record.steps.filter((s) => /-map-\d+$/.test(s.name)).map((s) => s.output);
    expect(record.output).toEqual(items);
  });

  it("retries a failed step with completed steps memoized (not re-run) and records the attempt", async () => {
    const wf = compile(
      [
        { id: "in", type: "input" },
        ai("first", "one {{input}}"),
        ai("second", "two {{nodes.first}}"),
        { id: "out", type: "output" },
      ],
      [
        ["in", "first"],
        ["first", "second"],
        ["second", "out"],
      ],
    );
    const p = countingProvider({
      fail: (r, n) =>
        r.nodeId === "second" && n <= 2
          ? new NodeError(ErrorCode.PROVIDER_SERVER_ERROR, "503 from provider", { retryable: true })
          : undefined,
    });
    const record = await run(executor(p.provider), wf, "x");
    expect(record.status).toBe("completed");
    expect(p.calls).toEqual({ first: 1, second: 3 });
    expect(record.steps.map((s) => [s.name, s.attempt])).toEqual([
      ["node-in-input", 1],
      ["node-first-llm", 1],
      ["node-second-llm", 3],
      ["node-out-output", 1],
    ]);
  });

  it("fails at once on a non-retryable error, keeping the steps already done", async () => {
    const p = countingProvider({
      fail: (r) =>
        r.nodeId === "ask" ? new NodeError(ErrorCode.PROVIDER_BAD_REQUEST, "400: bad prompt") : undefined,
    });
    const record = await run(executor(p.provider), chain, { n: 1 });
    expect(record.status).toBe("failed");
    expect(record.output).toBeNull();
    expect(record.error).toEqual({ code: "PROVIDER_BAD_REQUEST", message: "400: bad prompt" });
    expect(p.calls).toEqual({ ask: 1 });
    expect(record.steps.map((s) => [s.name, s.status, s.error?.code ?? null])).toEqual([
      ["node-in-input", "completed", null],
      ["node-double-transform", "completed", null],
      ["node-ask-llm", "failed", "PROVIDER_BAD_REQUEST"],
    ]);
  });

  it("fails a run whose retries run out with the last error", async () => {
    const p = countingProvider({
      fail: () => new NodeError(ErrorCode.PROVIDER_TIMEOUT, "timed out", { retryable: true }),
    });
    const record = await run(executor(p.provider, { retries: 1 }), chain, { n: 1 });
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe("PROVIDER_TIMEOUT");
    expect(p.calls).toEqual({ ask: 2 });
    expect(record.steps.at(-1)).toMatchObject({ name: "node-ask-llm", status: "failed", attempt: 2 });
  });

  it("fails a run whose input is invalid without retrying", async () => {
    const wf = compile(
      [
        { id: "in", type: "input" },
        { id: "out", type: "output" },
      ],
      [["in", "out"]],
      [{ name: "n", type: "number" }],
    );
    const record = await run(executor(countingProvider().provider), wf, { n: "not a number" });
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe("INPUT_INVALID");
    expect(record.steps).toEqual([]);
  });

  it("cancels at the next step boundary, keeping completed steps", async () => {
    const p = countingProvider({ latencyMs: 40 });
    const wf = compile(
      [
        { id: "in", type: "input" },
        ai("first", "one"),
        ai("second", "two {{nodes.first}}"),
        { id: "out", type: "output" },
      ],
      [
        ["in", "first"],
        ["first", "second"],
        ["second", "out"],
      ],
    );
    const ex = executor(p.provider);
    await ex.submit({ runId: "c1", workspaceId: "ws", workflow: wf, input: "x" });
    while (!(await ex.get("ws", "c1"))?.steps.some((s) => s.name === "node-in-input")) {
      await new Promise((r) => setTimeout(r, 2));
    }
    await ex.cancel("ws", "c1");
    const record = RunRecord.parse(await ex.waitFor("ws", "c1"));
    expect(record.status).toBe("canceled");
    expect(record.error?.code).toBe("CANCELED");
    expect(p.calls.second).toBeUndefined();
    expect(record.steps.every((s) => s.status === "completed")).toBe(true);
    expect(record.steps.some((s) => s.name === "node-second-llm")).toBe(false);
  });

  it("is idempotent on runId and scoped by workspace", async () => {
    const p = countingProvider();
    const ex = executor(p.provider);
    await ex.submit({ runId: "same", workspaceId: "ws", workflow: chain, input: { n: 1 } });
    await ex.submit({ runId: "same", workspaceId: "ws", workflow: chain, input: { n: 2 } });
    const record = await ex.waitFor("ws", "same");
    expect(record.input).toEqual({ n: 1 });
    expect(p.calls).toEqual({ ask: 1 });
    expect(await ex.get("other-ws", "same")).toBeNull();
  });

  it("keeps large step outputs by reference, comparable by hash", async () => {
    const wf = compile(
      [
        { id: "in", type: "input" },
        {
          id: "big",
          type: "transform",
          data: { script: "return Array.from({ length: 2000 }, (_, i) => 'row ' + i);" },
        },
        { id: "count", type: "transform", data: { script: "return results.big.length;" } },
        { id: "out", type: "output" },
      ],
      [
        ["in", "big"],
        ["big", "count"],
        ["count", "out"],
      ],
    );
    const blobs = new MemoryBlobStore();
    const record = await run(
      executor(countingProvider().provider, { blobs, payloadThresholdBytes: 1000 }),
      wf,
      null,
    );
    expect(record.status).toBe("completed");
    // The next node still saw the whole array (the step kept only a reference).
    expect(record.output).toBe(2000);
    expect(record.steps[1].output).toMatchObject({
      $ref: expect.stringMatching(/^blob:/),
      bytes: expect.any(Number),
    });
    const ref = record.steps[1].output as { sha256: string };
    expect(JSON.parse((await blobs.get(ref.sha256)) ?? "null")).toHaveLength(2000);
  });
});
