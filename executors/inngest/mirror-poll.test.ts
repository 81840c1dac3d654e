/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { internal } from "../../convex/_generated/api";
import schema from "../../convex/schema.ts";
import type { CompiledWorkflow } from "../../workflow/compiled.ts";
import { ConvexRunIndex } from "./convex-index.ts";

const modules = import.meta.glob("../../convex/**/*.ts");
const API = "https://api.inngest.test";
const KEY = "signkey-test-0123456789abcdef";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
beforeEach(() => {
  // Only the timers the scheduler uses: the REST client's own timeouts stay real.
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  vi.stubEnv("INNGEST_API_BASE", API);
  vi.stubEnv("INNGEST_SIGNING_KEY", KEY);
  vi.stubEnv("MIRROR_POLL_MS", "5000");
});
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
  vi.unstubAllEnvs();
});
afterAll(() => server.close());

const node = (id: string, type: "input" | "llm" | "output", deps: string[]) => ({
  id,
  type,
  label: `node-${id}-${type}`,
  config: {},
  dependsOn: deps,
  incoming: deps.map((from) => ({ from, handle: null })),
});
const workflow = {
  workflowId: "wf",
  workflowVersionId: "v1",
  topologicallySortedNodes: [node("in", "input", []), node("ask", "llm", ["in"])],
  outputNodeId: "ask",
  inputSchema: {},
  secrets: [],
} as unknown as CompiledWorkflow;

const t0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(t0 + ms).toISOString();
const stepResult = (output: unknown, attempt = 1) => ({
  output,
  input: { prompt: "hi", password: "hunter2" },
  tokens: null,
  costUsd: 0,
  model: null,
  startedAt: iso(0),
  finishedAt: iso(10),
  durationMs: 10,
  attempt,
});

/** A step of the function's own summary (FunctionResult.steps), built from what its step returned. */
const summaryStep = (id: string, type: string, r: ReturnType<typeof stepResult>) => ({
  nodeId: id,
  name: `node-${id}-${type}`,
  type,
  status: "completed",
  error: null,
  ...r,
});

/** Records an index entry as InngestExecutor.submit does (and, like it, starts the poll chain). */
async function submitted(t: ReturnType<typeof convexTest>, runId: string, eventId: string) {
  await new ConvexRunIndex(t).set({
    eventId,
    provider: "mock",
    meta: {
      runId,
      workspaceId: "ws1",
      workflow,
      input: { q: "hi", apiKey: "sk-live-0123456789abcdefghij" },
      createdAt: iso(0),
    },
  });
}

async function tables(t: ReturnType<typeof convexTest>) {
  return await t.run(async (ctx) => ({
    runs: await ctx.db.query("cutover_runs").collect(),
    steps: await ctx.db.query("cutover_steps").collect(),
    logs: await ctx.db.query("cutover_logs").collect(),
    entries: await ctx.db.query("cutover_inngestRuns").collect(),
    lease: await ctx.db.query("cutover_mirrorPoller").collect(),
  }));
}

describe("mirrorPoll.poll (Convex action, Inngest REST mocked)", () => {
  it("polls until the run is terminal, then stops rescheduling; rows are written once", async () => {
    const calls: string[] = [];
    let eventLookups = 0;
    server.use(
      http.get(`${API}/v1/events/evt1/runs`, ({ request }) => {
        calls.push("event-runs");
        expect(request.headers.get("authorization")).toBe(`Bearer ${KEY}`);
        // The first pass finds no run yet: the event has started none.
        return HttpResponse.json({
          data: eventLookups++ === 0 ? [] : [{ run_id: "01RUN", event_id: "evt1", status: "Running" }],
        });
      }),
      http.get(`${API}/v1/runs/01RUN`, () => {
        calls.push("run");
        return HttpResponse.json({
          data: {
            run_id: "01RUN",
            status: "Completed",
            run_started_at: iso(1),
            ended_at: iso(50),
            output: {
              runId: "r1",
              output: "answer",
              steps: [
                summaryStep("in", "input", stepResult({ q: "hi" })),
                summaryStep("ask", "llm", stepResult("answer", 2)),
              ],
            },
          },
        });
      }),
      http.get(`${API}/v1/events`, () => {
        // The event showed no run: the run is looked for by the event's deterministic id.
        calls.push("events");
        return HttpResponse.json({ data: [] });
      }),
    );
    const t = convexTest(schema, modules);
    await submitted(t, "r1", "evt1");
    // A chain holds the lease: a second kick (the cron's) starts no second chain.
    expect(await t.mutation(internal.cutover.mirror.kick, {})).toBe(false);

    await t.finishAllScheduledFunctions(vi.runAllTimers);

    // Pass 1: no run yet (queued). Pass 2: the event's run, running. Pass 3: completed. Jobs are queue
    // items, not steps: the timeline is the function's own summary, so they are never read.
    expect(calls).toEqual(["event-runs", "events", "event-runs", "run"]);
    const db = await tables(t);
    expect(db.runs).toHaveLength(1);
    expect(db.runs[0]).toMatchObject({
      runId: "r1",
      status: "completed",
      outputJson: '"answer"',
      provider: "mock",
      mirroredFrom: "inngest",
    });
    expect(db.steps.map((s) => [s.name, s.status, s.attempt])).toEqual([
      ["node-in-input", "completed", 1],
      ["node-ask-llm", "completed", 2],
    ]);
    expect(db.logs.map((l) => l.message).sort()).toEqual([
      "run completed",
      "step node-ask-llm completed (attempt 2)",
      "step node-in-input completed (attempt 1)",
    ]);
    expect(db.entries[0]).toMatchObject({ open: false, inngestRunId: "01RUN" });
    expect(db.lease[0].leaseUntil).toBe(0);
    const stored = JSON.stringify(db);
    expect(stored).not.toContain("hunter2");
    expect(stored).not.toContain("sk-live-0123456789abcdefghij");
    // Nothing open: the cron's kick starts nothing.
    expect(await t.mutation(internal.cutover.mirror.kick, {})).toBe(false);
  });

  it("keeps a run whose API answer is malformed open for the next pass and mirrors the others", async () => {
    server.use(
      http.get(`${API}/v1/events/evt-bad/runs`, () => new HttpResponse("<html>oops</html>", { status: 200 })),
      // The event's list names the run as ended; the run's own read carries its output.
      http.get(`${API}/v1/events/evt-good/runs`, () =>
        HttpResponse.json({ data: [{ run_id: "01GOOD", status: "Failed" }] }),
      ),
      http.get(`${API}/v1/runs/01GOOD`, () =>
        HttpResponse.json({
          data: {
            run_id: "01GOOD",
            status: "Failed",
            run_started_at: iso(1),
            ended_at: iso(9),
            output: { name: "NonRetriableError", message: "PROVIDER_BAD_REQUEST: 400 from provider" },
          },
        }),
      ),
    );
    const t = convexTest(schema, modules);
    await submitted(t, "bad", "evt-bad");
    await submitted(t, "good", "evt-good");

    const pass = await t.action(internal.cutover.mirrorPoll.poll, {});

    expect(pass).toEqual({ polled: 2, closed: 1, failed: 1, again: true });
    const db = await tables(t);
    expect(db.runs.map((r) => [r.runId, r.status, r.error?.code])).toEqual([
      ["good", "failed", "PROVIDER_BAD_REQUEST"],
    ]);
    expect(db.entries.map((e) => [e.runId, e.open])).toEqual([
      ["bad", true],
      ["good", false],
    ]);
  });
});
