// What are the p50 and p95 of a stream too long to keep? A log-bucketed histogram: fixed memory, ~1% error.

const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);

export class LatencyHistogram {
  readonly #buckets = new Map<number, number>();
  #count = 0;

  /** Adds one duration in milliseconds (negative and non-finite values are ignored). */
  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const bucket = Math.floor(Math.log1p(ms) / LOG_GROWTH);
    this.#buckets.set(bucket, (this.#buckets.get(bucket) ?? 0) + 1);
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  /** Returns the q-quantile (0..1) in ms, within about 1% of the exact value; null when empty. */
  quantile(q: number): number | null {
    if (this.#count === 0) return null;
    const target = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (const bucket of [...this.#buckets.keys()].sort((a, b) => a - b)) {
      seen += this.#buckets.get(bucket)!;
      if (seen >= target) return Math.round(Math.expm1((bucket + 0.5) * LOG_GROWTH) * 100) / 100;
    }
    return null;
  }
}
