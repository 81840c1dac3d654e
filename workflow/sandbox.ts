// What does a user's script return, without it touching the host? Transform bodies and expressions run in QuickJS, in worker threads.
import { ErrorCode, NodeError } from "./errors.ts";
import { engineCapBytes, graceMs, ScriptPool, type WorkerReply } from "./sandbox-pool.ts";
import { resultsRead } from "./script-reads.ts";

/** Limits for one script call, and what its Math.random and Date see. */
export interface SandboxOptions {
  /** CPU budget for the call; default 1000 ms. A call still running past it plus a grace is stopped. */
  timeoutMs?: number;
  /** Heap of the engine; default 32 MiB. The scope's JSON and everything the script builds count. */
  memoryBytes?: number;
  /**
   * Interpreter stack; default and maximum 64 KiB (about 350 nested JS calls; deeper fails as
   * SCRIPT_MEMORY). Capped so the engine's own check fires before native recursion (JSON.stringify
   * of deeply nested data) exhausts the host's stack, which the engine cannot recover from.
   */
  stackBytes?: number;
  /** Seeds the script's Math.random: the same seed gives the same sequence. Default "" (still seeded). */
  seed?: string;
  /** What the script's Date.now() and new Date() return (epoch ms); the host's clock at the call when absent. */
  nowMs?: number;
}

/** What a script sees: the run input, results (node id → output; `nodes` is the same object), and in map tasks `item`, `index`. */
export interface ScriptScope {
  input: unknown;
  results: Record<string, unknown>;
  item?: unknown;
  index?: number;
}

/**
 * Where a run's scripts get their randomness and clock, so both executors give a script the same
 * Math.random and Date: the id that seeds it and the run's start time.
 */
export interface ScriptClock {
  /** Seeds Math.random with the node id (a shadow passes its primary's run id, so both draw alike). */
  runId?: string;
  /** What Date.now() and new Date() return in every script of the run: its start, fixed. */
  startedAtMs?: number;
}

const MAX_STACK_BYTES = 64 * 1024;

export const DEFAULT_SANDBOX: Required<Pick<SandboxOptions, "timeoutMs" | "memoryBytes" | "stackBytes">> = {
  timeoutMs: 1000,
  memoryBytes: 32 * 1024 * 1024,
  stackBytes: MAX_STACK_BYTES,
};

const MAX_MESSAGE = 1000;

/** Returns the options for a node's script: the env's limits, seeded by run, node and map item, on the run's clock. */
export function nodeScriptOptions(
  limits: SandboxOptions | undefined,
  clock: ScriptClock | undefined,
  nodeId: string,
  index?: number,
): SandboxOptions {
  const seed = [clock?.runId ?? "", nodeId, ...(index === undefined ? [] : [String(index)])].join("\u0000");
  return {
    ...limits,
    seed,
    ...(clock?.startedAtMs !== undefined && { nowMs: clock.startedAtMs }),
  };
}

/*
 * Scripts run in worker threads (sandbox-worker.mjs), a small pool per memory limit, each worker with
 * one WebAssembly engine whose memory cannot grow past the limit (plus the engine's own 8 MiB and a
 * quarter for fragmentation). Each call gets a fresh context (its own globals), so nothing a script
 * does to its realm survives into the next call. The engine interrupts bytecode at the time limit;
 * built-in functions (a native loop over 2**53 indices) cannot be interrupted, so the pool's watchdog
 * terminates a worker still busy past the limit plus a grace, and replaces it. Memory beyond the cap
 * fails inside the engine as "out of memory"; a worker whose own JavaScript heap overflows dies and
 * is replaced. Either way the call fails, and other calls run on in the other workers.
 */
const pools = new Map<number, ScriptPool>();

function poolFor(memoryBytes: number): ScriptPool {
  let pool = pools.get(memoryBytes);
  if (!pool) {
    pool = new ScriptPool(memoryBytes);
    pools.set(memoryBytes, pool);
  }
  return pool;
}

/*
 * The wrapper turns the user's code into a function of the JSON scope and reports back one tagged
 * string: V<json> value, U undefined, P promise, N<msg> not JSON, E<name length>:<name><msg> thrown.
 * No NUL separators: strings leave the engine as C strings. The prefix has no newline so line numbers
 * in messages match the user's source.
 */
const FILE = "script.js";
const PREFIX = `(function(__scopeJson){var __s=JSON.parse(__scopeJson),__r;try{__r=(function(input,results,nodes,item,index){`;
const SUFFIX = `
}).call(undefined,__s.input,__s.results,__s.results,__s.item,__s.index);}catch(__e){var __n="Error",__m;try{if(__e instanceof Error){__n=String(__e.name);__m=String(__e.message);var __l=/${FILE}:(\\d+)/.exec(String(__e.stack));if(__l)__m+=" (line "+__l[1]+")";}else{__m=typeof __e==="string"?__e:JSON.stringify(__e);}}catch(__x){__m="(unprintable thrown value)";}return "E"+__n.length+":"+__n+__m;}
if(__r===undefined)return "U";if(__r!==null&&typeof __r==="object"&&typeof __r.then==="function")return "P";var __o;try{__o=JSON.stringify(__r);}catch(__e){return "N"+String(__e&&__e.message);}return __o===undefined?"N"+typeof __r:"V"+__o;})`;

/** Returns the JSON value a transform body (a function body) returns; throws NodeError SCRIPT_* otherwise. */
export async function runScript(
  body: string,
  scope: ScriptScope,
  options?: SandboxOptions,
): Promise<unknown> {
  const result = await execute(body, scope, options);
  if (result === undefined) {
    throw new NodeError(ErrorCode.SCRIPT_RESULT, "script returned undefined; return a JSON value");
  }
  return result;
}

/** Returns the JSON value of an expression, or undefined when it evaluates to undefined. */
export async function evaluateExpression(
  expression: string,
  scope: ScriptScope,
  options?: SandboxOptions,
): Promise<unknown> {
  return execute(`return (${expression}\n);`, scope, options);
}

/** Returns the truthiness of a condition (coerced inside the sandbox, so a function or object is `true`). */
export async function evaluateCondition(
  condition: string,
  scope: ScriptScope,
  options?: SandboxOptions,
): Promise<boolean> {
  return (await execute(`return !!(${condition}\n);`, scope, options)) as boolean;
}

async function execute(body: string, scope: ScriptScope, options: SandboxOptions = {}): Promise<unknown> {
  const limits = { ...DEFAULT_SANDBOX, ...options };
  let scopeJson: string;
  try {
    scopeJson = JSON.stringify({
      input: scope.input,
      // Only the results the script names (workflow/script-reads.ts): a node's cost does not grow with its ancestors.
      results: resultsRead(body, scope.results),
      item: scope.item,
      index: scope.index,
    });
  } catch (err) {
    if (err instanceof RangeError) {
      throw new NodeError(ErrorCode.SCRIPT_MEMORY, "script scope is nested too deeply for the sandbox");
    }
    throw new NodeError(ErrorCode.INTERNAL, `script scope is not JSON: ${(err as Error).message}`);
  }
  if (scopeJson.length > limits.memoryBytes) {
    throw new NodeError(ErrorCode.SCRIPT_MEMORY, "script scope is larger than the script's memory limit");
  }
  const timeoutMs = Math.max(1, limits.timeoutMs);
  let reply: WorkerReply;
  try {
    reply = await poolFor(limits.memoryBytes).call(
      {
        source: PREFIX + body + SUFFIX,
        scopeJson,
        seed: seedWords(options.seed ?? ""),
        nowMs: options.nowMs ?? Date.now(),
        timeoutMs,
        memoryBytes: limits.memoryBytes,
        stackBytes: Math.min(Math.max(1, limits.stackBytes), MAX_STACK_BYTES),
      },
      timeoutMs + graceMs(timeoutMs),
    );
  } catch (err) {
    throw new NodeError(ErrorCode.SCRIPT_ERROR, `sandbox engine failure: ${(err as Error)?.message ?? err}`, {
      cause: err,
    });
  }
  const outcome = readReply(reply);
  if (outcome instanceof NodeError) throw outcome;
  return outcome.value;
}

/** Turns a worker's reply into the script's value or the error it stands for. */
function readReply(reply: WorkerReply): { value: unknown } | NodeError {
  switch (reply.kind) {
    case "report":
      return readReport(reply.report);
    case "thrown":
      if (reply.interrupted) return new NodeError(ErrorCode.SCRIPT_TIMEOUT, "script exceeded its time limit");
      if (reply.compiling && reply.name === "SyntaxError") {
        return new NodeError(
          ErrorCode.SCRIPT_SYNTAX,
          clip(`SyntaxError: ${reply.message}${reply.line ? ` (line ${reply.line})` : ""}`),
        );
      }
      return thrownError(reply.name, reply.message);
    case "killed":
      return new NodeError(
        ErrorCode.SCRIPT_TIMEOUT,
        "script exceeded its time limit (stopped inside a built-in function)",
      );
    case "nomem":
      return new NodeError(ErrorCode.SCRIPT_MEMORY, "script exceeded its memory limit");
    case "died":
      return reply.outOfMemory
        ? new NodeError(
            ErrorCode.SCRIPT_MEMORY,
            "script exceeded its memory limit (the sandbox worker ran out)",
          )
        : new NodeError(ErrorCode.SCRIPT_ERROR, clip(`sandbox engine failure: ${reply.message}`));
    case "trap":
      if (reply.stackOverflow) {
        return new NodeError(
          ErrorCode.SCRIPT_MEMORY,
          "script exceeded its stack limit (native recursion too deep)",
        );
      }
      if (reply.memoryFull) return new NodeError(ErrorCode.SCRIPT_MEMORY, "script exceeded its memory limit");
      return new NodeError(ErrorCode.SCRIPT_ERROR, clip(`sandbox engine failure: ${reply.message}`));
  }
}

/**
 * Returns the four 32-bit words that seed a script's Math.random (an sfc32 generator in the engine):
 * four FNV-1a style lanes with different primes over the seed's UTF-16 units, cross-mixed and finished
 * with a murmur-style avalanche, so seeds that differ in one character give unrelated sequences.
 */
export function seedWords(seed: string): [number, number, number, number] {
  const words: [number, number, number, number] = [0x811c9dc5, 0x9e3779b9, 0x85ebca6b, 0xc2b2ae35];
  const primes = [0x01000193, 0x5bd1e995, 0x27d4eb2f, 0x165667b1];
  for (let i = 0; i < seed.length; i++) {
    const c = seed.charCodeAt(i);
    for (let k = 0; k < 4; k++) words[k] = Math.imul(words[k] ^ c, primes[k]);
  }
  const mixed = words.map((w, k) => {
    let h = (w ^ words[(k + 1) % 4] ^ seed.length) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  });
  return [mixed[0], mixed[1], mixed[2], mixed[3]];
}

/** Turns the wrapper's tagged report into a value or the error it stands for. */
function readReport(report: string): { value: unknown } | NodeError {
  const tag = report[0];
  const rest = report.slice(1);
  if (tag === "V") {
    try {
      return { value: JSON.parse(rest) };
    } catch {
      return new NodeError(ErrorCode.SCRIPT_RESULT, "script result is not JSON");
    }
  }
  if (tag === "U") return { value: undefined };
  if (tag === "P") {
    return new NodeError(ErrorCode.SCRIPT_RESULT, "script returned a Promise; scripts are synchronous");
  }
  if (tag === "N") return new NodeError(ErrorCode.SCRIPT_RESULT, `script result is not JSON: ${clip(rest)}`);
  if (tag === "E") {
    const colon = rest.indexOf(":");
    const nameLength = Number(rest.slice(0, colon));
    const name = rest.slice(colon + 1, colon + 1 + nameLength);
    return thrownError(name, rest.slice(colon + 1 + nameLength));
  }
  return new NodeError(ErrorCode.SCRIPT_RESULT, "script result could not be read");
}

function thrownError(name: string, message: string): NodeError {
  if (name === "InternalError" && message.startsWith("out of memory")) {
    return new NodeError(ErrorCode.SCRIPT_MEMORY, "script exceeded its memory limit");
  }
  // The engine raises "stack overflow" as an InternalError, or as a SyntaxError from JSON.parse.
  if (message.startsWith("stack overflow") && (name === "InternalError" || name === "SyntaxError")) {
    return new NodeError(ErrorCode.SCRIPT_MEMORY, "script exceeded its stack limit (recursion too deep)");
  }
  return new NodeError(ErrorCode.SCRIPT_ERROR, clip(name === "Error" ? message : `${name}: ${message}`));
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/** Returns what a sandbox worker's engine holds between calls: bytes in use and live objects (leak checks, benchmarks). */
export async function sandboxMemoryUsage(
  memoryBytes = DEFAULT_SANDBOX.memoryBytes,
): Promise<{ usedBytes: number; objects: number }> {
  return poolFor(memoryBytes).usage();
}

/** Returns the WebAssembly memory a sandbox worker may grow to for scripts limited to `memoryBytes` (benchmarks, docs). */
export function sandboxMemoryCapBytes(memoryBytes = DEFAULT_SANDBOX.memoryBytes): number {
  return engineCapBytes(memoryBytes);
}
