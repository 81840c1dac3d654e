import { Inngest, NonRetriableError, RetryAfterError } from "inngest";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { runEmbedded, type StepEvent } from "./embedded-run.ts";

const inngest = new Inngest({ id: "embedded-run-test", isDev: true, logger: pino({ level: "silent" }) });

function harness(failures: Record<string, Error[]> = {}) {
  const calls: Record<string, number> = {};
  const attemptsSeen: Record<string, number[]> = {};
  const body = async (id: string, attempt: number) => {
    calls[id] = (calls[id] ?? 0) + 1;
    attemptsSeen[id] = [...(attemptsSeen[id] ?? []), attempt];
    const next = failures[id]?.shift();
    if (next) throw next;
    return { id };
  };
  const fn = inngest.createFunction(
    { id: "f", triggers: [{ event: "e" }], retries: 2 },
    async ({ step, attempt }) => {
      const a = await step.run("a", () => body("a", attempt));
      const par = await Promise.all(["p1", "p2", "p3"].map((id) => step.run(id, () => body(id, attempt))));
      const b = await step.run("b", () => body("b", attempt));
      return { a, par: par.map((p) => p.id), b };
    },
  );
  return { fn, calls, attemptsSeen };
}

const event = { name: "e", data: {} };
const fast = { retries: 2, retryDelayMs: () => 0 };

describe("runEmbedded", () => {
  it("runs every step once, parallel steps included, and returns the function's result", async () => {
    const { fn, calls } = harness();
    const out = await runEmbedded(fn, event, fast);
    expect(out).toMatchObject({
      status: "completed",
      output: { a: { id: "a" }, par: ["p1", "p2", "p3"], b: { id: "b" } },
    });
    expect(calls).toEqual({ a: 1, p1: 1, p2: 1, p3: 1, b: 1 });
  });

  it("retries a failed step with the completed steps memoized and the attempt raised", async () => {
    const { fn, calls, attemptsSeen } = harness({
      b: [new Error("flaky"), new Error("flaky")],
      p2: [new Error("x")],
    });
    const events: StepEvent[] = [];
    const out = await runEmbedded(fn, event, { ...fast, onStep: (e) => events.push(e) });
    expect(out.status).toBe("completed");
    expect(calls).toEqual({ a: 1, p1: 1, p2: 2, p3: 1, b: 3 });
    expect(attemptsSeen.b).toEqual([0, 1, 2]);
    expect(events.filter((e) => e.name === "b").map((e) => [e.status, e.attempt])).toEqual([
      ["failed", 0],
      ["failed", 1],
      ["completed", 2],
    ]);
  });

  it("fails when retries run out, naming the step", async () => {
    const { fn, calls } = harness({ a: [new Error("1"), new Error("2"), new Error("3")] });
    const out = await runEmbedded(fn, event, fast);
    expect(out).toMatchObject({ status: "failed", step: "a", error: { message: "3" } });
    expect(calls).toEqual({ a: 3 });
  });

  it("does not retry a NonRetriableError", async () => {
    const { fn, calls } = harness({ p1: [new NonRetriableError("bad request")] });
    const out = await runEmbedded(fn, event, fast);
    expect(out).toMatchObject({ status: "failed", step: "p1", error: { name: "NonRetriableError" } });
    expect(calls.p1).toBe(1);
    expect(calls.b).toBeUndefined();
  });

  it("waits what a RetryAfterError asks before the next attempt", async () => {
    const { fn } = harness({ a: [new RetryAfterError("slow", 1500)] });
    const asked: (number | undefined)[] = [];
    const out = await runEmbedded(fn, event, {
      retries: 2,
      retryDelayMs: (_n, after) => {
        asked.push(after);
        return 0;
      },
    });
    expect(out.status).toBe("completed");
    expect(asked).toEqual([2000]);
  });

  it("stops at the next step boundary when canceled, keeping finished steps", async () => {
    const { fn, calls } = harness();
    let completed = 0;
    const out = await runEmbedded(fn, event, {
      ...fast,
      onStep: () => completed++,
      isCanceled: () => completed >= 1,
    });
    expect(out.status).toBe("canceled");
    expect(calls).toEqual({ a: 1 });
  });

  it("retries a failing function body up to the retry count", async () => {
    let bodyRuns = 0;
    const fn = inngest.createFunction({ id: "g", triggers: [{ event: "e" }] }, async ({ attempt }) => {
      bodyRuns++;
      if (attempt < 1) throw new Error("once");
      return attempt;
    });
    const out = await runEmbedded(fn, event, fast);
    expect(out).toMatchObject({ status: "completed", output: 1 });
    expect(bodyRuns).toBe(2);
  });
});
