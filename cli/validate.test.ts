import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import { canonicalJson } from "../lib/canonical.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import { compileToStdout } from "./compile.ts";
import { formatIssue, validateFile } from "./validate.ts";

const exec = promisify(execFile);
const root = join(import.meta.dirname, "..");
const tmp = mkdtempSync(join(tmpdir(), "cutover-validate-"));
const env = { ...process.env, CUTOVER_LOG_LEVEL: "silent", CUTOVER_HTTP_ALLOW_HOSTS: "" };

/** Runs the real CLI in a child process: exit codes and streams exactly as a user sees them. */
async function cutover(args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, ["--import", "tsx", "cli/main.ts", ...args], {
      cwd: root,
      env,
    });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code as number, stdout: err.stdout as string, stderr: err.stderr as string };
  }
}

function capture(stream: NodeJS.WriteStream) {
  const chunks: string[] = [];
  const spy = vi.spyOn(stream, "write").mockImplementation((c) => {
    chunks.push(String(c));
    return true;
  });
  return { text: () => chunks.join(""), restore: () => spy.mockRestore() };
}

afterEach(() => vi.restoreAllMocks());

describe("cutover validate (in-process)", () => {
  it("prints one line per error with code, path and message, and returns 1", () => {
    const out = capture(process.stdout);
    const code = validateFile("test/corpus/invalid/cycle.json", {});
    out.restore();
    expect(code).toBe(1);
    expect(out.text()).toBe(
      'test/corpus/invalid/cycle.json: invalid, dag profile (1 error)\n  CYCLE at nodes[1]: nodes "a" → "b" → "c" → "a" form a cycle (through edges or template references)\n',
    );
  });

  it("says which workflow and version a valid file is", () => {
    const out = capture(process.stdout);
    expect(validateFile("examples/summary.json", {})).toBe(0);
    out.restore();
    const version = compileWorkflow(JSON.parse(readFileSync("examples/summary.json", "utf8")));
    expect(version.ok && out.text()).toBe(
      `examples/summary.json: valid, dag profile (workflow summary, 3 nodes, ${version.ok ? version.compiled.workflowVersionId : ""})\n`,
    );
  });

  it("formats a document-level issue without a path", () => {
    expect(formatIssue({ code: "DOCUMENT_NOT_OBJECT", path: "", message: "m" })).toBe(
      "DOCUMENT_NOT_OBJECT at (document): m",
    );
  });
});

describe("cutover compile (in-process)", () => {
  it("prints the canonical compiled JSON of a valid file", () => {
    const out = capture(process.stdout);
    expect(compileToStdout("examples/map.json")).toBe(0);
    out.restore();
    const result = compileWorkflow(JSON.parse(readFileSync("examples/map.json", "utf8")));
    expect(result.ok).toBe(true);
    if (result.ok) expect(out.text()).toBe(`${canonicalJson(result.compiled, 2)}\n`);
  });

  it("prints nothing on stdout and the errors on stderr for an invalid file", () => {
    const out = capture(process.stdout);
    const err = capture(process.stderr);
    expect(compileToStdout("test/corpus/invalid/llm-no-model.json")).toBe(1);
    out.restore();
    err.restore();
    expect(out.text()).toBe("");
    expect(err.text()).toContain('LLM_NO_MODEL at nodes[1].data.model: node "summarize"');
  });
});

// Spawning tsx is slow on a busy machine: these get a generous timeout (nothing here measures time).
describe("the real command (spawned)", { timeout: 90_000 }, () => {
  it("validate: exit 0 for an example, 1 for a bad graph, 2 for an empty file with one stderr line", async () => {
    const empty = join(tmp, "empty.json");
    writeFileSync(empty, "");
    const [ok, bad, unreadable, missing] = await Promise.all([
      cutover(["validate", "examples/branch.json"]),
      cutover(["validate", "test/corpus/invalid/http-host-not-allowed.json", "--json"]),
      cutover(["validate", empty]),
      cutover(["validate", join(tmp, "missing.json")]),
    ]);
    expect(ok).toMatchObject({ code: 0, stderr: "" });
    expect(ok.stdout).toMatch(
      /^examples\/branch\.json: valid, dag profile \(workflow branch, 6 nodes, wfv_[0-9a-f]{24}\)\n$/,
    );
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toEqual({
      valid: false,
      profile: "dag",
      warnings: [],
      errors: [
        {
          code: "HTTP_HOST_NOT_ALLOWED",
          path: "nodes[1].data.url",
          message:
            'node "fetch" data.url: host evil.example.net is not allowed: no hosts are (set CUTOVER_HTTP_ALLOW_HOSTS)',
        },
      ],
    });
    expect(unreadable).toEqual({
      code: 2,
      stdout: "",
      stderr: `cutover: error: workflow file ${empty} is empty (see cutover validate --help)\n`,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `cutover: error: cannot read workflow file ${join(tmp, "missing.json")}: no such file (see cutover validate --help)\n`,
    );
  });

  it("compile: prints JSON that parses to the compiled workflow, exit 1 for an invalid graph", async () => {
    const [ok, bad] = await Promise.all([
      cutover(["compile", "examples/extract.json"]),
      cutover(["compile", "test/corpus/invalid/cycle.json"]),
    ]);
    expect(ok.code).toBe(0);
    const compiled = JSON.parse(ok.stdout);
    expect(compiled.workflowId).toBe("extract");
    expect(compiled.topologicallySortedNodes.map((n: { label: string }) => n.label)).toEqual([
      "node-input-input",
      "node-extract-llm",
      "node-output-output",
    ]);
    expect(bad).toMatchObject({ code: 1, stdout: "" });
    expect(bad.stderr).toContain("CYCLE at nodes[1]");
  });
});
