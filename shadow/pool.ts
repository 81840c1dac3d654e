// How do shadow runs stay out of the primary's way? A bounded pool: no waiting, overflow dropped and counted, deadlines enforced.

/** How one shadow task ended. `timeout` means it missed its deadline (its signal was aborted). */
export type ShadowOutcome<T> =
  | { kind: "done"; value: T }
  | { kind: "error"; error: unknown }
  | { kind: "timeout"; deadlineMs: number };

export interface ShadowPoolCounts {
  accepted: number;
  dropped: number;
  /** Slots reserved (reserve) and given back without a shadow running in them. */
  released: number;
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

/** A slot taken with ShadowPool.reserve: used by offer, or given back with release (a second call does nothing). */
export interface PoolLease {
  release(): void;
}

export class ShadowPool {
  readonly #options: ShadowPoolOptions;
  readonly #inFlight = new Set<Promise<void>>();
  /** Reserved slots not yet used or released, and how to free each. */
  readonly #leases = new Map<PoolLease, () => void>();
  readonly #counts = { accepted: 0, dropped: 0, released: 0, done: 0, errors: 0, timeouts: 0 };

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
    /** A slot reserved earlier (reserve): the task runs in it, whatever the pool holds now. */
    lease?: PoolLease,
  ): boolean {
    const held = lease ? this.#leases.get(lease) : undefined;
    if (lease && !held) throw new Error("this pool lease was already used or released");
    if (!held) {
      if (this.#inFlight.size >= this.#options.maxConcurrent) {
        this.#counts.dropped++;
        return false;
      }
      this.#counts.accepted++;
    }
    if (lease) this.#leases.delete(lease);
    const running = this.#run(task).then(async (outcome) => {
      this.#count(outcome);
      try {
        await onSettled(outcome);
      } catch {
        // A failing reconciliation must not surface as an unhandled rejection in the caller's process.
        this.#counts.errors++;
      }
    });
    if (held) {
      // The reserved slot stays counted until the task settles.
      running.finally(held);
      return true;
    }
    const tracked = running.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
    return true;
  }

  /**
   * Takes a slot now for work that must wait first (the follow-up waiting for its primary), so waiting
   * counts against the bound like running does; returns null (counted as dropped) when the pool is full.
   * Hand the lease to `offer`, or `release` it when no shadow will run.
   */
  reserve(): PoolLease | null {
    if (this.#inFlight.size >= this.#options.maxConcurrent) {
      this.#counts.dropped++;
      return null;
    }
    this.#counts.accepted++;
    let free!: () => void;
    const hold = new Promise<void>((resolve) => {
      free = resolve;
    });
    const tracked = hold.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
    const lease: PoolLease = {
      release: () => {
        if (!this.#leases.delete(lease)) return;
        this.#counts.released++;
        free();
      },
    };
    this.#leases.set(lease, free);
    return lease;
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
