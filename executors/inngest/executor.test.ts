import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FakeInngest, type ServerRunStatus } from "../../test/msw/inngest-server.ts";
import type { CompiledWorkflow } from "../../workflow/compiled.ts";
import { RunRecord } from "../records.ts";
import { createInngestClient } from "./client.ts";
import { InngestExecutor } from "./executor.ts";
import { MemoryMirrorSink, mirrorRun } from "./mirror.ts";
import { MemoryBlobStore } from "./payload.ts";
import { InngestRestClient } from "./rest.ts";

const API = "https://api.inngest.test";
const EVENTS = "https://events.inngest.test";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
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
  topologicallySortedNodes: [
    node("in", "input", []),
    node("ask", "llm", ["in"]),
    node("out", "output", ["ask"]),
  ],
  outputNodeId: "out",
  inputSchema: {},
  secrets: [],
} as unknown as CompiledWorkflow;

const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
const stepResult = (
  output: unknown,
  attempt = 1,
  tokens: { input: number; output: number; total: number } | null = null,
) => ({
  output,
  input: { prompt: "hi", password: "hunter2" },
  tokens,
  costUsd: tokens ? 0.001 : 0,
  model: tokens ? "gpt-4o-mini" : null,
  startedAt: t(0),
  finishedAt: t(10),
  durationMs: 10,
  attempt,
});
const summaryStep = (id: string, type: string, output: unknown) => ({
  nodeId: id,
  name: `node-${id}-${type}`,
  type,
  status: "completed",
  attempt: 1,
  input: null,
  output,
  error: null,
  tokens: null,
  costUsd: 0,
  model: null,
  startedAt: t(0),
  finishedAt: t(10),
  durationMs: 10,
});

interface Scenario {
  status: string[];
  output: unknown;
  jobs: unknown[];
}

/** Mocks the event API and REST v1 for one run; counts every call. */
function mockInngest(s: Scenario) {
  const calls: string[] = [];
  const sent: unknown[] = [];
  let polls = 0;
  server.use(
    http.post(`${EVENTS}/e/:key`, async ({ request }) => {
      const body = (await request.json()) as unknown[];
      sent.push(...body);
      return HttpResponse.json({ ids: body.map((_, i) => `01EVT${sent.length}${i}`), status: 200 });
    }),
    http.get(`${API}/v1/events/:eventId/runs`, () => {
      calls.push("event-runs");
      return HttpResponse.json({ data: calls.length === 1 ? [] : [{ run_id: "01RUN", status: "Queued" }] });
    }),
    http.get(`${API}/v1/runs/01RUN`, () => {
      calls.push("run");
      const status = s.status[Math.min(polls++, s.status.length - 1)];
      const done = status === "Completed" || status === "Failed" || status === "Cancelled";
      return HttpResponse.json({
        data: {
          run_id: "01RUN",
          status,
          run_started_at: t(0),
          ended_at: done ? t(50) : null,
          output: done ? s.output : null,
        },
      });
    }),
    http.get(`${API}/v1/runs/01RUN/jobs`, ({ request }) => {
      calls.push("jobs");
      const cursor = Number(new URL(request.url).searchParams.get("cursor") ?? 0);
      const page = s.jobs.slice(cursor * 2, cursor * 2 + 2);
      const more = cursor * 2 + 2 < s.jobs.length;
      return HttpResponse.json({ data: page, ...(more && { next_cursor: String(cursor + 1) }) });
    }),
    http.delete(`${API}/v1/runs/01RUN`, () => {
      calls.push("delete");
      return new HttpResponse(null, { status: 204 });
    }),
  );
  const rest = new InngestRestClient({
    baseUrl: API,
    key: "signkey-test-0123456789abcdef",
    pageSize: 2,
    pollCooldownMs: 0,
  });
  const sleeps: number[] = [];
  const executor = new InngestExecutor({
    client: createInngestClient({ INNGEST_EVENT_KEY: "evtkey", INNGEST_BASE_URL: EVENTS }),
    rest,
    payloads: { blobs: new MemoryBlobStore(), thresholdBytes: 256 * 1024 },
    initialPollMs: 100,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { executor, calls, sent, sleeps, rest };
}

const request = { runId: "r1", workspaceId: "ws1", workflow, input: { q: "hi" }, provider: "mock" };

describe("InngestExecutor (REST v1, mocked)", () => {
  it("submits one event whose id derives from the workspace and runId, once however often it is asked", async () => {
    const { executor, sent } = mockInngest({ status: ["Running"], output: null, jobs: [] });
    await executor.submit(request);
    await executor.submit(request);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      id: "inferpipe-run-ws1:r1",
      name: "inferpipe/workflow.execute",
      data: {
        runId: "r1",
        workspaceId: "ws1",
        workflowId: "wf",
        workflowVersionId: "v1",
        input: { q: "hi" },
        provider: "mock",
      },
    });
  });

  it("waits with growing polls, then builds the record from jobs and the function's step summary", async () => {
    const summary = {
      runId: "r1",
      output: "answer",
      steps: [
        summaryStep("in", "input", { q: "hi" }),
        { ...summaryStep("ask", "llm", "answer"), attempt: 2 },
        summaryStep("out", "output", "answer"),
      ],
    };
    const jobs = [
      { id: "j1", name: "node-in-input", status: "Completed", output: stepResult({ q: "hi" }) },
      {
        id: "j2",
        name: "node-ask-llm",
        status: "Completed",
        output: stepResult("answer", 2, { input: 5, output: 3, total: 8 }),
      },
      {
        id: "j3",
        name: "node-out-output",
        status: "Completed",
        output: JSON.stringify(stepResult("answer")),
      },
    ];
    const { executor, calls, sleeps } = mockInngest({
      status: ["Running", "Running", "Completed"],
      output: summary,
      jobs,
    });
    await executor.submit(request);
    const record = RunRecord.parse(await executor.waitFor("ws1", "r1"));
    expect(record).toMatchObject({
      status: "completed",
      output: "answer",
      executor: "inngest",
      error: null,
      durationMs: 50,
    });
    expect(record.steps.map((s) => [s.name, s.status, s.attempt])).toEqual([
      ["node-in-input", "completed", 1],
      ["node-ask-llm", "completed", 2],
      ["node-out-output", "completed", 1],
    ]);
    // One event lookup, a poll per status; jobs are queue items, never read for the timeline.
    expect(calls).toEqual(["event-runs", "event-runs", "run", "run", "run"]);
    expect(sleeps).toEqual([100, 150, 225, 337.5]);
  });

  it("takes a failed run's steps from the summary its error carries, with the failing step's code", async () => {
    const error = { code: "PROVIDER_BAD_REQUEST", message: "400 from provider" };
    const output = {
      name: "NonRetriableError",
      message: "PROVIDER_BAD_REQUEST: 400 from provider",
      cause: {
        ...error,
        steps: [
          { ...summaryStep("in", "input", { q: "hi" }), input: { prompt: "hi", password: "hunter2" } },
          { ...summaryStep("ask", "llm", null), status: "failed", error, startedAt: null, finishedAt: null },
        ],
      },
    };
    const { executor } = mockInngest({ status: ["Failed"], output, jobs: [] });
    await executor.submit(request);
    const record = RunRecord.parse(await executor.waitFor("ws1", "r1"));
    expect(record.status).toBe("failed");
    expect(record.output).toBeNull();
    expect(record.error).toEqual(error);
    expect(record.steps.map((s) => [s.name, s.status, s.error?.code ?? null])).toEqual([
      ["node-in-input", "completed", null],
      ["node-ask-llm", "failed", "PROVIDER_BAD_REQUEST"],
    ]);
    // Recorded inputs are redacted.
    expect(JSON.stringify(record.steps[0].input)).not.toContain("hunter2");
  });

  it("answers null for another workspace and cancels through the API", async () => {
    const { executor, calls } = mockInngest({ status: ["Running"], output: null, jobs: [] });
    await executor.submit(request);
    expect(await executor.get("other", "r1")).toBeNull();
    const queued = await executor.get("ws1", "r1");
    expect(queued?.status).toBe("queued");
    await executor.cancel("ws1", "r1");
    expect(calls.slice(-1)).toEqual(["delete"]);
  });

  it("mirrors runs into runs/steps/logs rows without duplicating them on re-polls", async () => {
    const summary = { runId: "r1", output: "answer", steps: [summaryStep("in", "input", { q: "hi" })] };
    const { executor } = mockInngest({ status: ["Completed"], output: summary, jobs: [] });
    await executor.submit(request);
    const sink = new MemoryMirrorSink();
    // The first pass finds no run yet (the event has started none): a queued row.
    expect((await mirrorRun(executor, sink, "ws1", "r1", ["input.q"]))?.status).toBe("queued");
    expect([...sink.runs.values()][0].status).toBe("queued");
    await mirrorRun(executor, sink, "ws1", "r1", ["input.q"]);
    await mirrorRun(executor, sink, "ws1", "r1", ["input.q"]);
    expect(sink.runs.size).toBe(1);
    expect(sink.steps.size).toBe(1);
    expect([...sink.logs.values()].map((l) => l.message)).toEqual([
      "step node-in-input completed (attempt 1)",
      "run completed",
    ]);
    const run = [...sink.runs.values()][0];
    expect(run).toMatchObject({ workspaceId: "ws1", status: "completed", outputJson: '"answer"' });
    expect(JSON.parse(run.inputJson)).toEqual({ q: "[REDACTED]" });
  });
});

/** An executor against the fake server (test/msw/inngest-server.ts), whose answers take the server's shapes. */
function onFakeServer(options: ConstructorParameters<typeof FakeInngest>[0] = {}, maxUnknownPolls?: number) {
  const fake = new FakeInngest({ api: API, events: EVENTS, cache: false, ...options });
  server.use(...fake.handlers());
  const sleeps: number[] = [];
  const executor = new InngestExecutor({
    client: createInngestClient({ INNGEST_EVENT_KEY: "evtkey", INNGEST_BASE_URL: EVENTS }),
    rest: new InngestRestClient({ baseUrl: API, key: "signkey-test-0123456789abcdef", pollCooldownMs: 0 }),
    payloads: { blobs: new MemoryBlobStore(), thresholdBytes: 256 * 1024 },
    initialPollMs: 100,
    eventLookupGraceMs: 0,
    ...(maxUnknownPolls !== undefined && { maxUnknownPolls }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { fake, executor, sleeps };
}

describe("InngestExecutor against the server's shapes", () => {
  it.each([
    ["Completed", "completed", null],
    ["Failed", "failed", "PROVIDER_AUTH"],
    ["Cancelled", "canceled", "CANCELED"],
    ["Overflowed", "failed", "INNGEST_TOO_MANY_STEPS"],
    ["Skipped", "canceled", "INNGEST_RUN_SKIPPED"],
  ] as const)("ends waitFor at once on the terminal status %s (%s, %s)", async (raw, status, code) => {
    const { fake, executor } = onFakeServer();
    await executor.submit(request);
    const run = fake.onlyRun();
    const output =
      raw === "Completed"
        ? { runId: "r1", output: "answer", steps: [] }
        : raw === "Failed"
          ? { name: "NonRetriableError", message: "PROVIDER_AUTH: bad key" }
          : undefined;
    fake.setStatus(run.runId, raw as ServerRunStatus, output);
    const record = RunRecord.parse(await executor.waitFor("ws1", "r1", { timeoutMs: 5_000 }));
    expect(record.status).toBe(status);
    expect(record.error?.code ?? null).toBe(code);
    // The event lookup finds the run already ended; one read of the run itself for its output.
    expect(fake.requests.filter((r) => r.startsWith("GET /v1/runs/"))).toEqual([`GET /v1/runs/${run.runId}`]);
  });

  it("gives up waiting on a run the server keeps calling Unknown, with INNGEST_STATUS_UNKNOWN", async () => {
    const { fake, executor } = onFakeServer({}, 3);
    await executor.submit(request);
    const run = fake.onlyRun();
    fake.setStatus(run.runId, "Unknown");
    const record = await executor.waitFor("ws1", "r1");
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe("INNGEST_STATUS_UNKNOWN");
    // Three Unknowns in a row, each read from the run itself (the event's list only named it).
    expect(fake.requests.filter((r) => r === `GET /v1/runs/${run.runId}`)).toHaveLength(3);
  });

  it("finds the run by its deterministic event id when a re-sent event's answer was another id", async () => {
    const { fake, executor } = onFakeServer();
    // The first send reaches the server, its answer is lost; the SDK sends again and the server, having
    // de-duplicated the event, answers with a new internal id that started no run.
    fake.loseNextAnswer = true;
    await executor.submit(request);
    const [resent, first] = fake.events;
    expect(first.id).toBe(resent.id);
    expect(fake.runs.size).toBe(1);
    const run = fake.onlyRun();
    expect(run.eventId).toBe(first.internalId);
    fake.setStatus(run.runId, "Completed", { runId: "r1", output: "answer", steps: [] });
    const record = await executor.waitFor("ws1", "r1", { timeoutMs: 5_000 });
    expect(record).toMatchObject({ status: "completed", output: "answer" });
    expect(fake.requests.slice(0, 3)).toEqual([
      `GET /v1/events/${resent.internalId}/runs`,
      expect.stringMatching(/^GET \/v1\/events\?name=inferpipe%2Fworkflow\.execute&received_after=/),
      `GET /v1/events/${first.internalId}/runs`,
    ]);
  });

  it("counts no cache staleness in latency: durations come from the run's own timestamps", async () => {
    let now = Date.UTC(2026, 0, 1);
    const { fake, executor } = onFakeServer({ cache: true, now: () => now });
    const sleepy = executor as unknown as { sleep: (ms: number) => Promise<void> };
    sleepy.sleep = async (ms) => {
      now += ms;
    };
    (executor.rest as unknown as { o: { now: () => number; sleep: (ms: number) => Promise<void> } }).o.now =
      () => now;
    (executor.rest as unknown as { o: { sleep: (ms: number) => Promise<void> } }).o.sleep = async (ms) => {
      now += ms;
    };
    await executor.submit(request);
    const run = fake.onlyRun();
    fake.setStatus(run.runId, "Running");
    await executor.get("ws1", "r1");
    // The run ends 40 ms after it started; the cached "Running" is served for up to 15 s after that.
    now += 40;
    fake.setStatus(run.runId, "Completed", { runId: "r1", output: "answer", steps: [] });
    const record = await executor.waitFor("ws1", "r1");
    expect(record.status).toBe("completed");
    expect(record.durationMs).toBe(40);
  });
});
