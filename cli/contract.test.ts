// Does every command keep the CLI contract? Usage errors as one line with exit 2, --version, --json that parses,
// nothing written on refusal, NO_COLOR, and `results show`. In-process where it can be, a few real processes.
import { execFile, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunRecord } from "../executors/records.ts";
import { prettyOptions } from "../lib/log.ts";
import { compare } from "../parity/compare.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { registerCompare } from "./compare.ts";
import { registerCompile } from "./compile.ts";
import { reportError } from "./contract.ts";
import { registerDemo } from "./demo.ts";
import { EXIT } from "./exit.ts";
import { registerFlags } from "./flags.ts";
import { runInProcess } from "./in-process.ts";
import { stdin } from "./io.ts";
import { registerReport } from "./report.ts";
import { registerResults } from "./results.ts";
import { registerRun } from "./run.ts";
import { registerServeInngest } from "./serve-inngest.ts";
import { registerShadow } from "./shadow.ts";
import { registerValidate } from "./validate.ts";

const ROOT = join(import.meta.dirname, "..");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const REGISTERS = [
  registerValidate,
  registerCompile,
  registerRun,
  registerShadow,
  registerCompare,
  registerFlags,
  registerResults,
  registerReport,
  registerServeInngest,
  registerDemo,
];
const FIX = "test/fixtures/records";
const PRIMARY = `${FIX}/transform-chain.convex.json`;
const SHADOW = `${FIX}/transform-chain.inngest.json`;
const MISMATCH = `${FIX}/transform-chain.inngest-mismatch.json`;

const tmp = mkdtempSync(join(tmpdir(), "cutover-contract-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
/** Returns a path nothing exists at yet, under this file's temp directory. */
const fresh = (name = "p") => join(tmp, `${name}${n++}`);
const file = (name: string, text: string) => {
  const dir = fresh("f");
  mkdirSync(dir);
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

const ENV_KEYS = ["CUTOVER_HOME", "CONVEX_URL", "CONVEX_DEPLOY_KEY", "CUTOVER_LOG_LEVEL", "USER"] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
const readStdin = stdin.read;
let home = "";
beforeEach(() => {
  home = fresh("home");
  process.env.CUTOVER_HOME = home;
  delete process.env.CONVEX_URL;
  delete process.env.CONVEX_DEPLOY_KEY;
});
afterEach(() => {
  stdin.read = readStdin;
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const cli = (...args: string[]) => runInProcess(REGISTERS, args);

/** Every command's usage errors, each with the command whose --help the line points to. */
const USAGE_ERRORS: [string[], string][] = [
  [[], "cutover"],
  [["bogus"], "cutover"],
  [["help", "bogus"], "cutover"],
  [["--bogus"], "cutover"],
  [["valdate", "x.json"], "cutover"],
  [["validate"], "cutover validate"],
  [["validate", "a.json", "b.json"], "cutover validate"],
  [["validate", "examples/summary.json", "--nope"], "cutover validate"],
  [["validate", "/nope/workflow.json"], "cutover validate"],
  [["compile"], "cutover compile"],
  [["compile", "examples/summary.json", "--nope"], "cutover compile"],
  [["compile", "/nope/workflow.json", "--json"], "cutover compile"],
  [["run"], "cutover run"],
  [["run", "examples/summary.json", "--executor", "lambda"], "cutover run"],
  [["run", "examples/summary.json", "--input", "{"], "cutover run"],
  [["run", "examples/summary.json", "--input", "{}"], "cutover run"],
  [["run", "examples/summary.json", "--timeout", "-1"], "cutover run"],
  [["run", "-", "--input-file", "-"], "cutover run"],
  [["shadow"], "cutover shadow"],
  [["shadow", "examples/summary.json", "--primary", "lambda"], "cutover shadow"],
  [["shadow", "examples/summary.json", "--count", "0"], "cutover shadow"],
  [["compare", PRIMARY], "cutover compare"],
  [["compare", PRIMARY, "/nope/record.json"], "cutover compare"],
  [["compare", PRIMARY, SHADOW, "--graph", "examples/summary.json"], "cutover compare"],
  [["flags"], "cutover flags"],
  [["flags", "nope"], "cutover flags"],
  [["flags", "get"], "cutover flags get"],
  [["flags", "list", "--nope"], "cutover flags list"],
  [["flags", "set", "wf1"], "cutover flags set"],
  [["flags", "set", "wf1", "shadow"], "cutover flags set"],
  [["flags", "set", "wf1", "sideways", "--reason", "r"], "cutover flags set"],
  [["flags", "set", "wf1", "shadow", "--sample", "101", "--reason", "r"], "cutover flags set"],
  [["flags", "clear-override", "wf1", "--reason", "r"], "cutover flags clear-override"],
  [["flags", "kill-switch", "maybe", "--reason", "r"], "cutover flags kill-switch"],
  [["flags", "legacy-removal"], "cutover flags legacy-removal"],
  [["results", "--verdict", "fine"], "cutover results"],
  [["results", "--limit", "0"], "cutover results"],
  [["results", "--cursor", "not-a-cursor"], "cutover results"],
  [["results", "show"], "cutover results show"],
  [["results", "show", "p1", "--nope"], "cutover results show"],
  [["report", "--format", "xml"], "cutover report"],
  [["report", "--since", "yesterday"], "cutover report"],
  [["report", "--json", "--format", "md"], "cutover report"],
  [["serve-inngest", "--port", "http"], "cutover serve-inngest"],
  [["serve-inngest", "--max-body-bytes", "0"], "cutover serve-inngest"],
  [["demo", "--pairs", "0"], "cutover demo"],
  [["demo", "--examples", "/nope"], "cutover demo"],
  [["demo", "--bogus"], "cutover demo"],
];

describe("usage errors: one line on stderr with a hint to --help, exit 2, nothing written", () => {
  for (const [args, command] of USAGE_ERRORS) {
    it(args.join(" ") || "(no command)", async () => {
      stdin.read = () => readFileSync("examples/summary.json", "utf8");
      const r = await cli(...args);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stdout).toBe("");
      expect(r.stderr.endsWith("\n")).toBe(true);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^cutover: error: \S/);
      expect(r.stderr.trimEnd().endsWith(`(see ${command} --help)`)).toBe(true);
      expect(existsSync(home)).toBe(false);
    });
  }
});

/** Every command and subcommand the registers above add, as the words that reach it. */
function everyCommand(): string[][] {
  const program = new Command("cutover");
  for (const register of REGISTERS) register(program);
  const out: string[][] = [];
  const walk = (cmd: Command, path: string[]) => {
    for (const sub of cmd.commands) {
      out.push([...path, sub.name()]);
      walk(sub, [...path, sub.name()]);
    }
  };
  walk(program, []);
  return out;
}

describe("every command: its own --help, --json, and an unknown option as one line", () => {
  // A command added to cli/main.ts belongs in REGISTERS too, so it is held to the contract here.
  for (const path of everyCommand()) {
    it(path.join(" "), async () => {
      const help = await cli(...path, "--help");
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: cutover ${path.join(" ")}\\b`));
      const leaf = !/\bCommands:/.test(help.stdout);
      if (leaf) expect(help.stdout).toMatch(/^\s+--json\b/m);
      const r = await cli(...path, "--no-such-option");
      expect(r.code).toBe(EXIT.usage);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(
        `cutover: error: unknown option '--no-such-option' (see cutover ${path.join(" ")} --help)\n`,
      );
      expect(existsSync(home)).toBe(false);
    });
  }
});

describe("refusals name what is wrong and leave nothing behind", () => {
  it("report --out <directory>/ names the path and leaves no temp file", async () => {
    const dir = fresh("out");
    mkdirSync(dir);
    for (const out of [`${dir}/`, dir]) {
      const r = await cli("report", "--out", out);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toContain(`--out ${out}`);
      expect(r.stderr).toMatch(/directory/);
    }
    expect(readdirSync(dir)).toEqual([]);
    expect(readdirSync(tmp).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(existsSync(home)).toBe(false);
  });

  it("demo --out <a file> is refused before any state is written", async () => {
    const out = file("not-a-dir", "keep me");
    const r = await cli("demo", "--pairs", "1", "--out", out);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(new RegExp(`^cutover: error: --out ${out} is not a directory`));
    expect(existsSync(home)).toBe(false);
    expect(readFileSync(out, "utf8")).toBe("keep me");
  });

  it("CUTOVER_HOME naming a file is an error naming it, on writers and readers alike", async () => {
    const notDir = file("state", "x");
    for (const [value, args] of [
      [notDir, ["flags", "list"]],
      [notDir, ["flags", "set", "wf1", "shadow", "--reason", "r"]],
      [join(notDir, "below"), ["results"]],
      [notDir, ["report"]],
    ] as const) {
      process.env.CUTOVER_HOME = value;
      const r = await cli(...args);
      expect(r.code, args.join(" ")).toBe(EXIT.usage);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(`CUTOVER_HOME (${value})`);
      expect(r.stderr).toContain(notDir);
    }
    expect(readFileSync(notDir, "utf8")).toBe("x");
  });

  it("CUTOVER_LOG_LEVEL=bogus names the variable and the valid levels", async () => {
    process.env.CUTOVER_LOG_LEVEL = "bogus";
    const r = await cli("validate", "examples/summary.json");
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toBe(
      'cutover: error: CUTOVER_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "bogus"\n',
    );
  });

  it("an unreachable CONVEX_URL is the environment (exit 2), named, not an internal error", async () => {
    process.env.CONVEX_URL = "http://127.0.0.1:1";
    process.env.CONVEX_DEPLOY_KEY = "prod:test|key";
    const r = await cli("flags", "list");
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(
      /^cutover: error: cannot reach the control-plane store at CONVEX_URL=http:\/\/127\.0\.0\.1:1 /,
    );
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("read-only commands create no store: an empty answer, saying where they looked", async () => {
    const db = join(home, "state.db");
    for (const args of [
      ["results"],
      ["results", "show", "p1"],
      ["report"],
      ["flags", "list"],
      ["flags", "get", "wf1"],
    ]) {
      const r = await cli(...args, "--json");
      expect(r.code, args.join(" ")).toBe(args[1] === "show" ? EXIT.negative : EXIT.ok);
      JSON.parse(r.stdout);
      expect(r.stderr).toContain(`no state at ${db}`);
    }
    expect((await cli("results")).stdout).toBe("no results match\n");
    expect(existsSync(home)).toBe(false);
  });

  it("a genuine bug is exit 70 and says how to report it", () => {
    const write = process.stderr.write;
    let err = "";
    process.stderr.write = ((s: string) => {
      err += s;
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(reportError(new TypeError("x is not a function"), new Command("cutover"))).toBe(EXIT.bug);
    } finally {
      process.stderr.write = write;
    }
    expect(err).toMatch(/^cutover: internal error: x is not a function\n/);
    expect(err).toContain("bug in cutover");
    expect(err).toContain("CUTOVER_DEBUG=1");
  });
});

describe("the same answer, the same code", () => {
  it("an invalid workflow is exit 1 on validate, compile, run and shadow, with --json a { valid, errors } document", async () => {
    const bad = file("bad.json", JSON.stringify({ name: "x", nodes: [], edges: [] }));
    for (const command of ["validate", "compile", "run", "shadow"]) {
      const text = await cli(command, bad);
      expect(text.code, command).toBe(EXIT.negative);
      const json = await cli(command, bad, "--json");
      expect(json.code, command).toBe(EXIT.negative);
      const doc = JSON.parse(json.stdout);
      expect(doc.valid, command).toBe(false);
      expect(doc.errors[0].code, command).toMatch(/^[A-Z_]+$/);
    }
    expect(existsSync(home)).toBe(false);
  });

  it("flags get '*' after a kill-switch change shows the global switches' audit log", async () => {
    expect((await cli("flags", "kill-switch", "on", "--reason", "incident 7")).code).toBe(0);
    const r = await cli("flags", "get", "*");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("(never set) → kill switch on, legacy executor present — incident 7");
    expect(r.stdout).toContain("incident 7");
    const json = JSON.parse((await cli("flags", "get", "*", "--json")).stdout);
    expect(json.audit).toHaveLength(1);
  });
});

describe("--version and --help", () => {
  it("prints package.json's version with exit 0", async () => {
    for (const flag of ["--version", "-V"]) {
      const r = await cli(flag);
      expect(r).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
    }
  });

  it("--help says where state lives, and every command has its own --help", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`State directory: ${home} (from CUTOVER_HOME)`);
    for (const command of ["validate", "run", "results show", "flags set", "demo"]) {
      const help = await cli(...command.split(" "), "--help");
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(new RegExp(`^Usage: cutover ${command} `));
    }
    expect(existsSync(home)).toBe(false);
  });
});

describe("--json parses on every command that has output", () => {
  it("validate, compile, run, compare", async () => {
    const runs: string[][] = [
      ["validate", "examples/summary.json", "--json"],
      ["compile", "examples/summary.json", "--json"],
      ["run", "examples/summary.json", "--input-file", "examples/inputs/summary.json", "--json"],
      ["compare", PRIMARY, SHADOW, "--json"],
    ];
    for (const args of runs) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(() => JSON.parse(r.stdout), args.join(" ")).not.toThrow();
    }
    expect(existsSync(home)).toBe(false);
  });

  it("flags, shadow, results, results show, report", async () => {
    process.env.USER = "tester";
    const writes: string[][] = [
      ["flags", "set", "wf1", "shadow", "--reason", "r", "--json"],
      ["flags", "set", "wf1", "live", "--workspace", "pilot", "--reason", "r", "--json"],
      ["flags", "clear-override", "wf1", "--workspace", "pilot", "--reason", "r", "--json"],
      ["flags", "kill-switch", "off", "--reason", "r", "--json"],
      ["flags", "legacy-removal", "off", "--reason", "r", "--json"],
      ["flags", "list", "--json"],
      ["flags", "get", "wf1", "--json"],
    ];
    for (const args of writes) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(() => JSON.parse(r.stdout), args.join(" ")).not.toThrow();
    }
    const shadow = await cli(
      "shadow",
      "examples/summary.json",
      "--input-file",
      "examples/inputs/summary.json",
      "--json",
    );
    expect(shadow.code).toBe(0);
    const pairId = (JSON.parse(shadow.stdout) as { parity: { pairId: string } }).parity.pairId;
    const results = JSON.parse((await cli("results", "--json")).stdout);
    expect(results.results.map((r: { pairId: string }) => r.pairId)).toEqual([pairId]);
    const shown = JSON.parse((await cli("results", "show", pairId, "--json")).stdout);
    expect(shown.result.pairId).toBe(pairId);
    expect(RunRecord.parse(shown.primary).executor).toBe("convex");
    expect(RunRecord.parse(shown.shadow).executor).toBe("inngest");
    const report = await cli("report", "--json");
    expect(JSON.parse(report.stdout).totals.pairs).toBe(1);
    const same = JSON.parse((await cli("report", "--format", "json", "--json")).stdout);
    expect(same.totals).toEqual(JSON.parse(report.stdout).totals);
  });

  it("demo --json prints a summary document and keeps its progress on stderr", async () => {
    const examples = fresh("examples");
    mkdirSync(join(examples, "inputs"), { recursive: true });
    writeFileSync(join(examples, "summary.json"), readFileSync("examples/summary.json"));
    writeFileSync(join(examples, "inputs", "summary.json"), readFileSync("examples/inputs/summary.json"));
    const out = fresh("out");
    const r = await cli("demo", "--examples", examples, "--out", out, "--pairs", "1", "--json");
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    // The demo keeps a state of its own, never the operator's home.
    expect(doc).toMatchObject({ reportPath: join(out, "report.md") });
    expect(doc.stateDirectory).not.toBe(home);
    rmSync(doc.stateDirectory, { recursive: true, force: true });
    expect(doc.pairs).toEqual([expect.objectContaining({ workflowId: "summary", verdict: "match" })]);
    expect(r.stderr).toContain("summary (dag): stage shadow");
    expect(readdirSync(out).sort()).toEqual(["report.html", "report.json", "report.md"]);
  });
});

describe("- reads a file argument from stdin", () => {
  it("validate, compile, run (workflow or input) and compare take -", async () => {
    const from = (path: string) => {
      stdin.read = () => readFileSync(path, "utf8");
    };
    from("examples/summary.json");
    expect((await cli("validate", "-", "--json")).code).toBe(0);
    from("examples/summary.json");
    const compiled = await cli("compile", "-");
    expect(compiled.stdout).toBe((await cli("compile", "examples/summary.json")).stdout);
    from("examples/inputs/summary.json");
    expect((await cli("run", "examples/summary.json", "--input-file", "-", "--json")).code).toBe(0);
    from(SHADOW);
    const r = await cli("compare", PRIMARY, "-", "--json");
    expect(JSON.parse(r.stdout).verdict).toBe("match");
    from("/dev/null");
    const empty = await cli("compare", "-", SHADOW);
    expect(empty.stderr).toMatch(/primary record \(stdin\) is empty/);
  });
});

describe("results show <pairId>", () => {
  it("prints the verdict, findings by node with both values, and both timelines side by side", async () => {
    const primary = RunRecord.parse(JSON.parse(readFileSync(PRIMARY, "utf8")));
    const shadow = RunRecord.parse(JSON.parse(readFileSync(MISMATCH, "utf8")));
    const parity = compare(primary, shadow);
    const store = openSqliteStore({ path: join(home, "state.db") });
    const pairId = "pair_show_1";
    await store.putPair({
      pairId,
      workspaceId: "ws1",
      workflowId: primary.workflowId,
      primaryRunId: primary.runId,
      shadowRunId: shadow.runId,
      status: "compared",
      createdAt: new Date().toISOString(),
    });
    await store.putRunRecord(pairId, "primary", { ...primary, workspaceId: "ws1" });
    await store.putRunRecord(pairId, "shadow", { ...shadow, workspaceId: "ws1" });
    await store.putResult({
      pairId,
      workflowId: primary.workflowId,
      workspaceId: "ws1",
      verdict: parity.verdict,
      findings: [...parity.findings],
      summary: { ...parity.summary },
      flagVersion: 3,
      policy: "default",
      comparedAt: new Date().toISOString(),
    });
    await store.close();

    const r = await cli("results", "show", pairId);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(`pair ${pairId} · workflow transform-chain · workspace ws1`);
    expect(r.stdout).toMatch(/^verdict: MISMATCH/m);
    expect(r.stdout).toMatch(/^node report$/m);
    expect(r.stdout).toContain("primary: 467.74");
    expect(r.stdout).toContain("shadow:  467.75");
    const timeline = lines.slice(lines.indexOf("timelines") + 1).filter(Boolean);
    expect(timeline[0]).toMatch(
      /primary run_fx_convex \(convex, completed.*│ shadow \S+ \(inngest, completed/,
    );
    const stepRows = timeline.slice(1);
    expect(stepRows).toHaveLength(primary.steps.length);
    for (const row of stepRows) {
      const [left, right] = row.split("│");
      expect(left.trim().split(/\s+/)[1]).toBe(right.trim().split(/\s+/)[1]);
    }

    const json = JSON.parse((await cli("results", "show", pairId, "--json")).stdout);
    expect(Object.keys(json).sort()).toEqual(["pair", "primary", "result", "shadow"]);
    expect(json.result.verdict).toBe("mismatch");

    const other = await cli("results", "show", pairId, "--workspace", "ws2");
    expect(other.code).toBe(EXIT.negative);
    expect(other.stderr).toContain(`no stored pair ${pairId} in workspace ws2`);
  });
});

describe("NO_COLOR", () => {
  it("turns pino-pretty's colours off when set to anything but empty", () => {
    expect(prettyOptions({}).colorize).toBe(true);
    expect(prettyOptions({ NO_COLOR: "" }).colorize).toBe(true);
    expect(prettyOptions({ NO_COLOR: "1" }).colorize).toBe(false);
  });
});

/** The real CLI in a child process: what a user's shell sees. */
function spawned(args: string[], input?: string, env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "cli/main.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, CUTOVER_LOG_LEVEL: "silent", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

describe("in a real process", { timeout: 60_000 }, () => {
  it("--version, a usage error, and - from a real stdin", async () => {
    const [version, usage, piped] = await Promise.all([
      spawned(["--version"]),
      spawned(["run", "examples/summary.json", "--foo"]),
      spawned(["validate", "-", "--json"], readFileSync("examples/summary.json", "utf8")),
    ]);
    expect(version).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
    expect(usage).toEqual({
      code: 2,
      stdout: "",
      stderr: "cutover: error: unknown option '--foo' (see cutover run --help)\n",
    });
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stdout).valid).toBe(true);
  });

  it("serve-inngest --json prints where it listens", async () => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", "cli/main.ts", "serve-inngest", "--port", "0", "--json"],
      { cwd: ROOT, env: { ...process.env, INNGEST_DEV: "1", CUTOVER_LOG_LEVEL: "silent" } },
    );
    const doc = await new Promise<{ mode: string; url: string; registerUrl: string }>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (d) => {
        out += d;
        try {
          resolve(JSON.parse(out));
        } catch {
          // not the whole document yet
        }
      });
      child.on("exit", (code) => reject(new Error(`serve-inngest exited ${code}`)));
    });
    child.kill("SIGTERM");
    expect(doc.mode).toBe("dev");
    expect(doc.registerUrl).toMatch(/\/api\/inngest$/);
  });
});
