// How far back does `--since` reach? A duration (30m, 24h, 7d) before now, or an ISO-8601 time.
import { UsageError } from "./exit.ts";

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** Returns the milliseconds a duration like 30s, 5m or 24h names, or null when it names none. */
export function parseDuration(value: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(value.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : null;
}

/** Returns the ISO-8601 time the option names; throws UsageError naming the option when it names none. */
export function parseSince(value: string, now: number = Date.now(), option = "--since"): string {
  const ms = parseDuration(value);
  if (ms !== null) return new Date(now - ms).toISOString();
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value)))
    return new Date(value).toISOString();
  throw new UsageError(
    `${option} must be a duration like 30m, 24h or 7d, or an ISO-8601 time, got "${value}"`,
  );
}
