// Does cutover install beside inferpipe's own tables? Runs, flags and results in the repository's host app,
// whose `workflows`, `runs`, `steps` and `apiKeys` hold inferpipe's real documents, and the adapter that
// writes cutover's runs into inferpipe's shapes for its UI.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { internal } from "../convex/_generated/api.js";
import { compileOrThrow, embeddedExecutor } from "../executors/convex/testing.ts";
import { runRecord } from "../store/contract.ts";
import { convexStore } from "../store/convex.ts";

const modules = import.meta.glob("../convex/**/*.ts");
const refDir = new URL("../../shared/legacy-reference/", import.meta.url);
/** inferpipe's real workflow documents (the builder's saves), without the fields Convex assigns. */
const realWorkflows = readdirSync(refDir)
  .filter((f) => /^g\d+.*\.json$/.test(f) && !f.endsWith(".legacy.json"))
  .map((f) => JSON.parse(readFileSync(new URL(f, refDir), "utf8")) as Record<string, unknown>);
const stored = ({ _id, _creationTime, ...doc }: Record<string, unknown>) => doc as never;

describe("the host app: cutover beside inferpipe's tables", () => {
  it("holds inferpipe's documents in workflows/runs/steps/apiKeys while runs, flags and results work", async () => {
    expect(realWorkflows.length).toBeGreaterThan(0);
    const { executor, t } = embeddedExecutor(modules);

    // inferpipe's own documents, as its app writes them.
    const host = await t.run(async (ctx) => {
      const ids = [];
      for (const doc of realWorkflows) ids.push(await ctx.db.insert("workflows", stored(doc)));
      const wf = (await ctx.db.get(ids[0]))!;
      const runId = await ctx.db.insert("runs", {
        workflowId: ids[0],
        userId: wf.userId,
        status: "completed",
        input: { text: "hello" },
        output: { text: "bye" },
        metadata: { totalSteps: 1, completedSteps: 1, cost: 0.0001, duration: 12 },
        createdAt: 1,
        updatedAt: 2,
      });
      await ctx.db.insert("steps", {
        runId,
        userId: wf.userId,
        nodeId: "input-1",
        nodeType: "input",
        status: "completed",
        input: null,
        output: { text: "hello" },
        metadata: { model: "gpt-4o-mini", tokens: { input: 1, output: 2 }, cost: 0.0001, duration: 12 },
        startedAt: 1,
        completedAt: 2,
      });
      await ctx.db.insert("apiKeys", {
        name: "inferpipe key",
        keyHash: "0".repeat(64),
        scopes: ["workflows:read", "runs:execute"],
        isActive: true,
        createdAt: 1,
      });
      return { ids, runId };
    });

    // A run of one of those workflows (legacy profile, keyed by its Convex id) on cutover's executor.
    const chain = realWorkflows.find(
      (d) => String(d.name ?? "").length > 0 && (d.nodes as unknown[]).length > 1,
    )!;
    const index = realWorkflows.indexOf(chain);
    const workflow = compileOrThrow({ ...chain, _id: host.ids[index] });
    await executor.submit({ runId: "host-r1", workspaceId: "ws", workflow, input: { text: "hi" } });
    const record = await executor.waitFor("ws", "host-r1");
    expect(record.status).toBe("completed");

    // Flags and results on the same deployment.
    const store = convexStore(t);
    const flag = await store.compareAndSetFlag({
      workflowId: workflow.workflowId,
      expectedVersion: 0,
      next: {
        stage: "shadow",
        samplePct: 100,
        shadowProvider: "replay",
        dailyBudgetUsd: 0,
        workspaceOverrides: {},
      },
      actor: "ops",
      reason: "pilot",
    });
    expect(flag.stage).toBe("shadow");
    await store.putPair({
      pairId: "p1",
      workspaceId: "ws",
      workflowId: workflow.workflowId,
      primaryRunId: "host-r1",
      shadowRunId: null,
      status: "waiting",
      createdAt: new Date(0).toISOString(),
    } as never);
    await store.putRunRecord("p1", "primary", runRecord({ runId: "host-r1", workspaceId: "ws" }));
    await store.putResult({
      pairId: "p1",
      workflowId: workflow.workflowId,
      workspaceId: "ws",
      verdict: "match",
      findings: [],
      summary: {},
      flagVersion: flag.version,
      policy: { name: "default" },
      comparedAt: new Date(1).toISOString(),
    });
    expect(
      (await store.listResults({ workflowId: workflow.workflowId })).results.map((r) => r.pairId),
    ).toEqual(["p1"]);

    // inferpipe's documents are untouched, and cutover wrote none of its rows into them.
    const after = await t.run(async (ctx) => ({
      workflows: await ctx.db.query("workflows").collect(),
      runs: await ctx.db.query("runs").collect(),
      steps: await ctx.db.query("steps").collect(),
      apiKeys: await ctx.db.query("apiKeys").collect(),
      cutoverRuns: await ctx.db.query("cutover_runs").collect(),
    }));
    expect(after.workflows).toHaveLength(realWorkflows.length);
    expect(after.runs.map((r) => r._id)).toEqual([host.runId]);
    expect(after.steps).toHaveLength(1);
    expect(after.apiKeys).toHaveLength(1);
    expect(after.cutoverRuns.map((r) => r.runId)).toEqual(["host-r1"]);
  });

  it("the host adapter writes a cutover run into inferpipe's runs and steps shapes, idempotently", async () => {
    const { executor, t } = embeddedExecutor(modules);
    const chain = realWorkflows.find((d) => (d.nodes as { type: string }[]).some((n) => n.type === "ai"))!;
    const hostWorkflowId = await t.run((ctx) => ctx.db.insert("workflows", stored(chain)));
    const workflow = compileOrThrow({ ...chain, _id: hostWorkflowId });
    await executor.submit({ runId: "ui-1", workspaceId: "ws", workflow, input: { text: "hi" } });
    const record = await executor.waitFor("ws", "ui-1");
    expect(record.status).toBe("completed");

    const hostRunId = await t.mutation(internal.inferpipeRuns.sync, { workspaceId: "ws", runId: "ui-1" });
    expect(hostRunId).not.toBeNull();
    const again = await t.mutation(internal.inferpipeRuns.sync, { workspaceId: "ws", runId: "ui-1" });
    expect(again).toBe(hostRunId);

    const { run, steps } = await t.run(async (ctx) => ({
      run: (await ctx.db.get(hostRunId!))!,
      steps: (await ctx.db.query("steps").collect()).filter((s) => s.runId === hostRunId),
    }));
    expect(run.workflowId).toBe(hostWorkflowId);
    expect(run.userId).toBe(chain.userId);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual(record.output);
    expect(run.metadata?.totalSteps).toBe(record.steps.length);
    expect(run.metadata?.completedSteps).toBe(record.steps.length);
    expect(steps).toHaveLength(record.steps.length);
    for (const [i, step] of steps.entries()) {
      const source = record.steps[i];
      expect(step.nodeId).toBe(source.nodeId);
      expect(["pending", "running", "completed", "failed"]).toContain(step.status);
      expect(step.userId).toBe(chain.userId);
      expect(step.completedAt).toBeTypeOf("number");
    }
    const ai = steps.find((s) => s.nodeType === "ai")!;
    expect(ai.metadata?.model).toBeTruthy();
    expect(ai.metadata?.tokens?.input).toBeGreaterThan(0);
    expect(typeof ai.metadata?.duration).toBe("number");

    // A run of a workflow the host does not hold is not written.
    expect(await t.mutation(internal.inferpipeRuns.sync, { workspaceId: "ws", runId: "nope" })).toBeNull();
  });

  it("an Inngest run the mirror copied reaches inferpipe's runs and steps, failures and skips in its words", async () => {
    const { t } = embeddedExecutor(modules);
    const doc = realWorkflows[0];
    const hostWorkflowId = await t.run((ctx) => ctx.db.insert("workflows", stored(doc)));
    const base = { workspaceId: "ws", runId: "inngest-1" };
    await t.mutation(internal.cutover.mirror.upsertRun, {
      ...base,
      workflowId: hostWorkflowId,
      workflowVersionId: "v1",
      status: "failed",
      inputJson: JSON.stringify({ text: "hi" }),
      error: { code: "LLM_ERROR", message: "provider answered 500" },
      tokens: { input: 12, output: 3, total: 15 },
      costUsd: 0.0002,
      createdAt: 1_000,
      startedAt: 1_010,
      finishedAt: 1_900,
    });
    const step = { ...base, attempt: 1, costUsd: 0 };
    await t.mutation(internal.cutover.mirror.upsertStep, {
      ...step,
      nodeId: "input-1",
      name: "node-input-1-input",
      type: "input",
      status: "completed",
      outputJson: JSON.stringify({ text: "hi" }),
      startedAt: 1_010,
      finishedAt: 1_011,
    });
    await t.mutation(internal.cutover.mirror.upsertStep, {
      ...step,
      nodeId: "ai-1",
      name: "node-ai-1-llm",
      type: "llm",
      status: "failed",
      attempt: 2,
      inputJson: JSON.stringify({ prompt: "Say hi" }),
      error: { code: "LLM_ERROR", message: "provider answered 500" },
      tokens: { input: 12, output: 3, total: 15 },
      costUsd: 0.0002,
      model: "gpt-4o-mini",
      startedAt: 1_020,
      finishedAt: 1_890,
    });
    await t.mutation(internal.cutover.mirror.upsertStep, {
      ...step,
      nodeId: "ai-2",
      name: "node-ai-2-llm",
      type: "llm",
      status: "skipped",
    });

    const hostRunId = await t.mutation(internal.inferpipeRuns.sync, base);
    const { run, steps } = await t.run(async (ctx) => ({
      run: (await ctx.db.get(hostRunId!))!,
      steps: (await ctx.db.query("steps").collect()).filter((s) => s.runId === hostRunId),
    }));
    expect(run).toMatchObject({
      workflowId: hostWorkflowId,
      userId: doc.userId,
      status: "failed",
      input: { text: "hi" },
      error: "LLM_ERROR: provider answered 500",
      metadata: { totalSteps: 3, completedSteps: 1, cost: 0.0002, duration: 890 },
      createdAt: 1_000,
      updatedAt: 1_900,
    });
    const byNode = Object.fromEntries(steps.map((s) => [s.nodeId, s]));
    expect(byNode["input-1"]).toMatchObject({
      nodeType: "input",
      status: "completed",
      output: { text: "hi" },
      completedAt: 1_011,
    });
    expect(byNode["ai-1"]).toMatchObject({
      nodeType: "ai",
      status: "failed",
      error: "LLM_ERROR: provider answered 500",
      metadata: { model: "gpt-4o-mini", tokens: { input: 12, output: 3 }, cost: 0.0002, duration: 870 },
      completedAt: 1_890,
    });
    expect(byNode["ai-2"]).toMatchObject({ nodeType: "ai", status: "pending" });
  });
});
