// How long does something take, robustly? Small timing helpers every benchmark shares.
import { performance } from "node:perf_hooks";

/** One benchmark file's default export: `run` returns the figures to print and keep. */
export interface Bench {
  name: string;
  run(): Promise<Record<string, unknown>>;
}

/** Returns the q-quantile (0..1) of the samples. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const pos = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[pos];
}

export const median = (samples: readonly number[]): number => quantile(samples, 0.5);

/** Returns the milliseconds of each of `times` runs of `fn` (after `warmup` unmeasured runs). */
export async function timeRuns(fn: () => unknown, times: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** Returns the process's peak resident set size so far, in MiB. */
export function peakRssMiB(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

/** Rounds a figure for printing. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
