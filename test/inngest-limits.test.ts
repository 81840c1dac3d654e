// Does the embedded Inngest engine stop a run where Inngest would, and does the orchestrator stay under the limits?
import { describe, expect, it } from "vitest";
import { compiled as compileDoc, fanOutDoc } from "../bench/graphs.ts";
import type { Executor, RunRequest } from "../executors/executor.ts";
import { createExecutor } from "../executors/factory.ts";
import { EmbeddedInngestExecutor } from "../executors/inngest/embedded.ts";
import { fitEvent, resolveEventData } from "../executors/inngest/event-refs.ts";
import { EXECUTE_EVENT, eventDataFor } from "../executors/inngest/events.ts";
import {
  checkEvent,
  FREE_PLAN_EVENT_BYTES,
  inngestLimits,
  jsonBytes,
  MAX_STEPS_PER_RUN,
  PAID_PLAN_EVENT_BYTES,
  RUN_STATE_BYTES,
  RunBudget,
  STEP_OUTPUT_BYTES,
} from "../executors/inngest/limits.ts";
import { nodeEnvFactory } from "../executors/inngest/node-env.ts";
import { MemoryBlobStore } from "../executors/inngest/payload.ts";
import { RunRecord } from "../executors/records.ts";
import { compare } from "../parity/compare.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { mapOverItems } from "./graphs.ts";

const quiet = { env: {}, announce: () => {} };
let seq = 0;
async function run(executor: Executor, workflow: CompiledWorkflow, input: unknown) {
  const runId = `limits-${++seq}`;
  await executor.submit({ runId, workspaceId: "limits", workflow, input, provider: "mock" });
  return RunRecord.parse(await executor.waitFor("limits", runId, { timeoutMs: 120_000 }));
}

function embedded(options: Partial<ConstructorParameters<typeof EmbeddedInngestExecutor>[0]> = {}) {
  return new EmbeddedInngestExecutor({
    env: nodeEnvFactory({ defaultProvider: "mock" }),
    retries: 0,
    ...options,
  });
}

/** input → one transform returning `script`'s value → output. */
function transformGraph(script: string, variables: unknown[] = []): CompiledWorkflow {
  const result = compileWorkflow({
    id: "limits",
    name: "limits",
    variables,
    nodes: [
      { id: "input", type: "input", position: { x: 0, y: 0 }, data: {} },
      { id: "make", type: "transform", position: { x: 100, y: 0 }, data: { script } },
      { id: "output", type: "output", position: { x: 200, y: 0 }, data: {} },
    ],
    edges: [
      { id: "e1", source: "input", target: "make" },
      { id: "e2", source: "make", target: "output" },
    ],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.compiled;
}

describe("Inngest's limits, named", () => {
  it("are the documented figures, the event size per plan and configurable", () => {
    expect(FREE_PLAN_EVENT_BYTES).toBe(256 * 1024);
    expect(PAID_PLAN_EVENT_BYTES).toBe(3 * 1024 * 1024);
    expect(STEP_OUTPUT_BYTES).toBe(4 * 1024 * 1024);
    expect(RUN_STATE_BYTES).toBe(32 * 1024 * 1024);
    expect(MAX_STEPS_PER_RUN).toBe(1_000);
    expect(inngestLimits({}, {}).eventBytes).toBe(FREE_PLAN_EVENT_BYTES);
    expect(inngestLimits({}, { CUTOVER_INNGEST_EVENT_BYTES: "paid" }).eventBytes).toBe(PAID_PLAN_EVENT_BYTES);
    expect(inngestLimits({}, { CUTOVER_INNGEST_EVENT_BYTES: "1000000" }).eventBytes).toBe(1_000_000);
    expect(() => inngestLimits({}, { CUTOVER_INNGEST_EVENT_BYTES: "lots" })).toThrow(
      /CUTOVER_INNGEST_EVENT_BYTES/,
    );
  });

  it("count steps, step output and state the way the run's budget meets them", () => {
    const limits = inngestLimits({ maxSteps: 2, stepOutputBytes: 100, runStateBytes: 150 }, {});
    const budget = new RunBudget(limits, 40);
    expect(budget.step("a", "x".repeat(50))).toBeNull();
    expect(budget.step("b", "x".repeat(120))?.code).toBe("INNGEST_STEP_OUTPUT_TOO_LARGE");
    expect(new RunBudget(limits, 40).step("a", "x".repeat(90))).toBeNull();
    const full = new RunBudget(limits, 40);
    full.step("a", "x".repeat(90));
    expect(full.step("b", "x".repeat(30))?.code).toBe("INNGEST_STATE_TOO_LARGE");
    const many = new RunBudget(limits, 0);
    many.step("a", 1);
    many.step("b", 1);
    expect(many.step("c", 1)?.message).toMatch(/^INNGEST_TOO_MANY_STEPS: step c is step 3 of the run/);
  });
});

describe("the execute event stays under the event limit", () => {
  const request = (workflow: CompiledWorkflow, input: unknown): RunRequest => ({
    runId: "r1",
    workspaceId: "ws",
    workflow,
    input,
  });

  it("sends a large graph by reference (the function fetches it by hash), then a large input", async () => {
    const blobs = new MemoryBlobStore();
    const limits = inngestLimits({}, {});
    const big = compileDoc(fanOutDoc(1_000));
    const event = {
      name: EXECUTE_EVENT,
      id: "inferpipe-run-r1",
      data: eventDataFor(request(big, { topic: "t" })),
    };
    expect(jsonBytes(event)).toBeGreaterThan(FREE_PLAN_EVENT_BYTES);
    const fitted = await fitEvent(event, limits, blobs);
    expect(fitted.graph).toBeUndefined();
    expect(fitted.refs?.graph?.$ref).toMatch(/^blob:[0-9a-f]{64}$/);
    expect(fitted.input).toEqual({ topic: "t" });
    expect(checkEvent({ ...event, data: fitted }, limits)).toBeNull();
    const back = await resolveEventData(fitted, blobs);
    expect(back.graph).toEqual(big);

    const small = transformGraph("return 1;");
    const input = { text: "y".repeat(300 * 1024) };
    const withInput = await fitEvent(
      { name: EXECUTE_EVENT, data: eventDataFor(request(small, input)) },
      limits,
      blobs,
    );
    // The small graph went first, then the input, which was what made the event large.
    expect(Object.keys(withInput.refs ?? {}).sort()).toEqual(["graph", "input"]);
    expect((await resolveEventData(withInput, blobs)).input).toEqual(input);
  });

  it("refuses a graph sent by reference that is not the event's version", async () => {
    const blobs = new MemoryBlobStore();
    const data = await fitEvent(
      { name: EXECUTE_EVENT, data: eventDataFor(request(transformGraph("return 1;"), {})) },
      { eventBytes: 10 },
      blobs,
    );
    await expect(resolveEventData({ ...data, workflowVersionId: "other" }, blobs)).rejects.toThrow(
      /not the event's/,
    );
  });
});

describe("the embedded Inngest engine enforces Inngest's limits", () => {
  it("completes a 2 MB input: the input travels by reference, the event stays under 256 KiB", async () => {
    const workflow = transformGraph("return input.text.length;", [{ name: "text", type: "string" }]);
    const record = await run(embedded(), workflow, { text: "z".repeat(2 * 1024 * 1024) });
    expect(record.status).toBe("completed");
    expect(record.output).toBe(2 * 1024 * 1024);
  });

  it("fails INNGEST_EVENT_TOO_LARGE when the event cannot be made small enough for the plan", async () => {
    const record = await run(embedded({ limits: { eventBytes: 200 } }), transformGraph("return 1;"), {});
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe("INNGEST_EVENT_TOO_LARGE");
    expect(record.steps).toEqual([]);
  });

  it("completes a 5 MB step output kept in the blob store, and fails INNGEST_STEP_OUTPUT_TOO_LARGE when it is returned inline", async () => {
    const script = "return 'w'.repeat(5 * 1024 * 1024);";
    const offloaded = await run(embedded(), transformGraph(script), {});
    expect(offloaded.status).toBe("completed");
    expect(offloaded.output).toMatchObject({ bytes: 5 * 1024 * 1024 + 2 });

    // Past the step limit when a step returns it itself (no blob store in between), as Inngest would refuse it.
    const inline = await run(
      embedded({ payloadThresholdBytes: 64 * 1024 * 1024 }),
      transformGraph(script),
      {},
    );
    expect(inline.status).toBe("failed");
    expect(inline.error?.code).toBe("INNGEST_STEP_OUTPUT_TOO_LARGE");
    expect(inline.steps.find((s) => s.name === "node-make-transform")).toMatchObject({
      status: "failed",
      error: { code: "INNGEST_STEP_OUTPUT_TOO_LARGE" },
    });
  }, 60_000);

  it("fails INNGEST_STATE_TOO_LARGE when the steps' data passes the run's state limit", async () => {
    const workflow = transformGraph("return 's'.repeat(600 * 1024);");
    const record = await run(
      embedded({ payloadThresholdBytes: 8 * 1024 * 1024, limits: { runStateBytes: 1024 * 1024 } }),
      workflow,
      {},
    );
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe("INNGEST_STATE_TOO_LARGE");
  });

  it("a 1,001-wide fan-out (1,003 steps) fails INNGEST_TOO_MANY_STEPS on Inngest only, and the parity result names it", async () => {
    const workflow = compileDoc(fanOutDoc(1_001));
    const convex = createExecutor("convex", quiet);
    const [a, b] = await Promise.all([run(convex, workflow, {}), run(embedded(), workflow, {})]);
    expect(a.status).toBe("completed");
    expect(b.status).toBe("failed");
    expect(b.error?.code).toBe("INNGEST_TOO_MANY_STEPS");
    expect(b.error?.message).toMatch(/step 1001 of the run; Inngest allows at most 1000/);
    const parity = compare(a, b, undefined, workflow);
    expect(parity.verdict).toBe("mismatch");
    expect(JSON.stringify(parity.findings)).toContain("INNGEST_TOO_MANY_STEPS");
  }, 120_000);

  it("a map of 1,500 items stays under the step limit on Inngest (chunked) and completes", async () => {
    const result = compileWorkflow(
      mapOverItems({ type: "transform", data: { script: "return index * 2;" } }, 8, { id: "map-1500" }),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const record = await run(embedded(), result.compiled, {
      items: Array.from({ length: 1_500 }, (_, i) => i),
    });
    expect(record.status).toBe("completed");
    expect(record.steps.length).toBeLessThan(MAX_STEPS_PER_RUN);
    expect(record.output).toEqual(Array.from({ length: 1_500 }, (_, i) => i * 2));
  }, 60_000);
});
