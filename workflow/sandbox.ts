// What does a user's script return, without it touching the host? Transform bodies and expressions run in QuickJS.
import {
  newQuickJSWASMModule,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSWASMModule,
  RELEASE_SYNC,
} from "quickjs-emscripten";
import { ErrorCode, NodeError } from "./errors.ts";

/** Limits for one script call. */
export interface SandboxOptions {
  /** CPU budget for the call; default 1000 ms. */
  timeoutMs?: number;
  /** Heap of the engine; default 32 MiB. */
  memoryBytes?: number;
  /**
   * Interpreter stack; default and maximum 64 KiB (about 350 nested JS calls; deeper fails as
   * SCRIPT_MEMORY). Capped so the engine's own check fires before native recursion (JSON.stringify
   * of deeply nested data) exhausts the host's stack, which the engine cannot recover from.
   */
  stackBytes?: number;
}

/** What a script sees: the run input, results (node id → output; `nodes` is the same object), and in map tasks `item`, `index`. */
export interface ScriptScope {
  input: unknown;
  results: Record<string, unknown>;
  item?: unknown;
  index?: number;
}

const MAX_STACK_BYTES = 64 * 1024;

export const DEFAULT_SANDBOX: Required<SandboxOptions> = {
  timeoutMs: 1000,
  memoryBytes: 32 * 1024 * 1024,
  stackBytes: MAX_STACK_BYTES,
};

const MAX_MESSAGE = 1000;
const FILE = "script.js";

/*
 * One WASM module and one runtime serve every call; each call gets a fresh context (its own globals),
 * so nothing a script does to its realm survives into the next call. Calls are synchronous once the
 * module is loaded, so they never interleave on the shared runtime. A runtime that hit a limit is
 * replaced, and a module that trapped (a host-level engine failure) is reloaded.
 */
let modulePromise: Promise<QuickJSWASMModule> | undefined;
let runtime: QuickJSRuntime | undefined;
let deadline = 0;
let interrupted = false;

async function engine(): Promise<QuickJSWASMModule> {
  modulePromise ??= newQuickJSWASMModule(RELEASE_SYNC).catch((err) => {
    modulePromise = undefined;
    throw err;
  });
  return modulePromise;
}

function currentRuntime(module: QuickJSWASMModule): QuickJSRuntime {
  if (runtime?.alive) return runtime;
  runtime = module.newRuntime();
  runtime.setInterruptHandler(() => {
    if (Date.now() <= deadline) return false;
    interrupted = true;
    return true;
  });
  return runtime;
}

function discardRuntime(): void {
  try {
    runtime?.dispose();
  } catch {
    // A runtime that failed mid-call may not dispose cleanly; dropping it is enough.
  }
  runtime = undefined;
}

/*
 * The wrapper turns the user's code into a function of the JSON scope and reports back one tagged
 * string: V<json> value, U undefined, P promise, N<msg> not JSON, E<name length>:<name><msg> thrown.
 * No NUL separators: strings leave the engine as C strings. The prefix has no newline so line numbers
 * in messages match the user's source.
 */
const PREFIX =
  "(function(__scopeJson){var __s=JSON.parse(__scopeJson),__r;try{__r=(function(input,results,nodes,item,index){";
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
      results: scope.results,
      item: scope.item,
      index: scope.index,
    });
  } catch (err) {
    if (err instanceof RangeError) {
      throw new NodeError(ErrorCode.SCRIPT_MEMORY, "script scope is nested too deeply for the sandbox");
    }
    throw new NodeError(ErrorCode.INTERNAL, `script scope is not JSON: ${(err as Error).message}`);
  }
  const module = await engine();
  // From here to the end nothing awaits: the call owns the shared runtime.
  let context: QuickJSContext | undefined;
  const handles: QuickJSHandle[] = [];
  let limitHit = false;
  let trapped = false;
  try {
    const rt = currentRuntime(module);
    rt.setMemoryLimit(limits.memoryBytes);
    rt.setMaxStackSize(Math.min(Math.max(1, limits.stackBytes), MAX_STACK_BYTES));
    context = rt.newContext();
    interrupted = false;
    deadline = Date.now() + limits.timeoutMs;

    const compiled = context.evalCode(PREFIX + body + SUFFIX, FILE);
    if (compiled.error) {
      handles.push(compiled.error);
      const failure = describeFailure(context, compiled.error, true);
      limitHit = failure.code !== ErrorCode.SCRIPT_SYNTAX;
      throw failure;
    }
    handles.push(compiled.value);
    const arg = context.newString(scopeJson);
    handles.push(arg);
    const called = context.callFunction(compiled.value, context.undefined, arg);
    if (called.error) {
      handles.push(called.error);
      limitHit = true;
      throw describeFailure(context, called.error, false);
    }
    handles.push(called.value);
    const report = context.typeof(called.value) === "string" ? context.getString(called.value) : "";
    const outcome = readReport(report);
    limitHit = outcome instanceof NodeError && outcome.code === ErrorCode.SCRIPT_MEMORY;
    if (outcome instanceof NodeError) throw outcome;
    return outcome.value;
  } catch (err) {
    if (err instanceof NodeError) throw err;
    // The engine itself failed (a WASM trap, or the host stack ran out inside it): its memory can no
    // longer be trusted, so nothing in it is disposed (that would abort); the module is reloaded.
    trapped = true;
    runtime = undefined;
    modulePromise = undefined;
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      throw new NodeError(
        ErrorCode.SCRIPT_MEMORY,
        "script exceeded its stack limit (native recursion too deep)",
      );
    }
    throw new NodeError(ErrorCode.SCRIPT_ERROR, `sandbox engine failure: ${(err as Error)?.message ?? err}`, {
      cause: err,
    });
  } finally {
    deadline = 0;
    if (!trapped) {
      for (const handle of handles.reverse()) safeDispose(handle);
      if (context) safeDispose(context);
    }
    // A runtime that ran out of memory or was interrupted mid-allocation is not reused.
    if (limitHit) discardRuntime();
  }
}

function safeDispose(thing: { alive: boolean; dispose(): void }): void {
  try {
    if (thing.alive) thing.dispose();
  } catch {
    // Disposal after an engine failure may throw; the runtime is discarded in that case anyway.
  }
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

/** Classifies an error that escaped the wrapper: a syntax error at compile time, or a limit. */
function describeFailure(context: QuickJSContext, handle: QuickJSHandle, compiling: boolean): NodeError {
  if (interrupted) return new NodeError(ErrorCode.SCRIPT_TIMEOUT, "script exceeded its time limit");
  let name = "Error";
  let message = "";
  let line: number | undefined;
  try {
    // Errors raised by the engine itself (syntax, memory, stack) are plain: reading them runs no user code.
    const dumped = context.dump(handle);
    if (dumped && typeof dumped === "object") {
      name = String(dumped.name ?? name);
      message = String(dumped.message ?? "");
      line = typeof dumped.lineNumber === "number" ? dumped.lineNumber : undefined;
    } else {
      message = String(dumped);
    }
  } catch {
    message = "(unreadable error)";
  }
  if (compiling && name === "SyntaxError") {
    return new NodeError(
      ErrorCode.SCRIPT_SYNTAX,
      clip(`SyntaxError: ${message}${line ? ` (line ${line})` : ""}`),
    );
  }
  return thrownError(name, message);
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/** Returns what the shared runtime holds between calls: bytes in use and live objects (leak checks, benchmarks). */
export async function sandboxMemoryUsage(): Promise<{ usedBytes: number; objects: number }> {
  const rt = currentRuntime(await engine());
  const handle = rt.computeMemoryUsage();
  try {
    const usage = rt.context!.dump(handle) as { memory_used_size: number; obj_count: number };
    return { usedBytes: usage.memory_used_size, objects: usage.obj_count };
  } finally {
    handle.dispose();
  }
}
