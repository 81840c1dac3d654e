// How do shadow runs stay out of the primary's way? A bounded pool: no waiting, overflow dropped and counted, deadlines enforced.

/** How one shadow task ended. `timeout` means it missed its deadline (its signal was aborted). */
export type ShadowOutcome<T> =
  | { kind: "done"; value: T }
  | { kind: "error"; error: unknown }
  | { kind: "timeout"; deadlineMs: number };

export interface ShadowPoolCounts {
  accepted: number;
  dropped: number;
  done: number;
  errors: number;
  timeouts: number;
  inFlight: number;
}

export interface ShadowPoolOptions {
  /** Shadows running at once; one more is dropped, never queued. */
  maxConcurrent: number;
  /** A shadow still running after this long is abandoned as a timeout. */
  deadlineMs: number;
}

export class ShadowPool {
  readonly #options: ShadowPoolOptions;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #counts = { accepted: 0, dropped: 0, done: 0, errors: 0, timeouts: 0 };

  constructor(options: ShadowPoolOptions) {
    if (!(options.maxConcurrent >= 1)) throw new RangeError("maxConcurrent must be at least 1");
    if (!(options.deadlineMs > 0)) throw new RangeError("deadlineMs must be positive");
    this.#options = options;
  }

  /**
   * Starts `task` in the background unless the pool is full. Returns false when it was dropped.
   * Never throws and never waits: the task starts on a later tick, its errors, hangs and slowness
   * reach only `onSettled`.
   */
  offer<T>(
    task: (signal: AbortSignal) => Promise<T>,
    onSettled: (outcome: ShadowOutcome<T>) => unknown,
  ): boolean {
    if (this.#inFlight.size >= this.#options.maxConcurrent) {
      this.#counts.dropped++;
      return false;
    }
    this.#counts.accepted++;
    const running = this.#run(task).then(async (outcome) => {
      this.#count(outcome);
      try {
        await onSettled(outcome);
      } catch {
        // A failing reconciliation must not surface as an unhandled rejection in the caller's process.
        this.#counts.errors++;
      }
    });
    const tracked = running.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
    return true;
  }

  /** Returns once every shadow accepted so far has settled (and its onSettled ran). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Returns a snapshot of the pool's counters. */
  counts(): ShadowPoolCounts {
    return { ...this.#counts, inFlight: this.#inFlight.size };
  }

  async #run<T>(task: (signal: AbortSignal) => Promise<T>): Promise<ShadowOutcome<T>> {
    const controller = new AbortController();
    const { deadlineMs } = this.#options;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<ShadowOutcome<T>>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`shadow deadline of ${deadlineMs} ms passed`));
        resolve({ kind: "timeout", deadlineMs });
      }, deadlineMs);
      // The timer stays referenced: a process awaiting its shadows lives until each settles or times out.
    });
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => task(controller.signal))
      .then(
        (value): ShadowOutcome<T> => ({ kind: "done", value }),
        (error): ShadowOutcome<T> => ({ kind: "error", error }),
      );
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  #count(outcome: ShadowOutcome<unknown>): void {
    if (outcome.kind === "done") this.#counts.done++;
    else if (outcome.kind === "error") this.#counts.errors++;
    else this.#counts.timeouts++;
  }
}
