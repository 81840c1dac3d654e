import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FakeInngest, fakeUlid } from "../../test/msw/inngest-server.ts";
import { InngestApiError, InngestRestClient, parseRetryAfter, resolveApiTarget } from "./rest.ts";

const BASE = "https://api.test.inngest";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function client(extra: ConstructorParameters<typeof InngestRestClient>[0] = {}) {
  const sleeps: number[] = [];
  const c = new InngestRestClient({
    baseUrl: BASE,
    key: "signkey-test-abcdef123456",
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...extra,
  });
  return { c, sleeps };
}

describe("InngestRestClient", () => {
  it("reads a run in the documented snake_case shape and sends the Bearer key", async () => {
    let auth: string | null = null;
    server.use(
      http.get(`${BASE}/v1/runs/01RUN`, ({ request }) => {
        auth = request.headers.get("authorization");
        return HttpResponse.json({
          data: {
            run_id: "01RUN",
            function_id: "inferpipe-execute-workflow",
            event_id: "01EVT",
            status: "Completed",
            run_started_at: "2026-01-01T00:00:00Z",
            ended_at: "2026-01-01T00:00:01.5Z",
            output: { runId: "r1", output: 42, steps: [] },
          },
        });
      }),
    );
    const { c } = client();
    const run = await c.getRun("01RUN");
    expect(auth).toBe("Bearer signkey-test-abcdef123456");
    expect(run).toEqual({
      runId: "01RUN",
      functionId: "inferpipe-execute-workflow",
      eventId: "01EVT",
      status: "completed",
      rawStatus: "Completed",
      startedAt: "2026-01-01T00:00:00.000Z",
      endedAt: "2026-01-01T00:00:01.500Z",
      output: { runId: "r1", output: 42, steps: [] },
      statusKnown: true,
      cachedUntil: null,
    });
  });

  it("accepts camelCase fields and maps Cancelled to canceled", async () => {
    server.use(
      http.get(`${BASE}/v1/runs/R2`, () =>
        HttpResponse.json({
          data: { runId: "R2", eventId: "E", status: "Cancelled", endedAt: 1767225600000 },
        }),
      ),
    );
    const run = await client().c.getRun("R2");
    expect(run?.status).toBe("canceled");
    expect(run?.eventId).toBe("E");
    expect(run?.endedAt).toBe("2026-01-01T00:00:00.000Z");
  });

  it("returns null for a run the API does not know", async () => {
    server.use(
      http.get(`${BASE}/v1/runs/nope`, () => HttpResponse.json({ error: "not found" }, { status: 404 })),
    );
    expect(await client().c.getRun("nope")).toBeNull();
  });

  it("maps an unknown status to running and says so", async () => {
    server.use(
      http.get(`${BASE}/v1/runs/R3`, () =>
        HttpResponse.json({ data: { run_id: "R3", status: "Hibernating" } }),
      ),
    );
    const { c } = client();
    const warnings: string[] = [];
    (c as unknown as { warn: (m: string) => void }).warn = (m) => warnings.push(m);
    const run = await c.getRun("R3");
    expect(run?.status).toBe("running");
    expect(run?.rawStatus).toBe("Hibernating");
    expect(warnings).toEqual([expect.stringContaining('"Hibernating"')]);
  });

  it("reads jobs as the queue items the server returns (no name, status or output; one page)", async () => {
    const fake = new FakeInngest({ api: BASE, cache: false });
    server.use(...fake.handlers());
    const run = fake.startRun(fakeUlid());
    run.queue.push({ kind: "edge", attempt: 1, at: Date.UTC(2026, 0, 1) });
    const items = await client().c.listRunJobs(run.runId);
    expect(items).toHaveLength(2);
    expect(items[1]).toEqual({
      jobId: `${run.runId}:edge:1`,
      kind: "edge",
      attempt: 1,
      at: "2026-01-01T00:00:00.000Z",
      position: 1,
    });
    // One request, no cursor or limit: the server reads a single page of at most 10.
    expect(fake.requests).toEqual([`GET /v1/runs/${run.runId}/jobs`]);
  });

  it("checks a 500 for an unknown run once, then treats the run as not found", async () => {
    const fake = new FakeInngest({ api: BASE });
    server.use(...fake.handlers());
    const { c, sleeps } = client();
    const unknown = fakeUlid();
    expect(await c.getRun(unknown)).toBeNull();
    expect(await c.listRunJobs(unknown)).toEqual([]);
    expect(fake.requests).toEqual([
      `GET /v1/runs/${unknown}`,
      `GET /v1/runs/${unknown}`,
      `GET /v1/runs/${unknown}/jobs`,
      `GET /v1/runs/${unknown}/jobs`,
    ]);
    expect(sleeps).toEqual([]);
    // A 404 (Cloud, and DELETE everywhere) is not found at once.
    expect(await c.cancelRun(unknown)).toBe(false);
  });

  it("still retries a 500 that is an outage, not an unknown run", async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/v1/runs/R500`, () => {
        calls++;
        return HttpResponse.json(
          { error: "Something went wrong.", data: null, status: 500 },
          { status: 500 },
        );
      }),
    );
    await expect(client({ maxRetries: 2 }).c.getRun("R500")).rejects.toThrow(/answered 500/);
    expect(calls).toBe(3);
  });

  it.each([
    ["Scheduled", "queued", true],
    ["Queued", "queued", true],
    ["Running", "running", true],
    ["Completed", "completed", true],
    ["Failed", "failed", true],
    ["Cancelled", "canceled", true],
    ["Overflowed", "failed", true],
    ["Skipped", "canceled", true],
    ["Unknown", "running", false],
  ])("maps the server's status %s to %s", async (raw, status, known) => {
    server.use(
      http.get(`${BASE}/v1/runs/S`, () => HttpResponse.json({ data: { run_id: "S", status: raw } })),
    );
    const { c } = client();
    const warnings: string[] = [];
    (c as unknown as { warn: (m: string) => void }).warn = (m) => warnings.push(m);
    const run = await c.getRun("S");
    expect(run).toMatchObject({ status, rawStatus: raw, statusKnown: known });
    // The server's own words are never "unknown" to the client.
    expect(warnings).toEqual([]);
  });

  it("waits out the server's cache before polling a run again", async () => {
    let now = Date.UTC(2026, 0, 1);
    const fake = new FakeInngest({ api: BASE, now: () => now });
    server.use(...fake.handlers());
    const run = fake.startRun(fakeUlid());
    const { c, sleeps } = client({ pollCooldownMs: 500, now: () => now });
    const first = await c.pollRun(run.runId);
    expect(first?.cachedUntil).toBe(new Date(now + 3_000).toISOString());
    now += 1_000;
    await c.pollRun(run.runId);
    // 3 s of cache, of which 1 s has passed: a poll before then would read the same answer.
    expect(sleeps).toEqual([2_000]);
  });

  it("finds events by the sender's id, paging back by internal id", async () => {
    const fake = new FakeInngest({ api: BASE, autoStart: false });
    server.use(...fake.handlers());
    const at = Date.now();
    for (let i = 0; i < 7; i++) {
      fake.events.unshift({
        internalId: fakeUlid(),
        id: i === 1 ? "inferpipe-run-r1" : `other-${i}`,
        name: "inferpipe/workflow.execute",
        data: {},
        receivedAt: at,
      });
    }
    const found = await client({ pageSize: 2 }).c.findEvents({
      name: "inferpipe/workflow.execute",
      id: "inferpipe-run-r1",
      receivedAfter: new Date(at - 60_000).toISOString(),
    });
    expect(found.map((e) => e.id)).toEqual(["inferpipe-run-r1"]);
    expect(fake.requests.length).toBe(4);
    expect(fake.requests[1]).toMatch(/cursor=01K/);
  });

  it("lists the runs an event started", async () => {
    server.use(
      http.get(`${BASE}/v1/events/EVT/runs`, () =>
        HttpResponse.json({ data: [{ run_id: "R6", status: "Running", event_id: "EVT" }] }),
      ),
    );
    const runs = await client().c.listEventRuns("EVT");
    expect(runs.map((r) => [r.runId, r.status])).toEqual([["R6", "running"]]);
  });

  it("waits out Retry-After on 429 before trying again", async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/v1/runs/R7`, () => {
        calls++;
        return calls === 1
          ? new HttpResponse("slow down", { status: 429, headers: { "retry-after": "3" } })
          : HttpResponse.json({ data: { run_id: "R7", status: "Running" } });
      }),
    );
    const { c, sleeps } = client();
    const run = await c.getRun("R7");
    expect(run?.status).toBe("running");
    expect(calls).toBe(2);
    expect(sleeps).toEqual([3000]);
  });

  it("backs off exponentially on 5xx and gives up after maxRetries", async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/v1/runs/R8`, () => {
        calls++;
        return new HttpResponse("<html>bad gateway</html>", { status: 502 });
      }),
    );
    const { c, sleeps } = client({ maxRetries: 3, baseDelayMs: 100 });
    const err = await c.getRun("R8").catch((e) => e);
    expect(err).toBeInstanceOf(InngestApiError);
    expect(err.message).toMatch(/GET \/v1\/runs\/R8 answered 502/);
    expect(calls).toBe(4);
    // random() = 0.5 → three quarters of each doubling backoff.
    expect(sleeps).toEqual([75, 150, 300]);
    expect(c.requests).toBe(4);
  });

  it("recovers when a 5xx is followed by success", async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/v1/runs/R9`, () =>
        ++calls < 3
          ? new HttpResponse(null, { status: 503 })
          : HttpResponse.json({ data: { run_id: "R9", status: "Failed" } }),
      ),
    );
    expect((await client().c.getRun("R9"))?.status).toBe("failed");
    expect(calls).toBe(3);
  });

  it("does not retry other 4xx", async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/v1/runs/R10`, () => {
        calls++;
        return HttpResponse.json({ error: "unauthorized" }, { status: 401 });
      }),
    );
    await expect(client().c.getRun("R10")).rejects.toThrow(/answered 401/);
    expect(calls).toBe(1);
  });

  it("turns malformed JSON into a clear error naming the call", async () => {
    server.use(
      http.get(
        `${BASE}/v1/runs/R11`,
        () => new HttpResponse("{not json", { headers: { "content-type": "application/json" } }),
      ),
      http.get(`${BASE}/v1/runs/R12`, () => HttpResponse.json({ data: { status: "Running" } })),
      http.get(`${BASE}/v1/runs/R13/jobs`, () => HttpResponse.json({ data: { nope: 1 } })),
    );
    const { c } = client();
    await expect(c.getRun("R11")).rejects.toThrow(
      /malformed Inngest API response for GET \/v1\/runs\/R11: not JSON/,
    );
    await expect(c.getRun("R12")).rejects.toThrow(/run R12: a run has no run_id/);
    await expect(c.listRunJobs("R13")).rejects.toThrow(/jobs of run R13: `data` is not an array/);
  });

  it("cancels a run with DELETE and reports unknown runs", async () => {
    const deleted: string[] = [];
    server.use(
      http.delete(`${BASE}/v1/runs/:id`, ({ params }) => {
        deleted.push(String(params.id));
        return params.id === "gone"
          ? new HttpResponse(null, { status: 404 })
          : new HttpResponse(null, { status: 204 });
      }),
    );
    const { c } = client();
    expect(await c.cancelRun("R14")).toBe(true);
    expect(await c.cancelRun("gone")).toBe(false);
    expect(deleted).toEqual(["R14", "gone"]);
  });

  it("keeps a cool-down between polls of the same run", async () => {
    let now = 10_000;
    server.use(
      http.get(`${BASE}/v1/runs/:id`, ({ params }) =>
        HttpResponse.json({ data: { run_id: params.id, status: "Running" } }),
      ),
    );
    const { c, sleeps } = client({ pollCooldownMs: 1000, now: () => now });
    await c.pollRun("A");
    now += 300;
    await c.pollRun("A");
    await c.pollRun("B");
    expect(sleeps).toEqual([700]);
  });

  it("bounds requests in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    server.use(
      http.get(`${BASE}/v1/runs/:id`, async ({ params }) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 10));
        inFlight--;
        return HttpResponse.json({ data: { run_id: params.id, status: "Running" } });
      }),
    );
    const { c } = client({ maxInFlight: 2 });
    await Promise.all(Array.from({ length: 6 }, (_, i) => c.getRun(`P${i}`)));
    expect(peak).toBe(2);
  });
});

describe("resolveApiTarget", () => {
  it("uses Cloud by default, the dev server with INNGEST_DEV=1, and INNGEST_API_BASE over both", () => {
    expect(resolveApiTarget({})).toEqual({ baseUrl: "https://api.inngest.com", key: undefined });
    expect(resolveApiTarget({ INNGEST_DEV: "1", INNGEST_API_KEY: "k" })).toEqual({
      baseUrl: "http://localhost:8288",
      key: "k",
    });
    expect(
      resolveApiTarget({ INNGEST_API_BASE: "http://x:1/", INNGEST_SIGNING_KEY: "s", INNGEST_API_KEY: "k" }),
    ).toEqual({
      baseUrl: "http://x:1",
      key: "s",
    });
  });

  it("reads Retry-After as seconds or as a date", () => {
    expect(parseRetryAfter("2", 0)).toBe(2000);
    expect(parseRetryAfter(new Date(5000).toUTCString(), 1000)).toBe(4000);
    expect(parseRetryAfter("soon", 0)).toBeNull();
  });
});
