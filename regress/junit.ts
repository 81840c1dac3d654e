// How does CI read a regression run? The JUnit XML report: one testsuite per executor, one testcase per case.
import { create } from "xmlbuilder2";
import type { RegressReport } from "./runner.ts";

/** Returns the report as JUnit XML: each failure carries its first reason as the message and every reason as text. */
export function junitXml(report: RegressReport): string {
  const failures = report.results.filter((r) => !r.ok).length;
  const root = create({ version: "1.0", encoding: "UTF-8" }).ele("testsuites", {
    name: "cutover regress",
    tests: report.results.length,
    failures,
    errors: 0,
    time: (report.durationMs / 1000).toFixed(3),
  });
  for (const executor of report.executors) {
    const results = report.results.filter((r) => r.executor === executor);
    const suite = root.ele("testsuite", {
      name: `regress.${executor}`,
      tests: results.length,
      failures: results.filter((r) => !r.ok).length,
      errors: 0,
      skipped: 0,
      time: (results.reduce((t, r) => Math.max(t, r.durationMs), 0) / 1000).toFixed(3),
    });
    for (const r of results) {
      const testcase = suite.ele("testcase", {
        classname: `regress.${executor}`,
        name: r.case,
        time: (r.durationMs / 1000).toFixed(3),
      });
      if (!r.ok) {
        testcase
          .ele("failure", { message: r.reasons[0] ?? "failed", type: "RegressionFailure" })
          .txt(r.reasons.join("\n"));
      }
    }
  }
  return root.end({ prettyPrint: true });
}
