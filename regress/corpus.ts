// What is a regression case on disk? The corpus format: one folder per case, each file read and checked here.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { z } from "zod";
import { RunStatus, StepStatus } from "../executors/records.ts";
import { parsePattern } from "../parity/paths.ts";
import { type ParityPolicy, parsePolicy } from "../parity/policy.ts";

/** A corpus that cannot be read: exit 2, naming the case's file and what is wrong with it. */
export class CorpusError extends Error {
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(`${file}: ${why}`);
    this.name = "CorpusError";
  }
}

const ignorePaths = z.array(
  z.string().superRefine((text, ctx) => {
    try {
      parsePattern(text);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
    }
  }),
);

/** What one LLM call must have been: the API path, the model and the prompt text (and, under a fault script, the reply). */
export const ExpectedRequest = z.strictObject({
  endpoint: z.string().min(1),
  model: z.string().optional(),
  prompt: z.string().optional(),
  /** The fault script's reply to this call (`"429"`, `"ok"`, …). */
  reply: z.string().optional(),
});
export type ExpectedRequest = z.infer<typeof ExpectedRequest>;

/** What one step must show, by node id or step name (`node-<id>-map-<i>` for a map item). */
export const ExpectedStep = z.strictObject({
  status: StepStatus.optional(),
  output: z.unknown().optional(),
  errorCode: z.string().optional(),
  /** The attempt that produced the step's record: 3 means two failed attempts before it. */
  attempt: z.number().int().min(1).optional(),
});
export type ExpectedStep = z.infer<typeof ExpectedStep>;

const expectationShape = {
  status: RunStatus.optional(),
  output: z.unknown().optional(),
  /** Places in the output (and step outputs) never compared: `$.generatedAt`, `items[*].id`, `**.requestId`. */
  ignorePaths: ignorePaths.optional(),
  errorCode: z.string().optional(),
  steps: z.record(z.string(), ExpectedStep).optional(),
  requests: z.array(ExpectedRequest).optional(),
  maxCostUsd: z.number().nonnegative().optional(),
  maxTokens: z.number().int().nonnegative().optional(),
};

export const RunExpectation = z.strictObject(expectationShape);
export type RunExpectation = z.infer<typeof RunExpectation>;

/** expect.json: expectations for every run, and with inputs.jsonl per-run ones (`runs[i]` for line i) over them. */
export const Expectation = z.strictObject({ ...expectationShape, runs: z.array(RunExpectation).optional() });
export type Expectation = z.infer<typeof Expectation>;

/** One reply of a fault script. */
export const FAULTS = [
  "ok",
  "429",
  "500",
  "timeout",
  "malformed",
  "schema-violation",
  "network-error",
] as const;
export const Fault = z.union([
  z.enum(FAULTS),
  z.strictObject({
    status: z.number().int().min(400).max(599),
    retryAfter: z.string().optional(),
    message: z.string().optional(),
  }),
]);
export type Fault = z.infer<typeof Fault>;

/** An answer for http nodes: a request matching method and url gets status, headers and body. */
export const HttpRoute = z.strictObject({
  /** Any method when absent. */
  method: z.string().toUpperCase().optional(),
  /** The exact URL, or a prefix ending in `*`. */
  url: z.string().min(1),
  status: z.number().int().min(100).max(599).default(200),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  /** Headers the request must carry (a missing or different one gets 401 and fails the case). */
  requireHeaders: z.record(z.string(), z.string()).optional(),
  /** How many times each run must call it (a side effect: exactly once). */
  times: z.number().int().nonnegative().optional(),
});
export type HttpRoute = z.infer<typeof HttpRoute>;

const ProviderObject = z
  .strictObject({
    /** A cassette file beside provider.json: recorded HTTP answers keyed by canonical request. */
    cassette: z.string().min(1).optional(),
    /** One reply per OpenAI call, in order; past the end every call gets the fake server's answer. */
    faults: z.array(Fault).min(1).optional(),
    http: z.array(HttpRoute).optional(),
  })
  .refine((p) => !(p.cassette && p.faults), { message: "give cassette or faults, not both" });

export const ProviderFile = z.union([z.literal("fake"), ProviderObject]);

/** How the OpenAI HTTP API (and the http nodes' hosts) answer one case's runs. */
export interface ProviderPlan {
  openai: { kind: "fake" } | { kind: "cassette"; file: string } | { kind: "faults"; faults: Fault[] };
  http: HttpRoute[];
}

/** One case folder, read and checked. */
export interface RegressCase {
  /** The folder's name (what --case matches and the reports show). */
  name: string;
  dir: string;
  workflowFile: string;
  document: unknown;
  /** One input per run: input.json, each line of inputs.jsonl, or null (the workflow's default input). */
  inputs: unknown[] | null;
  inputsFile: string | null;
  expectFile: string;
  expect: Expectation;
  provider: ProviderPlan;
  policy: ParityPolicy | undefined;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CorpusError(file, `cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CorpusError(file, `not JSON: ${(err as Error).message.split("\n")[0]}`);
  }
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  const at = issue.path.length ? issue.path.join(".") : "(root)";
  if (issue.code === "unrecognized_keys")
    return `unknown key ${issue.keys.map((k) => `"${k}"`).join(", ")} at ${at}`;
  return `${at}: ${issue.message}`;
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CorpusError(file, issueText(parsed.error));
  return parsed.data;
}

function readInputs(dir: string): { inputs: unknown[] | null; file: string | null } {
  const single = join(dir, "input.json");
  const many = join(dir, "inputs.jsonl");
  if (existsSync(single) && existsSync(many)) {
    throw new CorpusError(many, "give input.json or inputs.jsonl, not both");
  }
  if (existsSync(single)) return { inputs: [readJson(single)], file: single };
  if (!existsSync(many)) return { inputs: null, file: null };
  const inputs: unknown[] = [];
  readFileSync(many, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        inputs.push(JSON.parse(line));
      } catch (err) {
        throw new CorpusError(many, `line ${i + 1} is not JSON: ${(err as Error).message.split("\n")[0]}`);
      }
    });
  if (inputs.length === 0) throw new CorpusError(many, "holds no input");
  return { inputs, file: many };
}

function readProvider(dir: string): ProviderPlan {
  const file = join(dir, "provider.json");
  if (!existsSync(file)) return { openai: { kind: "fake" }, http: [] };
  const parsed = parseWith(ProviderFile, readJson(file), file);
  if (parsed === "fake") return { openai: { kind: "fake" }, http: [] };
  const http = parsed.http ?? [];
  if (parsed.cassette) {
    const cassette = join(dir, parsed.cassette);
    if (!existsSync(cassette)) throw new CorpusError(file, `cassette ${parsed.cassette} does not exist`);
    return { openai: { kind: "cassette", file: cassette }, http };
  }
  if (parsed.faults) return { openai: { kind: "faults", faults: parsed.faults }, http };
  return { openai: { kind: "fake" }, http };
}

/** Returns the case in `dir`; throws CorpusError naming the file that cannot be read or is not in the format. */
export function readCase(dir: string, name: string): RegressCase {
  const workflowFile = join(dir, "workflow.json");
  if (!existsSync(workflowFile))
    throw new CorpusError(workflowFile, "missing (every case needs its workflow)");
  const document = readJson(workflowFile);
  const { inputs, file: inputsFile } = readInputs(dir);
  const expectFile = join(dir, "expect.json");
  const expect = existsSync(expectFile) ? parseWith(Expectation, readJson(expectFile), expectFile) : {};
  if (expect.runs && (inputs?.length ?? 1) !== expect.runs.length) {
    throw new CorpusError(
      expectFile,
      `runs has ${expect.runs.length} entries for ${inputs?.length ?? 1} input${(inputs?.length ?? 1) === 1 ? "" : "s"}`,
    );
  }
  const policyFile = join(dir, "policy.json");
  let policy: ParityPolicy | undefined;
  if (existsSync(policyFile)) {
    try {
      policy = parsePolicy(readJson(policyFile));
    } catch (err) {
      if (err instanceof CorpusError) throw err;
      throw new CorpusError(policyFile, (err as Error).message);
    }
  }
  return {
    name,
    dir,
    workflowFile,
    document,
    inputs,
    inputsFile,
    expectFile,
    expect,
    provider: readProvider(dir),
    policy,
  };
}

/** Returns a RegExp for a case glob: `*` any run of characters but `/`, `**` any run, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      out += ".*";
      i++;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else out += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/**
 * Returns every case under `root` (a folder with workflow.json, or any folder directly under the root),
 * sorted by name, filtered by the globs; throws CorpusError for the first unreadable one.
 */
export function readCorpus(root: string, globs: readonly string[] = []): RegressCase[] {
  let entries: string[];
  try {
    if (!statSync(root).isDirectory()) throw new CorpusError(root, "not a folder");
    entries = readdirSync(root).sort();
  } catch (err) {
    if (err instanceof CorpusError) throw err;
    throw new CorpusError(
      root,
      `cannot read the corpus folder (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
  const matchers = globs.map(globToRegExp);
  const cases: RegressCase[] = [];
  for (const entry of entries) {
    const dir = join(root, entry);
    if (entry.startsWith(".") || !statSync(dir).isDirectory()) continue;
    const name = relative(root, dir);
    if (matchers.length && !matchers.some((m) => m.test(name))) continue;
    cases.push(readCase(dir, name));
  }
  return cases;
}
