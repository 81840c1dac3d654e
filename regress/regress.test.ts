// Does `cutover regress` judge a corpus as promised? Exit codes, JUnit, --update, faults per the retry policy, misses, record.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create } from "xmlbuilder2";
import { RETRY_POLICY } from "../workflow/retry-policy.ts";
import { fakeAnswer } from "./fake-openai.ts";
import { recordCase } from "./record.ts";
import { runRegress } from "./runner.ts";

const root = mkdtempSync(join(tmpdir(), "cutover-regress-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function node(id: string, type: string, data: Record<string, unknown>, x = 0) {
  return { id, type, position: { x, y: 0 }, data };
}
function edge(source: string, target: string) {
  return { id: `e-${source}-${target}`, source, target };
}
/** A dag workflow: input → the given nodes in a chain → output. */
function chain(...nodes: ReturnType<typeof node>[]) {
  const all = [node("input", "input", {}), ...nodes, node("output", "output", {})];
  return { id: "wf", name: "wf", nodes: all, edges: all.slice(1).map((n, i) => edge(all[i].id, n.id)) };
}
const ask = (prompt: string) =>
  node("ask", "ai", { model: "gpt-4o-mini", prompt, outputFormat: "text", temperature: 0 });

/** Writes a case folder; `files` maps file name → JSON value (or raw text for strings ending in .raw). */
function writeCase(corpus: string, name: string, files: Record<string, unknown>): string {
  const dir = join(corpus, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, value] of Object.entries(files)) {
    writeFileSync(
      join(dir, file),
      typeof value === "string" && file !== "provider.json" ? value : `${JSON.stringify(value, null, 2)}\n`,
    );
  }
  return dir;
}

/** Runs the real CLI in a child process: exit codes and streams exactly as a user sees them. */
async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "cli/main.ts", ...args],
      { cwd: join(import.meta.dirname, ".."), env: { ...process.env, CUTOVER_LOG_LEVEL: "silent" } },
    );
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code as number, stdout: err.stdout as string, stderr: err.stderr as string };
  }
}

describe("cutover regress over a temporary corpus", { timeout: 120_000 }, () => {
  const corpus = join(root, "mixed");
  beforeAll(() => {
    writeCase(corpus, "passes", {
      "workflow.json": chain(node("double", "transform", { script: "return input.n * 2;" })),
      "input.json": { n: 21 },
      "expect.json": {
        status: "completed",
        output: 42,
        steps: { double: { status: "completed", output: 42 } },
      },
    });
    writeCase(corpus, "wrong-output", {
      "workflow.json": chain(ask("Say hi to {{input.name}}")),
      "input.json": { name: "Ada" },
      "expect.json": {
        status: "completed",
        output: "answer#2",
        requests: [{ endpoint: "/v1/chat/completions" }],
      },
    });
  });

  it("exits 1 when a case fails, with one line per case and executor and a JUnit file that parses back", async () => {
    const junit = join(root, "out", "junit.xml");
    const run = await cli(["regress", corpus, "--junit", junit, "--concurrency", "2"]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/passes\s+convex\s+pass/);
    expect(run.stdout).toMatch(/passes\s+inngest\s+pass/);
    expect(run.stdout).toMatch(
      /wrong-output\s+convex\s+FAIL\s+output differs at \$: expected "answer#2", got "answer#1"/,
    );
    expect(run.stdout).toContain("2 passed, 2 failed");

    // Parsed back with the library that wrote it (its DOM decodes entities; its object form keeps them).
    const top = create(readFileSync(junit, "utf8")).root().node as unknown as Element;
    expect(top.nodeName).toBe("testsuites");
    expect(top.getAttribute("tests")).toBe("4");
    expect(top.getAttribute("failures")).toBe("2");
    const suites = [...top.getElementsByTagName("testsuite")];
    expect(suites.map((s) => s.getAttribute("name"))).toEqual(["regress.convex", "regress.inngest"]);
    for (const suite of suites) {
      const cases = [...suite.getElementsByTagName("testcase")];
      expect(cases.map((c) => c.getAttribute("name"))).toEqual(["passes", "wrong-output"]);
      expect(cases[0].getElementsByTagName("failure")).toHaveLength(0);
      const failure = cases[1].getElementsByTagName("failure")[0];
      expect(failure.getAttribute("message")).toBe(
        'output differs at $: expected "answer#2", got "answer#1"',
      );
      expect(failure.textContent).toContain('output differs at $: expected "answer#2"');
    }
  });

  it("exits 0 when every selected case passes, and --json prints the report", async () => {
    const run = await cli(["regress", corpus, "--case", "pass*", "--json", "--executor", "inngest"]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ ok: true, cases: 1, executors: ["inngest"] });
    expect(report.results).toEqual([
      expect.objectContaining({ case: "passes", executor: "inngest", ok: true, reasons: [] }),
    ]);
  });

  it("exits 2 naming the file for a case without workflow.json, an expect.json that does not parse, or an unknown key", async () => {
    const missing = join(root, "bad-missing");
    writeCase(missing, "no-workflow", { "expect.json": {} });
    const unparsable = join(root, "bad-json");
    writeCase(unparsable, "c", { "workflow.json": chain(), "expect.json": "{ not json" });
    const unknown = join(root, "bad-key");
    writeCase(unknown, "c", { "workflow.json": chain(), "expect.json": { status: "completed", outptu: 1 } });
    const [a, b, c] = await Promise.all([
      cli(["regress", missing]),
      cli(["regress", unparsable]),
      cli(["regress", unknown]),
    ]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(join(missing, "no-workflow", "workflow.json"));
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`${join(unparsable, "c", "expect.json")}: not JSON`);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain(`${join(unknown, "c", "expect.json")}: unknown key "outptu"`);
    for (const r of [a, b, c]) expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("--update", { timeout: 60_000 }, () => {
  it("rewrites exactly the goldens that changed and prints each change as a diff", async () => {
    const corpus = join(root, "update");
    const wf = chain(node("double", "transform", { script: "return input.n * 2;" }));
    const fresh = `${JSON.stringify({ status: "completed", output: 42 }, null, 2)}\n`;
    writeCase(corpus, "a-fresh", { "workflow.json": wf, "input.json": { n: 21 }, "expect.json": fresh });
    writeCase(corpus, "b-stale", {
      "workflow.json": wf,
      "input.json": { n: 5 },
      "expect.json": { status: "completed", output: 9, maxTokens: 10 },
    });
    writeCase(corpus, "c-new", { "workflow.json": wf, "input.json": { n: 1 }, "expect.json": { steps: {} } });

    const first = await runRegress({
      dir: corpus,
      executors: ["convex", "inngest"],
      update: true,
      concurrency: 3,
    });
    expect(first.ok).toBe(true);
    expect(first.updated.map((u) => u.file)).toEqual([
      join(corpus, "b-stale", "expect.json"),
      join(corpus, "c-new", "expect.json"),
    ]);
    expect(first.updated[0].diff).toContain('-  "output": 9,');
    expect(first.updated[0].diff).toContain('+  "output": 10,');
    expect(readFileSync(join(corpus, "a-fresh", "expect.json"), "utf8")).toBe(fresh);
    expect(JSON.parse(readFileSync(join(corpus, "b-stale", "expect.json"), "utf8"))).toEqual({
      status: "completed",
      output: 10,
      maxTokens: 10,
    });
    expect(JSON.parse(readFileSync(join(corpus, "c-new", "expect.json"), "utf8")).steps.double).toEqual({
      status: "completed",
      output: 2,
    });

    const again = await runRegress({ dir: corpus, executors: ["convex", "inngest"], update: true });
    expect(again.updated).toEqual([]);
  });
});

describe("faults, misses and unhandled requests", { timeout: 90_000 }, () => {
  const corpus = join(root, "faults");
  const attempts = RETRY_POLICY.attempts;
  beforeAll(() => {
    const wf = chain(ask("Answer about {{input.topic}}"));
    const call = (reply: string) => ({
      endpoint: "/v1/chat/completions",
      prompt: "Answer about tides",
      reply,
    });
    const failures = Array.from({ length: attempts - 1 }, (_, i) => (i % 2 === 0 ? "500" : "malformed"));
    writeCase(corpus, "recovers-on-the-last-attempt", {
      "workflow.json": wf,
      "input.json": { topic: "tides" },
      "provider.json": { faults: [...failures, "ok"] },
      "expect.json": {
        status: "completed",
        output: `answer#${attempts}`,
        steps: { ask: { status: "completed", attempt: attempts } },
        requests: [...failures.map(call), call("ok")],
      },
    });
    const exhausted = Array.from({ length: attempts }, () => "429");
    writeCase(corpus, "runs-out-of-attempts", {
      "workflow.json": wf,
      "input.json": { topic: "tides" },
      "provider.json": { faults: [...exhausted, "ok"] },
      "expect.json": {
        status: "failed",
        errorCode: "PROVIDER_RATE_LIMIT",
        steps: { ask: { status: "failed", attempt: attempts, errorCode: "PROVIDER_RATE_LIMIT" } },
        // The "ok" after them is never asked for: every attempt the policy allows, and no more.
        requests: exhausted.map(call),
      },
    });
    writeCase(corpus, "legacy-never-retries", {
      "workflow.json": JSON.parse(
        readFileSync(
          join(import.meta.dirname, "corpus", "legacy-ref-g03-text-chain", "workflow.json"),
          "utf8",
        ),
      ),
      "provider.json": { faults: ["500", "ok"] },
      "expect.json": {
        status: "failed",
        errorCode: "PROVIDER_SERVER_ERROR",
        steps: {
          "input-1": { status: "completed" },
          "ai-1758200100000": { status: "failed", attempt: 1, errorCode: "PROVIDER_SERVER_ERROR" },
        },
        requests: [{ endpoint: "/v1/responses", reply: "500" }],
      },
    });
    writeCase(corpus, "cassette-miss", {
      "workflow.json": wf,
      "input.json": { topic: "tides" },
      "provider.json": { cassette: "cassette.json" },
      "cassette.json": {
        version: 1,
        kind: "http",
        entries: [
          {
            request: {
              method: "POST",
              path: "/v1/chat/completions",
              body: {
                model: "gpt-4o-mini",
                messages: [{ role: "user", content: "Answer about waves" }],
                temperature: 0,
              },
            },
            response: {
              status: 200,
              body: fakeAnswer("/v1/chat/completions", { model: "gpt-4o-mini" }, 1, "recorded"),
            },
          },
        ],
      },
      "expect.json": { status: "completed" },
    });
    writeCase(corpus, "unhandled-host", {
      "workflow.json": chain(
        node("call", "http", { method: "GET", url: "https://api.regress.test/nowhere" }),
      ),
      "provider.json": { http: [{ url: "https://api.regress.test/elsewhere", body: {} }] },
      "expect.json": { status: "completed" },
    });
  });

  it("retries a fault script per RETRY_POLICY on both executors, every attempt in the step record and the requests", async () => {
    const report = await runRegress({
      dir: corpus,
      executors: ["convex", "inngest"],
      globs: ["recovers-*", "runs-out-*", "legacy-*"],
      concurrency: 3,
    });
    for (const r of report.results) expect(r.reasons, `${r.case} on ${r.executor}`).toEqual([]);
    expect(report.results).toHaveLength(6);
  });

  it("fails a cassette miss with the asked and the nearest recorded request, and names an unhandled request", async () => {
    const report = await runRegress({
      dir: corpus,
      executors: ["convex", "inngest"],
      globs: ["cassette-*", "unhandled-*"],
    });
    const miss = report.results.filter((r) => r.case === "cassette-miss");
    expect(miss).toHaveLength(2);
    for (const r of miss) {
      expect(r.ok).toBe(false);
      const line = r.reasons.find((x) => x.startsWith("cassette miss"));
      expect(line).toContain("asked POST /v1/chat/completions");
      expect(line).toContain("Answer about tides");
      expect(line).toContain("nearest recorded POST /v1/chat/completions");
      expect(line).toContain("Answer about waves");
    }
    for (const r of report.results.filter((x) => x.case === "unhandled-host")) {
      expect(r.ok).toBe(false);
      expect(r.reasons.join("\n")).toContain("unhandled request GET https://api.regress.test/nowhere");
    }
  });
});

describe("cutover regress record", { timeout: 60_000 }, () => {
  let server: Server;
  let base: string;
  const seenKeys: string[] = [];
  beforeAll(async () => {
    // A stand-in for the real API on localhost: record mode sends requests out of the process, to it.
    let n = 0;
    server = createServer((req, res) => {
      let data = "";
      req.on("data", (c) => (data += c));
      req.on("end", () => {
        seenKeys.push(String(req.headers.authorization));
        res.writeHead(200, { "content-type": "application/json" });
        if (!req.url!.includes("/v1/")) return res.end(JSON.stringify({ ok: true, echo: req.url }));
        const path = req.url!.slice(req.url!.indexOf("/v1/")) as "/v1/chat/completions";
        res.end(JSON.stringify(fakeAnswer(path, JSON.parse(data), ++n)));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => server.close());

  it("writes a case whose cassette and files hold no secret, and which then passes on both executors", async () => {
    const workflowFile = join(root, "record-wf.json");
    writeFileSync(
      workflowFile,
      JSON.stringify(
        chain(
          ask("Summarize {{input.text}}"),
          node("notify", "http", {
            method: "GET",
            url: `${base}/hook`,
            headers: { Authorization: "Bearer sk-hook-secret-value-123456" },
          }),
        ),
      ),
    );
    const saved = {
      key: process.env.OPENAI_API_KEY,
      url: process.env.OPENAI_BASE_URL,
      hosts: process.env.CUTOVER_HTTP_ALLOW_HOSTS,
    };
    process.env.OPENAI_API_KEY = "sk-live-recording-key-abcdef123456";
    process.env.OPENAI_BASE_URL = `${base}/v1`;
    process.env.CUTOVER_HTTP_ALLOW_HOSTS = "127.0.0.1";
    const out = join(root, "recorded", "summary");
    try {
      const made = await recordCase(workflowFile, { input: '{"text":"tides"}', provider: "openai", out });
      expect(made).toMatchObject({ case: "summary", status: "completed" });
    } finally {
      for (const [k, v] of [
        ["OPENAI_API_KEY", saved.key],
        ["OPENAI_BASE_URL", saved.url],
        ["CUTOVER_HTTP_ALLOW_HOSTS", saved.hosts],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    expect(seenKeys).toContain("Bearer sk-live-recording-key-abcdef123456");
    for (const file of ["workflow.json", "input.json", "cassette.json", "provider.json", "expect.json"]) {
      const text = readFileSync(join(out, file), "utf8");
      expect(text, file).not.toContain("sk-live-recording-key");
      expect(text, file).not.toContain("sk-hook-secret-value");
    }
    const cassette = JSON.parse(readFileSync(join(out, "cassette.json"), "utf8"));
    expect(cassette.entries).toHaveLength(1);
    expect(cassette.entries[0].request).toMatchObject({ method: "POST", path: "/v1/chat/completions" });
    const expectation = JSON.parse(readFileSync(join(out, "expect.json"), "utf8"));
    expect(expectation).toMatchObject({ status: "completed", requests: [{ prompt: "Summarize tides" }] });

    const replay = await runRegress({ dir: join(root, "recorded"), executors: ["convex", "inngest"] });
    for (const r of replay.results) expect(r.reasons, r.executor).toEqual([]);
  });
});
