// Which differences does the comparator set aside by itself, and where did it do so? The built-in rules, reported.
import type { RunRecord, StepRecord } from "../executors/records.ts";
import { maskWallClock } from "../workflow/legacy/prompt.ts";

/** A built-in rule the comparator applied to a pair, with every place where the two sides differed under it. */
export interface AppliedRule {
  readonly name: string;
  readonly description: string;
  /** Rendered paths (as findings name them) whose values differed only in what the rule covers. */
  readonly places: readonly string[];
}

export const LEGACY_WALL_CLOCK = {
  name: "legacy-wall-clock",
  description:
    "a legacy AI step's output carries `timestamp` (Date.now() when the action answered), and the next prompt's context text carries it too: its digits are wall clock, never compared",
} as const;

/** The value a masked timestamp is compared as: equal on both sides, and visibly not a time. */
const MASKED = "<wall clock>";

/** True for a step of a legacy AI node (dag llm steps are typed `llm`). */
function isLegacyAi(step: StepRecord): boolean {
  return step.type === "ai";
}

/**
 * Returns both records with the built-in rules applied, and the rules with the places where they
 * mattered. Today there is one: the legacy wall clock (`timestamp` at any depth of a legacy AI step's
 * output, of the run's output, and inside each legacy prompt's context text). Records without legacy
 * steps come back unchanged, with no rule.
 */
export function applyDefaultRules(
  primary: RunRecord,
  shadow: RunRecord,
): { primary: RunRecord; shadow: RunRecord; applied: AppliedRule[] } {
  if (!primary.steps.some(isLegacyAi) && !shadow.steps.some(isLegacyAi))
    return { primary, shadow, applied: [] };
  const seenPrimary = new Map<string, unknown>();
  const seenShadow = new Map<string, unknown>();
  const maskedPrimary = withoutWallClock(primary, seenPrimary);
  const maskedShadow = withoutWallClock(shadow, seenShadow);
  const places = [...new Set([...seenPrimary.keys(), ...seenShadow.keys()])].filter(
    (place) => seenPrimary.get(place) !== seenShadow.get(place),
  );
  return { primary: maskedPrimary, shadow: maskedShadow, applied: [{ ...LEGACY_WALL_CLOCK, places }] };
}

/** Returns a copy of the record with its wall clock masked, noting each masked place and its value in `seen`. */
function withoutWallClock(record: RunRecord, seen: Map<string, unknown>): RunRecord {
  const steps = record.steps.map((step) => {
    if (!isLegacyAi(step)) return step;
    const at = `$.steps[?(@.name=='${step.name}')]`;
    const input = step.input as { prompt?: unknown } | null;
    const masked: StepRecord = { ...step, output: maskTimestamps(step.output, `${at}.output`, seen) };
    if (input && typeof input === "object" && typeof input.prompt === "string") {
      const prompt = maskWallClock(input.prompt);
      if (prompt !== input.prompt) seen.set(`${at}.input.prompt`, input.prompt);
      masked.input = { ...input, prompt };
    }
    return masked;
  });
  return { ...record, steps, output: maskTimestamps(record.output, "$.output", seen) };
}

/** Returns the value with every `timestamp` number (at any depth) and every timestamp inside JSON text masked. */
function maskTimestamps(value: unknown, at: string, seen: Map<string, unknown>): unknown {
  if (typeof value === "string") {
    const masked = maskWallClock(value);
    if (masked !== value) seen.set(at, value);
    return masked;
  }
  if (Array.isArray(value)) return value.map((v, i) => maskTimestamps(v, `${at}[${i}]`, seen));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const place = `${at}.${key}`;
    if (key === "timestamp" && typeof v === "number") {
      seen.set(place, v);
      out[key] = MASKED;
    } else out[key] = maskTimestamps(v, place, seen);
  }
  return out;
}
