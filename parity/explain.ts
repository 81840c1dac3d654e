// How does a parity result read to a person? The verdict, the figures, then findings grouped by node with both values.
import type { ParityResult } from "./compare.ts";
import type { Finding, Severity } from "./finding.ts";

const LINE_VALUE_CHARS = 300;
const ORDER: Record<Severity, number> = { critical: 0, major: 1, minor: 2, info: 3 };

/** Returns a plain-text explanation of a result, ending with a newline. */
export function explain(result: ParityResult): string {
  const { summary: s } = result;
  const counts = s.findings.bySeverity;
  const lines = [
    `verdict: ${result.verdict.toUpperCase()} (${s.mode} mode) — ${counts.critical} critical, ${counts.major} major, ${counts.minor} minor, ${counts.info} info`,
    `primary ${s.primary.runId} (${s.primary.executor}, ${s.primary.status}${ms(s.primary.durationMs)}) · shadow ${s.shadow.runId} (${s.shadow.executor}, ${s.shadow.status}${ms(s.shadow.durationMs)}${s.latency.ratio === null ? "" : `, ${s.latency.ratio}× the primary`})`,
    `tokens ${s.tokens.primary.total} → ${s.tokens.shadow.total} (${signed(s.tokens.delta.total)}) · cost ${usd(s.costUsd.primary)} → ${usd(s.costUsd.shadow)} (${s.costUsd.delta === null ? "not comparable" : signed(s.costUsd.delta, "$")})`,
    `steps: ${s.steps.compared} compared, ${s.steps.missingInShadow} missing in the shadow, ${s.steps.extraInShadow} extra in the shadow`,
  ];
  if (s.topPaths.length) lines.push(`differing paths: ${s.topPaths.join(", ")}`);
  // Stored results from before default rules existed have none.
  for (const rule of s.defaultRules ?? []) {
    const where =
      rule.places.length === 0
        ? "no difference there"
        : `${rule.places.length} place(s) set aside: ${rule.places.slice(0, 5).join(", ")}${rule.places.length > 5 ? ", …" : ""}`;
    lines.push(`default rule applied: ${rule.name} — ${rule.description} (${where})`);
  }

  const groups = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const key = f.nodeId === undefined ? "" : f.nodeId;
    const list = groups.get(key) ?? [];
    list.push(f);
    groups.set(key, list);
  }
  // Run-level findings first, then nodes in the order their findings first appear (the primary's step order).
  const keys = [...groups.keys()].sort((a, b) => (a === "" ? -1 : b === "" ? 1 : 0));
  for (const key of keys) {
    lines.push("", key === "" ? "run" : `node ${key}`);
    const list = (groups.get(key) ?? []).slice().sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
    for (const f of list) {
      lines.push(`  ${f.severity.toUpperCase().padEnd(8)} ${f.category.padEnd(8)} ${f.message}`);
      if (f.severity === "info") continue;
      if (f.path) lines.push(`           at ${f.path}`);
      lines.push(`           primary: ${value(f, "primary")}`, `           shadow:  ${value(f, "shadow")}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function value(f: Finding, side: "primary" | "shadow"): string {
  if (!(side in f)) return "(absent)";
  const text = JSON.stringify(f[side]) ?? "undefined";
  return text.length <= LINE_VALUE_CHARS
    ? text
    : `${text.slice(0, LINE_VALUE_CHARS)}… (${text.length} characters)`;
}

const ms = (d: number | null): string => (d === null ? "" : `, ${d} ms`);

function signed(n: number, unit = ""): string {
  const rounded = Math.round(n * 1e9) / 1e9;
  return `${rounded >= 0 ? "+" : "-"}${unit}${Math.abs(rounded)}`;
}

/** Returns a cost as printed: `$0.0012`, or "unknown" for a model without a price. */
function usd(cost: number | null): string {
  return cost === null ? "unknown" : `$${cost}`;
}
