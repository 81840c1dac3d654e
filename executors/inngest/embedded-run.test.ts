import { Inngest, NonRetriableError, RetryAfterError } from "inngest";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { runEmbedded, type StepEvent } from "./embedded-run.ts";

const inngest = new Inngest({ id: "embedded-run-test", isDev: true, logger: pino({ level: "silent" }) });

// Inngest v4 checkpoints by default; `checkpointing: false` is the one-execution-per-step replay model.
const modes = [
  { mode: "checkpointing", checkpointing: true },
  { mode: "replay per step", checkpointing: false },
] as const;

function harness(failures: Record<string, Error[]> = {}, checkpointing = true) {
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
    { id: "f", triggers: [{ event: "e" }], retries: 2, checkpointing },
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

describe.each(modes)("runEmbedded ($mode)", ({ checkpointing }) => {
  it("runs every step once, parallel steps included, and returns the function's result", async () => {
    const { fn, calls } = harness({}, checkpointing);
    const out = await runEmbedded(fn, event, fast);
    expect(out).toMatchObject({
      status: "completed",
      output: { a: { id: "a" }, par: ["p1", "p2", "p3"], b: { id: "b" } },
    });
    expect(calls).toEqual({ a: 1, p1: 1, p2: 1, p3: 1, b: 1 });
  });

  it("retries a failed step with the completed steps memoized and the attempt raised", async () => {
    const { fn, calls, attemptsSeen } = harness(
      {
        b: [new Error("flaky"), new Error("flaky")],
        p2: [new Error("x")],
      },
      checkpointing,
    );
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
    const { fn, calls } = harness({ a: [new Error("1"), new Error("2"), new Error("3")] }, checkpointing);
    const out = await runEmbedded(fn, event, fast);
    expect(out).toMatchObject({ status: "failed", step: "a", error: { message: "3" } });
    expect(calls).toEqual({ a: 3 });
  });

  it("does not retry a NonRetriableError", async () => {
    const { fn, calls } = harness({ p1: [new NonRetriableError("bad request")] }, checkpointing);
    const out = await runEmbedded(fn, event, fast);
    expect(out).toMatchObject({ status: "failed", step: "p1", error: { name: "NonRetriableError" } });
    expect(calls.p1).toBe(1);
    expect(calls.b).toBeUndefined();
  });

  it("waits what a RetryAfterError asks before the next attempt", async () => {
    const { fn } = harness({ a: [new RetryAfterError("slow", 1500)] }, checkpointing);
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
    const { fn, calls } = harness({}, checkpointing);
    let completed = 0;
    const out = await runEmbedded(fn, event, {
      ...fast,
      onStep: () => completed++,
      isCanceled: () => completed >= 1,
    });
    expect(out.status).toBe("canceled");
    expect(calls).toEqual({ a: 1 });
  });

  it("runs a 60-step chain with a flaky step: every step recorded once, in order, with its attempt", async () => {
    const calls: number[] = Array(61).fill(0);
    const fn = inngest.createFunction(
      { id: "chain", triggers: [{ event: "e" }], retries: 2, checkpointing },
      async ({ step }) => {
        let sum = 0;
        for (let i = 1; i <= 60; i++) {
          sum = await step.run(`s${i}`, () => {
            calls[i]++;
            if (i === 30 && calls[i] === 1) throw new Error("flaky");
            return sum + i;
          });
        }
        return sum;
      },
    );
    const events: StepEvent[] = [];
    const out = await runEmbedded(fn, event, { ...fast, onStep: (e) => events.push(e) });
    expect(out).toMatchObject({ status: "completed", output: (60 * 61) / 2 });
    expect(calls.slice(1)).toEqual(Array.from({ length: 60 }, (_, i) => (i === 29 ? 2 : 1)));
    const completed = events.filter((e) => e.status === "completed");
    expect(completed.map((e) => [e.name, e.attempt, e.data])).toEqual(
      Array.from({ length: 60 }, (_, i) => [`s${i + 1}`, i === 29 ? 1 : 0, ((i + 1) * (i + 2)) / 2]),
    );
    expect(events.filter((e) => e.status === "failed").map((e) => [e.name, e.attempt])).toEqual([["s30", 0]]);
    for (const e of completed) expect(e.startedAt <= e.finishedAt).toBe(true);
    // Checkpointing: up to s30, its retry alone, then the rest. Replay: one per step, the retry, the return.
    expect(out.stats.executions).toBe(checkpointing ? 3 : 62);
  });

  it("fails the run at the first step boundary past the deadline", async () => {
    const ran: string[] = [];
    const fn = inngest.createFunction(
      { id: "slow", triggers: [{ event: "e" }], checkpointing },
      async ({ step }) => {
        for (const id of ["a", "b", "c"]) {
          await step.run(id, async () => {
            ran.push(id);
            if (id === "a") await new Promise((r) => setTimeout(r, 40));
            return id;
          });
        }
      },
    );
    const out = await runEmbedded(fn, event, { ...fast, deadline: Date.now() + 10 });
    expect(out).toMatchObject({
      status: "failed",
      step: null,
      error: { message: expect.stringMatching(/^RUN_TIMEOUT/) },
    });
    expect(ran).toEqual(["a"]);
  });

  it("retries a failing function body up to the retry count", async () => {
    let bodyRuns = 0;
    const fn = inngest.createFunction(
      { id: "g", triggers: [{ event: "e" }], checkpointing },
      async ({ attempt }) => {
        bodyRuns++;
        if (attempt < 1) throw new Error("once");
        return attempt;
      },
    );
    const out = await runEmbedded(fn, event, fast);
    expect(out).toMatchObject({ status: "completed", output: 1 });
    expect(bodyRuns).toBe(2);
  });
});

describe("runEmbedded: parallel steps under checkpointing", () => {
  it("runs parallel groups inside the execution that found them: executions do not grow with width or depth", async () => {
    const ran: string[] = [];
    const fn = inngest.createFunction(
      { id: "wide", triggers: [{ event: "e" }], retries: 2 },
      async ({ step }) => {
        let level = ["start"];
        for (let d = 0; d < 20; d++) {
          level = await Promise.all(
            Array.from({ length: 50 }, (_, i) =>
              step.run(`d${d}-${i}`, async () => {
                ran.push(`d${d}-${i}`);
                return `${level.length}:${i}`;
              }),
            ),
          );
        }
        return level.length;
      },
    );
    const events: StepEvent[] = [];
    const out = await runEmbedded(fn, event, { ...fast, onStep: (e) => events.push(e) });
    expect(out).toMatchObject({ status: "completed", output: 50 });
    expect(ran).toHaveLength(1_000);
    expect(new Set(ran).size).toBe(1_000);
    expect(events.filter((e) => e.status === "completed")).toHaveLength(1_000);
    // 1,000 steps in groups of 50, twenty deep: one execution, where re-entering per step took 1,000+.
    expect(out.stats.executions).toBe(1);
  });

  it("retries a failed member of a parallel group alone, and ends the run when one fails for good", async () => {
    const { fn, calls } = harness({ p2: [new Error("x"), new Error("y"), new Error("z")] });
    const events: StepEvent[] = [];
    const out = await runEmbedded(fn, event, { ...fast, onStep: (e) => events.push(e) });
    expect(out).toMatchObject({ status: "failed", step: "p2", error: { message: "z" } });
    expect(calls).toEqual({ a: 1, p1: 1, p2: 3, p3: 1 });
    expect(events.filter((e) => e.name === "p2").map((e) => [e.status, e.attempt, e.willRetry])).toEqual([
      ["failed", 0, true],
      ["failed", 1, true],
      ["failed", 2, false],
    ]);
  });
});
