// Attack: a shadow that returns a different integer (an id, a count, an amount in cents) close enough to the
// primary's that a relative tolerance of 1e-9 would hide it. Integers compare exactly; floats keep the tolerance.
import { describe, expect, it } from "vitest";
import type { RunRecord } from "../../executors/records.ts";
import { compare } from "../../parity/compare.ts";
import { diffValues } from "../../parity/output-diff.ts";
import { parsePolicy } from "../../parity/policy.ts";
import { asShadow, makeRun, type StepSpec } from "../fixtures/records/make.ts";

const STEPS: StepSpec[] = [
  { nodeId: "in", type: "input", at: [0, 5] },
  { nodeId: "out", type: "output", at: [5, 10], output: { orderId: 1234567890123 } },
];

function pair(primaryOut: unknown, shadowOut: unknown): [RunRecord, RunRecord] {
  const p = makeRun(STEPS, { output: primaryOut });
  const s = asShadow(p);
  s.output = shadowOut as RunRecord["output"];
  return [p, s];
}

describe("comparator: integers are compared exactly", () => {
  it("1234567890123 against 1234567890999 is a mismatch naming the path and both values", () => {
    const [p, s] = pair({ orderId: 1234567890123 }, { orderId: 1234567890999 });
    const r = compare(p, s);
    expect(r.verdict).toBe("mismatch");
    expect(r.findings.find((f) => f.path === "$.output.orderId")).toMatchObject({
      primary: 1234567890123,
      shadow: 1234567890999,
    });
  });

  it("even a loose policy tolerance does not make two different integers equal", () => {
    const [p, s] = pair({ count: 1_000_000 }, { count: 1_000_001 });
    expect(compare(p, s, parsePolicy({ relativeTolerance: 0.01 })).verdict).toBe("mismatch");
  });

  it("the noise baseline's diff sees the integer difference too", () => {
    expect(
      diffValues({ n: 9_007_199_254_740_000 }, { n: 9_007_199_254_740_990 }, ["output"], {
        relativeTolerance: 1e-9,
        ignore: null,
      }),
    ).toHaveLength(1);
  });

  it("floats within the tolerance still match, and the same integer matches", () => {
    const [p, s] = pair({ score: 0.1 + 0.2, orderId: 1234567890123 }, { score: 0.3, orderId: 1234567890123 });
    expect(compare(p, s).verdict).toBe("match");
  });
});
