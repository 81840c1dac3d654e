// How does a team turn a real run into a regression case? `cutover regress record`: the run's HTTP answers and goldens.
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { createExecutor } from "../executors/factory.ts";
import { redact, redactString } from "../lib/redact.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import { defaultRunInput } from "../workflow/legacy/input-task.ts";
import { secretVariables } from "../workflow/secrets.ts";
import { CorpusError, type HttpRoute } from "./corpus.ts";
import { goldensOf } from "./expect.ts";
import type { HttpCassette, HttpExchange } from "./http-cassette.ts";
import { newTraffic, startMock, stopMock, withTraffic } from "./mock-http.ts";
import { expectationText } from "./update.ts";

export interface RecordOptions {
  input?: string;
  inputFile?: string;
  provider: string;
  out: string;
}

export interface RecordedCase {
  case: string;
  dir: string;
  files: string[];
  status: string;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CorpusError(file, `cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CorpusError(file, `${what} is not JSON: ${(err as Error).message.split("\n")[0]}`);
  }
}

/** Returns a copy with every occurrence of a secret value replaced, so no file of the case holds one. */
function scrub<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return redact(value);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return secrets.reduce((s, secret) => s.split(secret).join("[REDACTED]"), v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return redact(walk(value)) as T;
}

/**
 * Runs the workflow once on the embedded Convex executor against the real OpenAI API (OPENAI_API_KEY,
 * OPENAI_BASE_URL) and writes a case folder: workflow.json, input.json, cassette.json (every OpenAI
 * exchange, bodies redacted, no headers), provider.json (the cassette, and the http nodes' answers as
 * routes) and expect.json (status, output or errorCode, steps, requests). Throws CorpusError (exit 2) for
 * unusable arguments, before anything runs or is written.
 */
export async function recordCase(workflowPath: string, options: RecordOptions): Promise<RecordedCase> {
  if (options.provider !== "openai") {
    throw new CorpusError(
      "--provider",
      `record calls the real API: only "openai" is accepted, got "${options.provider}"`,
    );
  }
  if (options.input !== undefined && options.inputFile !== undefined) {
    throw new CorpusError("--input", "give the input with --input or --input-file, not both");
  }
  if (existsSync(join(options.out, "workflow.json"))) {
    throw new CorpusError(options.out, "already holds a case (workflow.json): choose a new folder");
  }
  const document = readJson(workflowPath, "the workflow");
  const compiled = compileWorkflow(document);
  if (!compiled.ok) {
    const e = compiled.errors[0];
    throw new CorpusError(
      workflowPath,
      `does not compile: ${e.code} at ${e.path || "(document)"}: ${e.message}`,
    );
  }
  const workflow = compiled.compiled;
  let input: unknown = defaultRunInput(workflow);
  if (options.inputFile !== undefined) input = readJson(options.inputFile, "the input");
  else if (options.input !== undefined) {
    try {
      input = JSON.parse(options.input);
    } catch (err) {
      throw new CorpusError("--input", `not JSON: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  const workspaceId = "regress_record";
  const variables = secretVariables(workspaceId, compiled.secretValues);
  const secrets = Object.values(compiled.secretValues);
  const exchanges: HttpExchange[] = [];
  const recordedRoutes: HttpRoute[] = [];
  const traffic = newTraffic("record", { kind: "record", exchanges }, [], 0);
  traffic.recordedRoutes = recordedRoutes;
  startMock({ record: true });
  for (const [name, value] of Object.entries(variables)) process.env[name] ??= value;
  let record: Awaited<ReturnType<ReturnType<typeof createExecutor>["waitFor"]>>;
  try {
    const executor = createExecutor("convex", { env: {}, announce: () => {} });
    const runId = `regress-record-${randomUUID()}`;
    record = await withTraffic(traffic, async () => {
      await executor.submit({ runId, workspaceId, workflow, input, provider: "openai", source: document });
      return executor.waitFor(workspaceId, runId, { timeoutMs: 600_000 });
    });
  } finally {
    stopMock();
    for (const name of Object.keys(variables)) delete process.env[name];
  }
  const observed = {
    record,
    calls: traffic.calls,
    profile: workflow.profile === "legacy" ? ("legacy" as const) : ("dag" as const),
    faults: false,
  };
  const expect = goldensOf(observed, new Set(["steps", "requests"]));
  const cassette: HttpCassette = { version: 1, kind: "http", entries: scrub(exchanges, secrets) };
  const provider = {
    cassette: "cassette.json",
    ...(recordedRoutes.length && { http: scrub(recordedRoutes, secrets) }),
  };
  mkdirSync(options.out, { recursive: true });
  const files: [string, unknown][] = [
    ["workflow.json", scrub(document, secrets)],
    ["input.json", scrub(input, secrets)],
    ["cassette.json", cassette],
    ["provider.json", provider],
  ];
  for (const [name, value] of files)
    writeFileSync(join(options.out, name), `${JSON.stringify(value, null, 2)}\n`);
  writeFileSync(join(options.out, "expect.json"), redactString(expectationText(scrub(expect, secrets))));
  return {
    case: basename(options.out),
    dir: options.out,
    files: [...files.map(([name]) => name), "expect.json"],
    status: record.status,
  };
}
