import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { RunRecord } from "../executors/records.ts";
import { InvalidWorkflowError } from "./exit.ts";
import { prepareRun, type RunCommandOptions } from "./run.ts";

const exec = promisify(execFile);
const root = join(import.meta.dirname, "..");
const tsx = join(root, "node_modules/.bin/tsx");
const env = { ...process.env, CONVEX_URL: "", CUTOVER_LOG_LEVEL: "silent" };
delete (env as Record<string, unknown>).CONVEX_URL;

async function cutover(args: string[]) {
  try {
    const { stdout, stderr } = await exec(tsx, ["cli/main.ts", ...args], { cwd: root, env });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code as number, stdout: err.stdout as string, stderr: err.stderr as string };
  }
}

const base: RunCommandOptions = { executor: "convex", provider: "mock", workspace: "default" };
const tmp = mkdtempSync(join(tmpdir(), "cutover-run-"));
const file = (name: string, text: string) => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};

describe("cutover run: rejected before anything runs", () => {
  it("names the validator's errors for an invalid graph", () => {
    const path = file(
      "bad.json",
      JSON.stringify({
        name: "x",
        nodes: [{ id: "a", type: "ai", position: { x: 0, y: 0 }, data: {} }],
        edges: [],
      }),
    );
    // An invalid graph is a negative answer (exit 1), as validate and compile give it, not bad usage.
    expect(() => prepareRun(path, base)).toThrow(InvalidWorkflowError);
    expect(() => prepareRun(path, base)).toThrow(/is invalid \(\d+ errors?\):\n {2}[A-Z_]+ at /);
  });

  it("names the missing required variable", () => {
    expect(() => prepareRun("examples/summary.json", { ...base, input: "{}" })).toThrow(/article/);
  });

  it("rejects unreadable input, input given twice, a bad timeout and an unknown provider", () => {
    expect(() =>
      prepareRun("examples/summary.json", { ...base, inputFile: join(tmp, "missing.json") }),
    ).toThrow(/cannot read input file .*missing\.json: no such file/);
    expect(() => prepareRun("examples/summary.json", { ...base, input: "{nope" })).toThrow(
      /--input is not JSON/,
    );
    expect(() => prepareRun("examples/summary.json", { ...base, input: "{}", inputFile: "x" })).toThrow(
      /not both/,
    );
    expect(() =>
      prepareRun("examples/summary.json", { ...base, input: '{"article":"a"}', timeout: "-5" }),
    ).toThrow(/--timeout/);
    expect(() => prepareRun("examples/summary.json", { ...base, provider: "gpt" })).toThrow(
      /unknown provider spec/,
    );
  });

  it("exits 2 with one message on stderr and nothing on stdout", async () => {
    const r = await cutover(["run", "examples/summary.json", "--input", "{}", "--json"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^cutover: error: input rejected: .*article.* \(see cutover run --help\)\n$/);
  });
});

describe("cutover run on every example (embedded Convex, mock provider)", () => {
  const examples = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".json"));
  it("has examples to run", () => expect(examples.length).toBeGreaterThan(0));

  for (const name of examples) {
    it(`runs ${name} to completion and prints its RunRecord`, async () => {
      const r = await cutover([
        "run",
        `examples/${name}`,
        "--input-file",
        `examples/inputs/${name}`,
        "--json",
      ]);
      expect(r.stderr).toContain("convex: embedded (convex-test)");
      expect(r.code).toBe(0);
      const record = RunRecord.parse(JSON.parse(r.stdout));
      expect(record.status).toBe("completed");
      expect(record.executor).toBe("convex");
      expect(record.steps.length).toBeGreaterThan(1);
      expect(record.steps.every((s) => s.status === "completed" || s.status === "skipped")).toBe(true);
      expect(record.output).not.toBeNull();
    });
  }

  it("prints a readable timeline without --json, and exits 1 for a failed run with the record still printed", async () => {
    const ok = await cutover([
      "run",
      "examples/summary.json",
      "--input-file",
      "examples/inputs/summary.json",
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^run \S+ \(convex\) completed in \d+ ms/);
    expect(ok.stdout).toContain("✓ node-summarize-llm");
    const failing = file(
      "fails.json",
      JSON.stringify({
        name: "fails",
        nodes: [
          { id: "input", type: "input", position: { x: 0, y: 0 }, data: {} },
          {
            id: "boom",
            type: "transform",
            position: { x: 1, y: 0 },
            data: { script: 'throw new Error("boom")' },
          },
          { id: "output", type: "output", position: { x: 2, y: 0 }, data: {} },
        ],
        edges: [
          { id: "a", source: "input", target: "boom" },
          { id: "b", source: "boom", target: "output" },
        ],
      }),
    );
    const bad = await cutover(["run", failing, "--json"]);
    expect(bad.code).toBe(1);
    const record = RunRecord.parse(JSON.parse(bad.stdout));
    expect(record.status).toBe("failed");
    expect(record.error!.code).toBe("SCRIPT_ERROR");
  });
});
