import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { registerCompare } from "./compare.ts";
import { runInProcess } from "./in-process.ts";

const FIX = "test/fixtures/records";
const PRIMARY = `${FIX}/transform-chain.convex.json`;
const GRAPH = "examples/transform-chain.json";
const cli = (...args: string[]) => runInProcess([registerCompare], ["compare", ...args]);

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "cutover-compare-")), name);
  writeFileSync(path, text);
  return path;
}

describe("cutover compare", () => {
  it("exits 0 on a match and explains it in plain text", async () => {
    const r = await cli(PRIMARY, `${FIX}/transform-chain.inngest.json`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^verdict: MATCH \(replay mode\)/);
    expect(r.stdout).toContain("primary run_fx_convex (convex, completed");
    expect(r.stdout).toContain("steps: 6 compared");
  });

  it("exits 1 on a mismatch; --json prints the ParityResult with paths and both values", async () => {
    const r = await cli(PRIMARY, `${FIX}/transform-chain.inngest-mismatch.json`, "--json");
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result.verdict).toBe("mismatch");
    expect(result.findings).toContainEqual(
      expect.objectContaining({
        category: "output",
        path: "$.output.grandTotal",
        primary: 467.74,
        shadow: 467.75,
      }),
    );
    expect(result.summary.topPaths[0]).toBe("$.output.lines[2]");
    const text = await cli(PRIMARY, `${FIX}/transform-chain.inngest-mismatch.json`);
    expect(text.stdout).toContain("node report");
    expect(text.stdout).toContain("primary: 467.74");
  });

  it("checks dependency order only with --graph", async () => {
    const early = `${FIX}/transform-chain.inngest-early-step.json`;
    expect((await cli(PRIMARY, early)).code).toBe(0);
    const r = await cli(PRIMARY, early, "--graph", GRAPH);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "step node-report-transform started 1 ms before its dependency node-totals-transform finished",
    );
  });

  it("applies a policy file: ignored paths make the mismatch a match", async () => {
    const policy = tempFile("policy.json", JSON.stringify({ ignorePaths: ["**.grandTotal", "**.lines"] }));
    const r = await cli(PRIMARY, `${FIX}/transform-chain.inngest-mismatch.json`, "--policy", policy);
    expect(r.stdout.split("\n")[0]).toMatch(/^verdict: MATCH/);
    expect(r.code).toBe(0);
  });

  it("exits 2 with one line naming the file and the first problem", async () => {
    const cases: [string[], RegExp][] = [
      [[PRIMARY, `${FIX}/nope.json`], /cannot read shadow record .*nope\.json: no such file/],
      [
        [PRIMARY, `${FIX}/transform-chain.invalid-status.json`],
        /shadow record .*invalid-status\.json is not a run record: status:/,
      ],
      [[tempFile("p.json", "{ not json"), PRIMARY], /primary record .*p\.json is not JSON/],
      [
        [PRIMARY, PRIMARY, "--policy", tempFile("bad.json", '{"mode":"sometimes"}')],
        /policy .*bad\.json: policy field "mode"/,
      ],
      [
        [PRIMARY, PRIMARY, "--policy", tempFile("paths.json", '{"ignorePaths":["$.a..b"]}')],
        /policy field "ignorePaths\[0\]": bad path/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stdout).toBe("");
    }
  });
});

describe("cutover compare: one workflow at a time", () => {
  const otherWorkflow = () => {
    const record = JSON.parse(readFileSync(`${FIX}/transform-chain.inngest.json`, "utf8"));
    return tempFile("other.json", JSON.stringify({ ...record, workflowId: "another-workflow" }));
  };

  it("refuses records of two workflows, naming both, unless --force", async () => {
    const other = otherWorkflow();
    const r = await cli(PRIMARY, other);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(
      /different workflows: primary transform-chain, shadow another-workflow .*--force/,
    );
    expect((await cli(PRIMARY, other, "--force")).code).not.toBe(2);
  });

  it("refuses a --graph of another workflow, naming both, unless --force", async () => {
    const r = await cli(PRIMARY, `${FIX}/transform-chain.inngest.json`, "--graph", "examples/summary.json");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--graph is workflow summary, the records are of workflow transform-chain/);
    const forced = await cli(
      PRIMARY,
      `${FIX}/transform-chain.inngest.json`,
      "--graph",
      "examples/summary.json",
      "--force",
    );
    expect(forced.code).not.toBe(2);
  });

  it("answers 1 for a --graph that does not compile, as validate does, listing its errors", async () => {
    const r = await cli(
      PRIMARY,
      PRIMARY,
      "--graph",
      tempFile("g.json", '{"name":"x","nodes":[],"edges":[]}'),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^cutover: workflow file .*g\.json is invalid \(\d+ errors?\):\n {2}[A-Z_]+ at /,
    );
  });
});

/** Runs the real CLI in a child process: exit codes and streams exactly as a user sees them. */
async function spawned(args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "cli/main.ts", ...args],
      {
        cwd: join(import.meta.dirname, ".."),
        env: { ...process.env, CUTOVER_LOG_LEVEL: "silent" },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code as number, stdout: err.stdout as string, stderr: err.stderr as string };
  }
}

describe("cutover compare (spawned)", { timeout: 90_000 }, () => {
  it("exits 0, 1 and 2 as the contract says, with no stack trace on bad input", async () => {
    const [match, mismatch, invalid] = await Promise.all([
      spawned(["compare", PRIMARY, `${FIX}/transform-chain.inngest.json`, "--json"]),
      spawned(["compare", PRIMARY, `${FIX}/transform-chain.inngest-mismatch.json`]),
      spawned(["compare", PRIMARY, `${FIX}/transform-chain.invalid-status.json`]),
    ]);
    expect(match.code).toBe(0);
    expect(JSON.parse(match.stdout).verdict).toBe("match");
    expect(mismatch.code).toBe(1);
    expect(mismatch.stdout).toMatch(/^verdict: MISMATCH/);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr.trim()).toMatch(
      /^cutover: error: shadow record .*invalid-status\.json is not a run record: status:.* \(see cutover compare --help\)$/,
    );
    expect(invalid.stderr).not.toMatch(/\n\s+at /);
  });
});
