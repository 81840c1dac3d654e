import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compiledChain, compiledFanOut } from "../../bench/graphs.ts";
import { api, internal } from "../../convex/_generated/api.js";
import { PayloadRef, RunRecord, sumUsage } from "../records.ts";
import { ConvexExecutorError } from "./executor.ts";
import { compileOrThrow, embeddedExecutor, lineDoc, transformNode } from "./testing.ts";

const modules = import.meta.glob("../../convex/**/*.ts");
const example = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../examples/${name}.json`, import.meta.url), "utf8"));
const exampleInput = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../examples/inputs/${name}.json`, import.meta.url), "utf8"));

describe("ConvexExecutor on the embedded runtime", () => {
  it("runs a workflow to completion and records every step with usage and totals", async () => {
    const { executor } = embeddedExecutor(modules);
    const workflow = compileOrThrow(example("summary"));
    await executor.submit({ runId: "r1", workspaceId: "ws", workflow, input: exampleInput("summary") });
    const record = await executor.waitFor("ws", "r1");
    expect(RunRecord.parse(record)).toEqual(record);
    expect(record.status).toBe("completed");
    expect(record.executor).toBe("convex");
    expect(record.workflowVersionId).toBe(workflow.workflowVersionId);
    expect(record.steps.map((s) => [s.name, s.status, s.attempt])).toEqual([
      ["node-input-input", "completed", 1],
      ["node-summarize-llm", "completed", 1],
      ["node-output-output", "completed", 1],
    ]);
    const llm = record.steps[1];
    expect(llm.model).toBeTruthy();
    expect(llm.tokens!.total).toBeGreaterThan(0);
    expect(typeof record.output).toBe("string");
    expect(record.output).toEqual(llm.output);
    expect(record.tokens).toEqual(sumUsage(record.steps).tokens);
    expect(record.costUsd).toBe(sumUsage(record.steps).costUsd);
    expect(record.durationMs).not.toBeNull();
    // Variable defaults are applied by the run, not baked into the recorded input.
    expect(record.input).toEqual(exampleInput("summary"));
  });

  it("treats a second start with the same runId as the first run", async () => {
    const { executor, t } = embeddedExecutor(modules);
    const workflow = compileOrThrow(example("summary"));
    const request = { runId: "dup", workspaceId: "ws", workflow, input: exampleInput("summary") };
    expect(await executor.submit(request)).toEqual({ runId: "dup" });
    const first = await executor.waitFor("ws", "dup");
    expect(await executor.submit({ ...request, input: { article: "something else" } })).toEqual({
      runId: "dup",
    });
    const again = await executor.waitFor("ws", "dup");
    expect(again).toEqual(first);
    const runs = await t.run((ctx) => ctx.db.query("cutover_runs").collect());
    const steps = await t.run((ctx) => ctx.db.query("cutover_steps").collect());
    expect(runs).toHaveLength(1);
    expect(steps).toHaveLength(3);
  });

  it("refuses cross-workspace reads and writes, and unknown keys", async () => {
    const { executor, backend } = embeddedExecutor(modules);
    const workflow = compileOrThrow(example("summary"));
    await executor.submit({
      runId: "secret-run",
      workspaceId: "acme",
      workflow,
      input: exampleInput("summary"),
    });
    await executor.waitFor("acme", "secret-run");
    const otherKey = await backend.apiKeyFor("globex");
    // A key of another workspace, asking for acme's run: refused, whatever the run id.
    await expect(
      backend.query(api.cutover.runs.get, { apiKey: otherKey, workspaceId: "acme", runId: "secret-run" }),
    ).rejects.toThrow(/does not belong to workspace acme/);
    await expect(
      backend.mutation(api.cutover.runs.cancel, {
        apiKey: otherKey,
        workspaceId: "acme",
        runId: "secret-run",
      }),
    ).rejects.toThrow(/does not belong to workspace acme/);
    await expect(
      backend.query(api.cutover.logs.list, { apiKey: otherKey, workspaceId: "acme", runId: "secret-run" }),
    ).rejects.toThrow(/does not belong/);
    // Its own workspace does not have the run.
    expect(await executor.get("globex", "secret-run")).toBeNull();
    await expect(
      backend.query(api.cutover.runs.get, { apiKey: "cvx_guess", workspaceId: "acme", runId: "secret-run" }),
    ).rejects.toThrow(/unknown or revoked API key/);
    // Run ids are per workspace: the same id in another workspace is another run (no existence oracle).
    await executor.submit({
      runId: "secret-run",
      workspaceId: "globex",
      workflow,
      input: exampleInput("summary"),
    });
    expect((await executor.waitFor("globex", "secret-run")).workspaceId).toBe("globex");
    expect((await executor.get("acme", "secret-run"))!.status).toBe("completed");
  });

  it("refuses a key without the scope a call needs", async () => {
    const { backend, t } = embeddedExecutor(modules);
    const { internal } = await import("../../convex/_generated/api.js");
    const { key } = await t.action(internal.cutover.apiKeys.issue, {
      workspaceId: "ws",
      name: "reader",
      scopes: ["runs:read"],
    });
    await expect(
      t.action(api.cutover.runStart.start, {
        apiKey: key,
        workspaceId: "ws",
        workflowId: "summary",
        runId: "r",
        inputJson: "{}",
        provider: "mock",
      }),
    ).rejects.toThrow(/lacks scope runs:write/);
    expect(
      await backend.query(api.cutover.runs.get, { apiKey: key, workspaceId: "ws", runId: "r" }),
    ).toBeNull();
  });

  it("runs independent nodes in parallel up to the bound", async () => {
    const overlapping = (record: RunRecord) => {
      const llm = record.steps.filter((s) => s.type === "llm");
      const firstEnd = Math.min(...llm.map((s) => Date.parse(s.finishedAt!)));
      return llm.filter((s) => Date.parse(s.startedAt!) < firstEnd).length;
    };
    const workflow = compiledFanOut(4);
    const wide = embeddedExecutor(modules, { parallelism: 4 }, "mock:latency=40");
    await wide.executor.submit({ runId: "wide", workspaceId: "ws", workflow, input: {} });
    const wideRecord = await wide.executor.waitFor("ws", "wide");
    expect(wideRecord.status).toBe("completed");
    expect(overlapping(wideRecord)).toBe(4);
    expect(Object.keys(wideRecord.output as object).sort()).toEqual(["f1", "f2", "f3", "f4"]);

    const narrow = embeddedExecutor(modules, { parallelism: 1 }, "mock:latency=40");
    await narrow.executor.submit({ runId: "narrow", workspaceId: "ws", workflow, input: {} });
    const narrowRecord = await narrow.executor.waitFor("ws", "narrow");
    expect(overlapping(narrowRecord)).toBe(1);
    expect(narrowRecord.output).toEqual(wideRecord.output);
  });

  it("cancels a run between steps: completed steps kept, nothing after, run canceled", async () => {
    const { executor } = embeddedExecutor(modules, {}, "mock:latency=30");
    const workflow = compiledChain(30);
    await executor.submit({ runId: "c1", workspaceId: "ws", workflow, input: {} });
    for (;;) {
      const r = await executor.get("ws", "c1");
      if (r && r.steps.filter((s) => s.status === "completed").length >= 3) break;
      await new Promise((res) => setTimeout(res, 5));
    }
    await executor.cancel("ws", "c1");
    const record = await executor.waitFor("ws", "c1");
    expect(record.status).toBe("canceled");
    expect(record.error).toMatchObject({ code: "CANCELED" });
    expect(record.output).toBeNull();
    const completed = record.steps.filter((s) => s.status === "completed");
    expect(completed.length).toBeGreaterThanOrEqual(3);
    expect(completed.length).toBeLessThan(30);
    expect(record.steps.some((s) => s.name === "node-output-output")).toBe(false);
    expect(record.steps.every((s) => s.status === "completed" || s.status === "canceled")).toBe(true);
    expect(record.tokens).toEqual(sumUsage(record.steps).tokens);
    await expect(executor.cancel("ws", "nope")).rejects.toBeInstanceOf(ConvexExecutorError);
  });

  it("starts no step once the run has ended: its control document is no longer live", async () => {
    const { executor, t } = embeddedExecutor(modules);
    const workflow = compileOrThrow(example("summary"));
    await executor.submit({ runId: "ended", workspaceId: "ws", workflow, input: exampleInput("summary") });
    await executor.waitFor("ws", "ended");
    const [control] = await t.run((ctx) => ctx.db.query("cutover_runControls").collect());
    expect(control).toMatchObject({ workspaceId: "ws", runId: "ended", live: false });
    const late = { control: control._id, name: "late", nodeId: "late", type: "ai", attempt: 1, at: 0 };
    expect(await t.mutation(internal.cutover.steps.begin, late)).toBeNull();
    expect(await t.query(internal.cutover.runs.isCancelRequested, { control: control._id })).toBe(true);
    expect((await executor.get("ws", "ended"))!.steps).toHaveLength(3);
  });

  it("cancels a queued run before it starts", async () => {
    const { executor } = embeddedExecutor(modules);
    const workflow = compileOrThrow(example("summary"));
    await executor.submit({ runId: "q", workspaceId: "ws", workflow, input: exampleInput("summary") });
    await executor.cancel("ws", "q");
    const record = await executor.waitFor("ws", "q");
    expect(record.status).toBe("canceled");
    expect(record.steps).toEqual([]);
  });

  it("fails a run past its deadline with RUN_TIMEOUT, keeping the steps that completed", async () => {
    const { executor } = embeddedExecutor(modules, { timeoutMs: 150 }, "mock:latency=40");
    await executor.submit({ runId: "slow", workspaceId: "ws", workflow: compiledChain(20), input: {} });
    const record = await executor.waitFor("ws", "slow");
    expect(record.status).toBe("failed");
    expect(record.error).toMatchObject({ code: "RUN_TIMEOUT" });
    expect(record.steps.filter((s) => s.status === "completed").length).toBeGreaterThan(0);
    const last = record.steps.at(-1)!;
    expect(last).toMatchObject({ status: "failed", error: { code: "RUN_TIMEOUT" } });
  });

  it("keeps payloads above the threshold in file storage as references", async () => {
    const { executor, t } = embeddedExecutor(modules, { payloadThresholdBytes: 1024 });
    const doc = lineDoc(
      "big",
      [transformNode("big", 'return "x".repeat(5000) + input.tag;')],
      [{ name: "tag", type: "string" }],
    );
    await executor.submit({
      runId: "big",
      workspaceId: "ws",
      workflow: compileOrThrow(doc),
      input: { tag: "!" },
    });
    const record = await executor.waitFor("ws", "big");
    expect(record.status).toBe("completed");
    const ref = PayloadRef.parse(record.steps.find((s) => s.nodeId === "big")!.output);
    expect(ref.bytes).toBe(5003);
    const stored = await t.run(async (ctx) => {
      const blob = await ctx.storage.get(ref.$ref.replace("convex-storage:", "") as any);
      return blob ? await blob.text() : null;
    });
    expect(JSON.parse(stored!)).toBe(`${"x".repeat(5000)}!`);
    expect(PayloadRef.parse(record.output).sha256).toBe(ref.sha256);
  });

  it("redacts configured paths and secret keys before anything is stored", async () => {
    const { executor, t } = embeddedExecutor(modules, {
      redactPaths: ["input.customer.ssn", "output.customer.ssn"],
    });
    const doc = lineDoc(
      "pii",
      [transformNode("echo", "return { customer: input.customer, ok: true };")],
      [
        { name: "customer", type: "object" },
        { name: "apiKey", type: "string", defaultValue: "" },
      ],
    );
    const input = { customer: { name: "Ada", ssn: "123-45-6789" }, apiKey: "k-live-123" };
    await executor.submit({ runId: "pii", workspaceId: "ws", workflow: compileOrThrow(doc), input });
    const record = await executor.waitFor("ws", "pii");
    expect(record.status).toBe("completed");
    const everything = JSON.stringify(
      await t.run(async (ctx) => [
        await ctx.db.query("cutover_runs").collect(),
        await ctx.db.query("cutover_steps").collect(),
      ]),
    );
    expect(everything).not.toContain("123-45-6789");
    expect(everything).not.toContain("k-live-123");
    expect(everything).toContain("Ada");
    expect(record.output).toEqual({ customer: { name: "Ada", ssn: "[REDACTED]" }, ok: true });
  });

  it("ends the run failed INTERNAL when the executor itself breaks, so nobody waits forever", async () => {
    const { executor, t } = embeddedExecutor(modules);
    const workflow = compileOrThrow(example("summary"));
    await executor.submit({ runId: "broken", workspaceId: "ws", workflow, input: exampleInput("summary") });
    // Before the scheduled action fires, lose the compiled version it needs.
    await t.run(async (ctx) => {
      for (const v of await ctx.db.query("cutover_workflowVersions").collect()) await ctx.db.delete(v._id);
    });
    const record = await executor.waitFor("ws", "broken", { timeoutMs: 5000 });
    expect(record.status).toBe("failed");
    expect(record.error).toMatchObject({ code: "INTERNAL" });
    expect(record.error!.message).toMatch(/workflow version .* is missing/);
  });
});
