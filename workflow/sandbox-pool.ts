// Who watches a running script? A small pool of worker threads per memory limit, each terminated and replaced when a call overruns.

import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { SANDBOX_WORKER_SOURCE } from "./sandbox-worker-source.ts";

/** One script call as the worker receives it. */
export interface WorkerCall {
  /** The wrapped source (see sandbox.ts): a function of the scope JSON. */
  source: string;
  scopeJson: string;
  /** Four 32-bit words that seed the script's Math.random. */
  seed: readonly [number, number, number, number];
  /** What Date.now() and new Date() return inside the script. */
  nowMs: number;
  timeoutMs: number;
  memoryBytes: number;
  stackBytes: number;
}

/** What a worker answers, or what the pool concludes when it had to stop one. */
export type WorkerReply =
  | { kind: "report"; report: string }
  | {
      kind: "thrown";
      compiling: boolean;
      interrupted: boolean;
      name: string;
      message: string;
      line?: number;
    }
  | { kind: "trap"; message: string; stackOverflow: boolean; memoryFull: boolean }
  | { kind: "nomem" }
  /** The watchdog terminated the worker: the call overran its time limit plus grace. */
  | { kind: "killed" }
  /** The worker died (its V8 heap limit, or a crash) while the call ran. */
  | { kind: "died"; outOfMemory: boolean; message: string };

type Incoming =
  | { kind: "ready" }
  | ({ id: number; retire?: boolean } & (
      | WorkerReply
      | { kind: "usage"; usedBytes: number; objects: number }
    ));

interface Job {
  message: Record<string, unknown>;
  /** Only the pool's oldest worker may take it (usage requests: the same engine every time). */
  oldestOnly?: boolean;
  /** Watchdog budget once the worker has the call; undefined for requests that cannot overrun. */
  watchMs?: number;
  resolve(reply: Incoming): void;
  reject(err: Error): void;
}

/**
 * The worker's file: sandbox-worker.mjs beside this module, or — in a bundle that does not carry it, as a
 * Convex node action's bundle does not — the same source (embedded at build time,
 * sandbox-worker-source.ts) written once to a temporary directory, with its one package import
 * resolved from here (quickjs-emscripten is an external package of the bundle: convex.json).
 */
let workerUrl: URL | undefined;
function workerFile(): URL {
  if (workerUrl) return workerUrl;
  const beside = new URL("./sandbox-worker.mjs", import.meta.url);
  if (beside.protocol === "file:" && existsSync(fileURLToPath(beside))) {
    workerUrl = beside;
    return workerUrl;
  }
  // The import names the package to the bundler (an external dependency the deployment installs) and
  // loads it early; the worker imports it by the resolved URL.
  void import("quickjs-emscripten").catch(() => {});
  const quickjs = import.meta.resolve("quickjs-emscripten");
  const dir = mkdtempSync(join(tmpdir(), "cutover-sandbox-"));
  const file = join(dir, "sandbox-worker.mjs");
  writeFileSync(
    file,
    SANDBOX_WORKER_SOURCE.replace(/from "quickjs-emscripten"/, `from ${JSON.stringify(quickjs)}`),
  );
  workerUrl = pathToFileURL(file);
  return workerUrl;
}
const MiB = 1024 * 1024;
/** The engine's static data and stack take about 5 MiB of its WebAssembly memory before any script runs. */
const ENGINE_BASE_BYTES = 8 * MiB;
/** Workers idle this long are terminated; the next call starts a fresh one. */
const IDLE_MS = 60_000;
/**
 * Workers kept once a pool is in use. A worker prepares the next call's context after it answers, so
 * back-to-back calls alternate between two workers and find one ready; the second also stands by when
 * the watchdog terminates the first.
 */
const WARM_WORKERS = 2;

/** Workers per memory limit: enough that a hostile script never holds up every other call. */
export const POOL_SIZE = Math.max(2, Math.min(4, availableParallelism()));

/** The hard cap on a worker's WebAssembly memory for scripts limited to `memoryBytes`. */
export function engineCapBytes(memoryBytes: number): number {
  return ENGINE_BASE_BYTES + memoryBytes + Math.ceil(memoryBytes / 4);
}

/** Time a call may take past its own limit before the watchdog stops the worker (at most the limit again). */
export function graceMs(timeoutMs: number): number {
  return Math.min(Math.max(timeoutMs, 1), Math.max(100, timeoutMs / 4));
}

class Slot {
  readonly worker: Worker;
  ready = false;
  /** When the worker last became idle (performance.now()); the longest idle takes the next call. */
  idleSince = 0;
  job: (Job & { id: number }) | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private gone = false;

  constructor(
    private readonly pool: ScriptPool,
    memoryBytes: number,
  ) {
    const heapMb = Math.ceil((4 * memoryBytes) / MiB);
    this.worker = new Worker(workerFile(), {
      // No loaders or flags of the parent (tsx, vitest): the worker is plain JavaScript.
      execArgv: [],
      workerData: { capBytes: engineCapBytes(memoryBytes) },
      // A backstop for the worker's own JavaScript heap (scope and result strings, the engine's glue).
      resourceLimits: { maxOldGenerationSizeMb: 64 + heapMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
      stdout: false,
      stderr: false,
    });
    this.worker.on("message", (msg: Incoming) => this.onMessage(msg));
    this.worker.on("error", (err) => this.onExit(err));
    this.worker.on("exit", () => this.onExit(undefined));
  }

  get busy(): boolean {
    return this.job !== undefined;
  }

  run(job: Job): void {
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    this.job = { ...job, id };
    this.worker.ref();
    if (job.watchMs !== undefined) {
      this.watchdog = setTimeout(() => this.kill(), job.watchMs);
    }
    this.worker.postMessage({ ...job.message, id });
  }

  /** Stops the worker now: the call in flight (if any) ends as `killed`. */
  kill(): void {
    const job = this.job;
    this.retire();
    job?.resolve({ id: job.id, kind: "killed" });
    // Calls waiting for a worker get a new one.
    this.pool.pump();
  }

  private onMessage(msg: Incoming): void {
    if (msg.kind === "ready") {
      this.ready = true;
      this.idle();
      this.pool.pump();
      return;
    }
    const job = this.job;
    if (!job || msg.id !== job.id) return;
    clearTimeout(this.watchdog);
    this.job = undefined;
    if (msg.retire) this.retire();
    else this.idle();
    job.resolve(msg);
    this.pool.pump();
  }

  private onExit(err: Error | undefined): void {
    if (this.gone) return;
    const job = this.job;
    this.retire();
    const code = (err as { code?: string } | undefined)?.code;
    const message = err?.message ?? "the sandbox worker exited";
    if (job) {
      job.resolve({ id: job.id, kind: "died", outOfMemory: code === "ERR_WORKER_OUT_OF_MEMORY", message });
    } else if (!this.ready) {
      // The worker never started (the engine failed to load): the oldest waiting call learns why.
      this.pool.failOne(new Error(`sandbox worker failed to start: ${message}`));
    }
    this.pool.pump();
  }

  private idle(): void {
    // An idle worker never keeps the process alive, and is let go after a while.
    this.idleSince = performance.now();
    this.worker.unref();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (!this.busy) this.retire();
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  private retire(): void {
    if (this.gone) return;
    this.gone = true;
    this.job = undefined;
    clearTimeout(this.watchdog);
    clearTimeout(this.idleTimer);
    this.pool.remove(this);
    this.worker.terminate().catch(() => {});
  }
}

/** Up to POOL_SIZE workers for one memory limit; calls queue when all are busy (the wait is not charged to them). */
export class ScriptPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];

  constructor(
    private readonly memoryBytes: number,
    private readonly size = POOL_SIZE,
  ) {}

  /** Runs one call; resolves with the worker's reply, or `killed` when it overran `watchMs`. */
  call(message: WorkerCall, watchMs: number): Promise<WorkerReply> {
    return this.enqueue({ type: "call", ...message }, watchMs) as Promise<WorkerReply>;
  }

  /** Returns what the first worker's engine holds between calls (leak checks, benchmarks). */
  async usage(): Promise<{ usedBytes: number; objects: number }> {
    const reply = await this.enqueue({ type: "usage" }, undefined);
    if (reply.kind !== "usage") throw new Error(`sandbox worker answered ${reply.kind} to a usage request`);
    return { usedBytes: reply.usedBytes, objects: reply.objects };
  }

  /** Workers alive now (started or starting). */
  get workers(): number {
    return this.slots.length;
  }

  /** Stops every worker; calls in flight end as `killed`. */
  close(): void {
    for (const slot of [...this.slots]) slot.kill();
  }

  private enqueue(message: Record<string, unknown>, watchMs: number | undefined): Promise<Incoming> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, watchMs, resolve, reject, oldestOnly: message.type === "usage" });
      this.pump();
    });
  }

  /** Hands queued calls to idle workers (the longest idle first), starting workers up to the pool size. */
  pump(): void {
    while (this.queue.length > 0) {
      const job = this.queue[0];
      const slot = job.oldestOnly ? this.oldestIfFree() : this.longestIdle();
      if (!slot) break;
      this.queue.shift();
      slot.run(job);
    }
    let starting = this.slots.filter((s) => !s.ready).length;
    const wanted = Math.min(this.size, Math.max(WARM_WORKERS, this.busyCount() + this.queue.length));
    while (this.slots.length < wanted && (this.queue.length > starting || this.slots.length < WARM_WORKERS)) {
      // A starting worker keeps the process alive until it is ready to serve the queue.
      this.slots.push(new Slot(this, this.memoryBytes));
      starting++;
    }
  }

  private longestIdle(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) if (s.ready && !s.busy && (!best || s.idleSince < best.idleSince)) best = s;
    return best;
  }

  private oldestIfFree(): Slot | undefined {
    const oldest = this.slots.find((s) => s.ready);
    return oldest && !oldest.busy ? oldest : undefined;
  }

  private busyCount(): number {
    return this.slots.filter((s) => s.busy).length;
  }

  remove(slot: Slot): void {
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
  }

  failOne(err: Error): void {
    this.queue.shift()?.reject(err);
  }
}
