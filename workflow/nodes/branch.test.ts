import { describe, expect, it } from "vitest";
import { runBranch } from "./branch.ts";
import { nodeFailure, testEnv, testNode } from "./test-kit.ts";

const scope = { input: { score: 0.7, tags: [] }, results: { in: { score: 0.7 } } };
const branch = (condition: string) => testNode("br", "branch", { condition }, ["in"]);

describe("runBranch", () => {
  it("outputs the condition's truthiness as a boolean", async () => {
    expect((await runBranch(branch("input.score > 0.5"), scope, testEnv())).output).toBe(true);
    expect((await runBranch(branch("input.score > 0.9"), scope, testEnv())).output).toBe(false);
    expect((await runBranch(branch("input.tags"), scope, testEnv())).output).toBe(true);
    expect((await runBranch(branch("input.tags.length"), scope, testEnv())).output).toBe(false);
    expect((await runBranch(branch("input.missing"), scope, testEnv())).output).toBe(false);
  });

  it("fails a condition that throws with SCRIPT_ERROR", async () => {
    expect((await nodeFailure(runBranch(branch("input.missing.deep"), scope, testEnv()))).code).toBe(
      "SCRIPT_ERROR",
    );
  });
});
