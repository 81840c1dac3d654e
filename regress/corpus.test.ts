// Does the project still do what its own regression corpus says? regress/corpus on both executors, inside `npm test`.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCorpus } from "./corpus.ts";
import { runRegress } from "./runner.ts";

const dir = join(import.meta.dirname, "corpus");

describe("the project's regression corpus", { timeout: 120_000 }, () => {
  it("holds at least 30 cases, covering the legacy profile, every node type and every fault", () => {
    const cases = readCorpus(dir);
    expect(cases.length).toBeGreaterThanOrEqual(30);
    const types = new Set(
      cases
        .flatMap(
          (c) => (c.document as { nodes: { type: string; data?: { task?: { type: string } } }[] }).nodes,
        )
        .flatMap((n) => [n.type, n.data?.task?.type].filter(Boolean)),
    );
    for (const type of ["input", "ai", "transform", "branch", "map", "http", "output"])
      expect(types).toContain(type);
    const faults = new Set(
      cases.flatMap((c) => (c.provider.openai.kind === "faults" ? c.provider.openai.faults : [])),
    );
    for (const fault of ["429", "500", "timeout", "malformed", "schema-violation", "network-error"]) {
      expect(faults).toContain(fault);
    }
    expect(cases.some((c) => c.provider.openai.kind === "cassette")).toBe(true);
    expect(cases.filter((c) => !("id" in (c.document as object))).length).toBeGreaterThanOrEqual(5);
  });

  it("passes on both executors, the two agreeing on every case", async () => {
    const report = await runRegress({ dir, executors: ["convex", "inngest"], concurrency: 4 });
    const failed = report.results
      .filter((r) => !r.ok)
      .map((r) => `${r.case} (${r.executor}): ${r.reasons.join("; ")}`);
    expect(failed).toEqual([]);
    expect(report.results).toHaveLength(report.cases * 2);
  });
});
