/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import schema from "../../convex/schema.ts";
import type { CompiledWorkflow } from "../../workflow/compiled.ts";
import { createInngestClient } from "./client.ts";
import { ConvexRunIndex } from "./convex-index.ts";
import { InngestExecutor } from "./executor.ts";
import { MemoryBlobStore } from "./payload.ts";
import { InngestRestClient } from "./rest.ts";

const modules = import.meta.glob("../../convex/**/*.ts");
const API = "https://api.inngest.test";
const EVENTS = "https://events.inngest.test";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const workflow = {
  workflowId: "wf",
  workflowVersionId: "v1",
  topologicallySortedNodes: [
    { id: "in", type: "input", label: "node-in-input", config: {}, dependsOn: [], incoming: [] },
  ],
  outputNodeId: "in",
  inputSchema: {},
  secrets: [],
} as unknown as CompiledWorkflow;

const iso = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

function mockInngest() {
  const sent: unknown[] = [];
  const calls: string[] = [];
  server.use(
    http.post(`${EVENTS}/e/:key`, async ({ request }) => {
      const body = (await request.json()) as unknown[];
      sent.push(...body);
      return HttpResponse.json({ ids: body.map((_, i) => `01EVT${sent.length}${i}`), status: 200 });
    }),
    http.get(`${API}/v1/events/:eventId/runs`, ({ params }) => {
      calls.push(`event-runs ${params.eventId}`);
      return HttpResponse.json({ data: [{ run_id: "01RUN", status: "Running" }] });
    }),
    http.get(`${API}/v1/runs/01RUN`, () => {
      calls.push("run");
      return HttpResponse.json({
        data: {
          run_id: "01RUN",
          status: "Completed",
          run_started_at: iso(0),
          ended_at: iso(20),
          output: { runId: "r1", output: { q: "hi" }, steps: [] },
        },
      });
    }),
    http.get(`${API}/v1/runs/01RUN/jobs`, () => HttpResponse.json({ data: [] })),
  );
  return { sent, calls };
}

/** An executor as a separate process would build it: its own clients, only the Convex index shared. */
function executor(t: ReturnType<typeof convexTest>) {
  return new InngestExecutor({
    client: createInngestClient({ INNGEST_EVENT_KEY: "evtkey", INNGEST_BASE_URL: EVENTS }),
    rest: new InngestRestClient({ baseUrl: API, key: "signkey-test-0123456789abcdef", pollCooldownMs: 0 }),
    index: new ConvexRunIndex(t, { kickMirror: false }),
    payloads: { blobs: new MemoryBlobStore(), thresholdBytes: 256 * 1024 },
    redactPaths: ["input.customer"],
    initialPollMs: 1,
    sleep: async () => {},
  });
}

const request = {
  runId: "r1",
  workspaceId: "ws1",
  workflow,
  input: { q: "hi", customer: "Ada", apiKey: "sk-live-0123456789abcdefghij" },
  provider: "mock",
};

describe("ConvexRunIndex", () => {
  it("lets a second executor read, wait for and re-submit a run the first one submitted", async () => {
    const { sent, calls } = mockInngest();
    const t = convexTest(schema, modules);
    const first = executor(t);
    const second = executor(t);
    await first.submit(request);

    const seen = await second.get("ws1", "r1");
    expect(seen).toMatchObject({ runId: "r1", workflowId: "wf", status: "running", executor: "inngest" });
    // The input was stored redacted; the record shows it as every record does.
    expect(seen?.input).toEqual({ q: "hi", customer: "[REDACTED]", apiKey: "[REDACTED]" });
    const stored = JSON.stringify(
      await t.run(async (ctx) => await ctx.db.query("cutover_inngestRuns").collect()),
    );
    expect(stored).not.toContain("sk-live-0123456789abcdefghij");
    expect(stored).not.toContain("Ada");

    // The second executor learnt the Inngest run id and kept it: a third reads the run without the event lookup.
    const done = await executor(t).waitFor("ws1", "r1");
    expect(done).toMatchObject({ status: "completed", output: { q: "hi" } });
    expect(calls).toEqual(["event-runs 01EVT10", "run"]);

    await second.submit(request);
    expect(sent).toHaveLength(1);
  });

  it("answers null from another workspace, where the same runId is another run", async () => {
    mockInngest();
    const t = convexTest(schema, modules);
    await executor(t).submit(request);
    expect(await executor(t).get("ws2", "r1")).toBeNull();
    // Run ids are per workspace: nothing says whether ws1 holds r1, and ws2 gets its own run.
    await executor(t).submit({ ...request, workspaceId: "ws2" });
    const rows = await t.run(async (ctx) => await ctx.db.query("cutover_inngestRuns").collect());
    expect(rows.map((r) => [r.workspaceId, r.runId]).sort()).toEqual([
      ["ws1", "r1"],
      ["ws2", "r1"],
    ]);
    expect(new Set(rows.map((r) => r.eventId)).size).toBe(2);
  });
});
