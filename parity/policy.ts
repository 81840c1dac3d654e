// Which differences between a primary and a shadow run count, and by how much may figures differ?
import { z } from "zod";
import { parsePattern } from "./paths.ts";

export interface ParityPolicy {
  /** `replay`: the shadow replays the primary's LLM responses, so usage must match; `live`: it calls the provider. */
  mode: "replay" | "live";
  /**
   * Places never compared (see paths.ts for the syntax): `$.output.generatedAt`, `steps.*.output.id`,
   * `**.requestId`, `$.costUsd`. Paths are from the RunRecord's root; a rule covers everything below
   * it and silences every finding there (value differences, usage, timeline, status).
   */
  ignorePaths: string[];
  /** Two numbers, not both integers, are equal when |a − b| ≤ relativeTolerance × max(|a|, |b|); integers compare exactly. */
  relativeTolerance: number;
  /** Live mode: how far (percent of the primary's figure) run token totals may differ and still be tolerated. */
  tokenTolerancePct: number;
  /** Live mode: the same for the run's cost in USD. */
  costTolerancePct: number;
  /** Places that differ between two primary runs of the same input (noise.ts): differences there are info only. */
  noisePaths: string[];
}

// Policies are shared between many comparisons: a frozen list cannot be changed under one of them.
function frozen(list: string[]): string[] {
  return Object.freeze(list) as string[];
}

export const DEFAULT_POLICY: ParityPolicy = Object.freeze({
  mode: "replay",
  ignorePaths: frozen([]),
  relativeTolerance: 1e-9,
  tokenTolerancePct: 10,
  costTolerancePct: 10,
  noisePaths: frozen([]),
});

const pathList = z.array(
  z.string().superRefine((text, ctx) => {
    try {
      parsePattern(text);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
    }
  }),
);

const pct = z.number().min(0).max(1_000_000);

const PolicySchema = z.strictObject({
  mode: z.enum(["replay", "live"]).default(DEFAULT_POLICY.mode),
  ignorePaths: pathList.default([]),
  relativeTolerance: z.number().min(0).max(1).default(DEFAULT_POLICY.relativeTolerance),
  tokenTolerancePct: pct.default(DEFAULT_POLICY.tokenTolerancePct),
  costTolerancePct: pct.default(DEFAULT_POLICY.costTolerancePct),
  noisePaths: pathList.default([]),
});

/**
 * Returns a complete, frozen policy from a JSON document (missing fields take the defaults).
 * Throws an Error naming the first bad field, e.g. `policy field "ignorePaths[1]": bad path ...`.
 */
export function parsePolicy(json: unknown): ParityPolicy {
  const parsed = PolicySchema.safeParse(json ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.reduce<string>(
      (acc, key) =>
        typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key),
      "",
    );
    const unknownKeys = issue.code === "unrecognized_keys" ? issue.keys.join(", ") : "";
    if (unknownKeys) throw new Error(`policy has unknown field "${unknownKeys}"`);
    throw new Error(field ? `policy field "${field}": ${issue.message}` : `policy: ${issue.message}`);
  }
  const p = parsed.data;
  return Object.freeze({
    ...p,
    ignorePaths: frozen([...p.ignorePaths]),
    noisePaths: frozen([...p.noisePaths]),
  });
}
