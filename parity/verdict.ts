// What is the verdict on a pair? Mismatch on any major or critical finding, tolerated on minor ones, else match.
import type { Finding } from "./finding.ts";

export type Verdict = "match" | "tolerated" | "mismatch";

/** Returns the verdict the findings add up to (info findings never change it). */
export function verdictOf(findings: readonly Finding[]): Verdict {
  let minor = false;
  for (const f of findings) {
    if (f.severity === "major" || f.severity === "critical") return "mismatch";
    if (f.severity === "minor") minor = true;
  }
  return minor ? "tolerated" : "match";
}
