// Does this run get a shadow? A deterministic decision from the runId, so a resubmit decides the same way.
import { createHash } from "node:crypto";

/** Returns the run's bucket in [0, 10000): the first 4 bytes of sha256(runId), reduced. */
export function sampleBucket(runId: string): number {
  return createHash("sha256").update(runId).digest().readUInt32BE(0) % 10_000;
}

/** Returns true when the run falls inside the sample (samplePct 0–100, hundredths of a percent honoured). */
export function isSampled(runId: string, samplePct: number): boolean {
  if (!(samplePct > 0)) return false;
  if (samplePct >= 100) return true;
  return sampleBucket(runId) < Math.round(samplePct * 100);
}
