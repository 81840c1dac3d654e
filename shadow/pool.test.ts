import { describe, expect, it } from "vitest";
import { type ShadowOutcome, ShadowPool } from "./pool.ts";

const never = () => new Promise<never>(() => {});

describe("ShadowPool", () => {
  it("runs a task in the background and reports its value", async () => {
    const pool = new ShadowPool({ maxConcurrent: 2, deadlineMs: 1000 });
    const seen: ShadowOutcome<number>[] = [];
    let started = false;
    expect(
      pool.offer(
        async () => {
          started = true;
          return 42;
        },
        (o) => seen.push(o),
      ),
    ).toBe(true);
    expect(started).toBe(false); // offer returns before the task starts
    await pool.drain();
    expect(seen).toEqual([{ kind: "done", value: 42 }]);
    expect(pool.counts()).toMatchObject({ accepted: 1, done: 1, inFlight: 0 });
  });

  it("contains synchronous throws, rejections and a throwing onSettled", async () => {
    const pool = new ShadowPool({ maxConcurrent: 4, deadlineMs: 1000 });
    const seen: string[] = [];
    pool.offer(
      () => {
        throw new Error("sync boom");
      },
      (o) => seen.push(o.kind),
    );
    pool.offer(
      async () => Promise.reject(new Error("async boom")),
      (o) => seen.push(o.kind),
    );
    pool.offer(
      async () => 1,
      () => {
        throw new Error("reconcile boom");
      },
    );
    await pool.drain();
    expect(seen.sort()).toEqual(["error", "error"]);
    expect(pool.counts()).toMatchObject({ accepted: 3, done: 1, errors: 3 });
  });

  it("abandons a hanging task at its deadline and aborts its signal", async () => {
    const pool = new ShadowPool({ maxConcurrent: 1, deadlineMs: 30 });
    let signal: AbortSignal | undefined;
    const seen: ShadowOutcome<unknown>[] = [];
    pool.offer(
      (s) => {
        signal = s;
        return never();
      },
      (o) => seen.push(o),
    );
    await pool.drain();
    expect(seen).toEqual([{ kind: "timeout", deadlineMs: 30 }]);
    expect(signal?.aborted).toBe(true);
    expect(pool.counts().inFlight).toBe(0);
  });

  it("drops and counts overflow instead of queueing it", async () => {
    const pool = new ShadowPool({ maxConcurrent: 2, deadlineMs: 50 });
    const accepted = [1, 2, 3, 4, 5].map(() => pool.offer(never, () => {}));
    expect(accepted).toEqual([true, true, false, false, false]);
    expect(pool.counts()).toMatchObject({ accepted: 2, dropped: 3, inFlight: 2 });
    await pool.drain();
    expect(
      pool.offer(
        async () => 1,
        () => {},
      ),
    ).toBe(true);
    await pool.drain();
    expect(pool.counts()).toMatchObject({ accepted: 3, dropped: 3, timeouts: 2, done: 1 });
  });
});
