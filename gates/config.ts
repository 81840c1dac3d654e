// How much evidence does a promotion need? The gate thresholds, their production defaults and their file form.
import { z } from "zod";

export interface GateConfig {
  /** Compared pairs needed before anything else is judged. */
  minPairs: number;
  /** Share of pairs that must match or be tolerated, in percent. */
  minParityPct: number;
  /** How many percentage points Inngest's error rate may exceed Convex's. */
  maxErrorRateDeltaPct: number;
  /** How much slower Inngest's p95 latency may be than Convex's (a ratio). */
  maxP95Ratio: number;
  /** Minutes the workflow must have spent in its current stage. */
  minBakeMinutes: number;
}

/** What production promotions need unless a workflow or `--gates` says otherwise. */
export const PRODUCTION_GATES: Readonly<GateConfig> = Object.freeze({
  minPairs: 100,
  minParityPct: 99,
  maxErrorRateDeltaPct: 1,
  maxP95Ratio: 1.5,
  minBakeMinutes: 24 * 60,
});

/** The gates a workflow's flag may keep, or a `--gates` file may hold: any of the five thresholds. */
export const GatesOverride = z.strictObject({
  minPairs: z.number().int().min(1).max(10_000_000).optional(),
  minParityPct: z.number().min(0).max(100).optional(),
  maxErrorRateDeltaPct: z.number().min(0).max(100).optional(),
  maxP95Ratio: z.number().positive().max(1000).optional(),
  minBakeMinutes: z.number().min(0).max(525_600).optional(),
});

/** Thrown for a gates document with an unknown key or an out-of-range number; the message names the key. */
export class GatesConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GatesConfigError";
  }
}

export type GatesOverride = z.infer<typeof GatesOverride>;

/** Returns the thresholds a workflow is judged by: the flag's own over the production defaults. */
export function gatesOf(flag: { gates?: GatesOverride } | null): GateConfig {
  const out: GateConfig = { ...PRODUCTION_GATES };
  for (const [key, value] of Object.entries(flag?.gates ?? {}))
    if (value !== undefined) out[key as keyof GateConfig] = value;
  return out;
}

/** Returns `base` with the document's thresholds over it; throws GatesConfigError naming the first bad key. */
export function parseGates(json: unknown, base: Readonly<GateConfig> = PRODUCTION_GATES): GateConfig {
  const parsed = GatesOverride.safeParse(json ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === "unrecognized_keys")
      throw new GatesConfigError(
        `gates: unknown key "${issue.keys.join('", "')}" (known: ${Object.keys(PRODUCTION_GATES).join(", ")})`,
      );
    const key = issue.path.map(String).join(".") || "(document)";
    throw new GatesConfigError(`gates: "${key}" ${issue.message}`);
  }
  const out: GateConfig = { ...base };
  for (const [key, value] of Object.entries(parsed.data))
    if (value !== undefined) out[key as keyof GateConfig] = value;
  return out;
}
