// Where does a user's script run? In this worker thread, so the main thread's watchdog can stop it, native loops included.
// Plain JavaScript on purpose: a worker needs no TypeScript loader, so it starts the same under vitest, tsx and node.
import { parentPort, workerData } from "node:worker_threads";
import { newQuickJSWASMModule, newVariant, RELEASE_SYNC } from "quickjs-emscripten";

/*
 * Messages (the types live in sandbox-pool.ts):
 *   in:  { id, type: "call", source, scopeJson, seed: [w0, w1, w2, w3], nowMs, timeoutMs, memoryBytes, stackBytes }
 *        { id, type: "usage" }
 *   out: { kind: "ready" } once, then per message one of
 *        { id, kind: "report", report }               the wrapper's tagged string (see sandbox.ts)
 *        { id, kind: "thrown", compiling, interrupted, name, message, line }   an error escaped the wrapper
 *        { id, kind: "trap", message, stackOverflow, memoryFull }           the engine itself failed
 *        { id, kind: "nomem" }                         an input or the result did not fit in the engine's memory
 *        { id, kind: "usage", usedBytes, objects }
 *   Any reply may carry `retire: true`: this worker's memory can no longer be trusted or has grown, so the
 *   pool replaces it (terminating a worker is the only way to hand WebAssembly memory back to the system).
 */

const PAGE = 64 * 1024;
/** The engine's build asks for 16 MiB of WebAssembly memory up front; it can only be given more. */
const INITIAL_PAGES = 256;
const FILE = "script.js";
/** Host strings above this size are checked to fit before the engine copies them in. */
const CHECK_ABOVE_BYTES = 16 * 1024;

// The hard memory ceiling: QuickJS's own limit counts only a few bytes per allocation in this
// WebAssembly build, so it misses many medium allocations (strings above all). The WebAssembly memory
// cannot grow past `capBytes`, so an allocation beyond it fails inside the engine as "out of memory".
const capBytes = Math.max(INITIAL_PAGES * PAGE, Number(workerData?.capBytes) || 0);
const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: Math.ceil(capBytes / PAGE) });
const engine = await newQuickJSWASMModule(newVariant(RELEASE_SYNC, { wasmMemory: memory }));
// The emscripten module (malloc/free): used to check that a host string fits before the engine copies
// it in, because the engine's copy does not check for a failed allocation.
const emscripten = /** @type {any} */ (engine).module;

/*
 * The engine reads the time through this realm's Date.now (emscripten's clock import), so a call fixes
 * the clock its script sees (Date.now(), new Date(), Date()) by setting `fixedNow` while it runs. The
 * watchdog's own deadline, and everything outside a call, read the real clock.
 */
const realNow = Date.now.bind(Date);
let fixedNow;
Date.now = function now() {
  return fixedNow ?? realNow();
};

/*
 * Each context's Math.random is a host function drawing from one sfc32 generator, reseeded by every
 * call (calls never overlap in a worker): its sequence depends on the call's seed alone, and the
 * context can be made ready before the call arrives. It ignores its arguments and returns a number.
 */
let ra = 0;
let rb = 0;
let rc = 0;
let rd = 0;
function nextRandom() {
  const t = (((ra + rb) | 0) + rd) | 0;
  rd = (rd + 1) | 0;
  ra = rb ^ (rb >>> 9);
  rb = (rc + (rc << 3)) | 0;
  rc = (((rc << 21) | (rc >>> 11)) + t) | 0;
  return (t >>> 0) / 4294967296;
}
function seedRandom(words) {
  [ra, rb, rc, rd] = words.map((w) => w | 0);
  for (let i = 0; i < 15; i++) nextRandom();
}

let runtime;
let deadline = 0;
let interrupted = false;
/** A context made ready while the worker was idle. */
let spare;

function currentRuntime() {
  if (runtime?.alive) return runtime;
  runtime = engine.newRuntime();
  runtime.setInterruptHandler(() => {
    // No deadline outside a call: the worker's own preparation is never interrupted.
    if (deadline === 0 || realNow() <= deadline) return false;
    interrupted = true;
    return true;
  });
  return runtime;
}

function discardRuntime() {
  dropSpare();
  try {
    runtime?.dispose();
  } catch {
    // A runtime that failed mid-call may not dispose cleanly; dropping it is enough.
  }
  runtime = undefined;
}

function safeDispose(thing) {
  try {
    if (thing?.alive) thing.dispose();
  } catch {
    // Disposal after an engine failure may throw; the runtime is discarded in that case anyway.
  }
}

/** Returns a fresh context whose Math.random draws from the seeded generator. */
function freshContext() {
  const context = currentRuntime().newContext();
  const random = context.newFunction("random", () => context.newNumber(nextRandom()));
  const math = context.getProp(context.global, "Math");
  context.setProp(math, "random", random);
  math.dispose();
  random.dispose();
  return context;
}

/** Prepares the next call's context while nobody waits for it. */
function prepareSpare() {
  if (spare) return;
  try {
    spare = freshContext();
  } catch {
    spare = undefined;
  }
}

function dropSpare() {
  safeDispose(spare);
  spare = undefined;
}

/** True when `bytes` can be allocated in the engine's memory right now (the next allocation reuses the block). */
function fits(bytes) {
  if (bytes <= CHECK_ABOVE_BYTES || typeof emscripten?._malloc !== "function") return true;
  const ptr = emscripten._malloc(bytes);
  if (!ptr) return false;
  emscripten._free(ptr);
  return true;
}

function utf8Bytes(text) {
  // Exact only when needed: a short string cannot be the one that does not fit.
  return text.length * 3 <= CHECK_ABOVE_BYTES ? text.length : Buffer.byteLength(text, "utf8") + 1;
}

function memoryFull() {
  return memory.buffer.byteLength + 2 * PAGE > capBytes;
}

/** Reads an error the engine raised (syntax, memory, stack, interrupt): plain objects, reading them runs no user code. */
function readError(context, handle) {
  let name = "Error";
  let message = "";
  let line;
  try {
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
  return { name, message, line };
}

const LIMIT_REPORT = /^E\d+:(InternalError|SyntaxError)(out of memory|stack overflow)/;

/** Runs one call; `after` collects what to dispose once the reply is on its way. */
function call(msg, after) {
  const { id } = msg;
  if (!fits(utf8Bytes(msg.source)) || !fits(utf8Bytes(msg.scopeJson))) return { id, kind: "nomem" };
  try {
    const rt = currentRuntime();
    rt.setMemoryLimit(msg.memoryBytes);
    rt.setMaxStackSize(msg.stackBytes);
    const context = spare ?? freshContext();
    spare = undefined;
    after.context = context;
    seedRandom(msg.seed);
    interrupted = false;
    deadline = realNow() + msg.timeoutMs;
    fixedNow = msg.nowMs;
    const compiled = context.evalCode(msg.source, FILE);
    if (compiled.error) {
      after.handles.push(compiled.error);
      const error = readError(context, compiled.error);
      after.discard = interrupted || error.name !== "SyntaxError";
      const retire = error.message.startsWith("out of memory");
      return { id, kind: "thrown", compiling: true, interrupted, ...error, retire };
    }
    after.handles.push(compiled.value);
    const arg = context.newString(msg.scopeJson);
    after.handles.push(arg);
    const called = context.callFunction(compiled.value, context.undefined, arg);
    if (called.error) {
      after.handles.push(called.error);
      after.discard = true;
      const error = readError(context, called.error);
      const retire = error.message.startsWith("out of memory");
      return { id, kind: "thrown", compiling: false, interrupted, ...error, retire };
    }
    after.handles.push(called.value);
    let report = "";
    if (context.typeof(called.value) === "string") {
      // The copy out is checked like the copies in: a report that cannot be copied is a memory failure.
      const lengthHandle = context.getProp(called.value, "length");
      after.handles.push(lengthHandle);
      if (!fits(context.getNumber(lengthHandle) * 3 + 1)) {
        after.discard = true;
        return { id, kind: "nomem", retire: true };
      }
      report = context.getString(called.value);
    }
    let retire = false;
    if (LIMIT_REPORT.test(report)) {
      after.discard = true;
      retire = report.includes("out of memory");
    }
    return { id, kind: "report", report, retire };
  } catch (err) {
    // The engine itself failed (a WASM trap, or the host stack ran out inside it): its memory can no
    // longer be trusted, so nothing in it is disposed (that would abort) and this worker is replaced.
    runtime = undefined;
    spare = undefined;
    after.handles.length = 0;
    after.context = undefined;
    after.trapped = true;
    return {
      id,
      kind: "trap",
      message: String(err?.message ?? err),
      stackOverflow: err instanceof RangeError && /call stack/i.test(err.message),
      memoryFull: memoryFull(),
      retire: true,
    };
  } finally {
    deadline = 0;
    fixedNow = undefined;
  }
}

function cleanUp(after) {
  for (const handle of after.handles.reverse()) safeDispose(handle);
  safeDispose(after.context);
  // A runtime that ran out of memory, overflowed or was interrupted mid-allocation is not reused.
  if (after.discard) discardRuntime();
}

function usage(id) {
  const rt = currentRuntime();
  const handle = rt.computeMemoryUsage();
  try {
    const used = rt.context.dump(handle);
    return { id, kind: "usage", usedBytes: used.memory_used_size, objects: used.obj_count };
  } finally {
    handle.dispose();
  }
}

parentPort.on("message", (msg) => {
  if (msg.type === "usage") {
    parentPort.postMessage(usage(msg.id));
    return;
  }
  const after = { handles: [], context: undefined, discard: false, trapped: false };
  const reply = call(msg, after);
  // The reply leaves first; disposing this call's context and preparing the next one happen while
  // the caller reads it. A worker about to be replaced does neither.
  parentPort.postMessage(reply);
  if (reply.retire || after.trapped) return;
  cleanUp(after);
  prepareSpare();
});
prepareSpare();
parentPort.postMessage({ kind: "ready" });
