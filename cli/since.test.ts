import { describe, expect, it } from "vitest";
import { UsageError } from "./exit.ts";
import { parseSince } from "./since.ts";

const now = Date.parse("2026-11-26T12:00:00.000Z");

describe("parseSince", () => {
  it.each([
    ["30m", "2026-11-26T11:30:00.000Z"],
    ["24h", "2026-11-25T12:00:00.000Z"],
    ["7d", "2026-11-19T12:00:00.000Z"],
    ["1w", "2026-11-19T12:00:00.000Z"],
    ["90s", "2026-11-26T11:58:30.000Z"],
    ["1.5h", "2026-11-26T10:30:00.000Z"],
    ["2026-11-01", "2026-11-01T00:00:00.000Z"],
    ["2026-11-01T08:00:00+02:00", "2026-11-01T06:00:00.000Z"],
  ])("%s → %s", (value, iso) => {
    expect(parseSince(value, now)).toBe(iso);
  });

  it.each(["", "24", "h", "-1h", "24 hours", "yesterday", "2026-13-45"])(
    "refuses %j naming the option",
    (value) => {
      expect(() => parseSince(value, now)).toThrow(UsageError);
      expect(() => parseSince(value, now)).toThrow(/--since must be a duration like 30m, 24h or 7d/);
    },
  );
});
