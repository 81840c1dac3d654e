// How fast is the comparator? Pairs per second on 20-step runs with 5 KB outputs, and one pair with 1 MB outputs.
import { performance } from "node:perf_hooks";
import type { RunRecord } from "../executors/records.ts";
import { compare } from "../parity/compare.ts";
import { asShadow, makeRun, type StepSpec } from "../test/fixtures/records/make.ts";
import { type Bench, median, peakRssMiB, round } from "./measure.ts";

const PAIRS = 10_000;
const DISTINCT = 50;
const WORDS =
  "the model reads each ticket and writes a short answer with a summary of facts and next steps".split(" ");

/** An LLM step's output of about `bytes` bytes: mostly prose, plus keywords and entities with ids. */
function llmOutput(bytes: number, seed: number): unknown {
  const prose = (n: number) =>
    Array.from({ length: n }, (_, i) => WORDS[(i * 7 + seed) % WORDS.length]).join(" ");
  const entities = Array.from({ length: 8 }, (_, i) => ({
    id: `e${seed}-${i}`,
    name: prose(3),
    kind: "org",
    score: (i + seed) / 17,
  }));
  return {
    answer: prose(Math.max(1, Math.round((bytes - 900) / 5))),
    keywords: prose(12).split(" "),
    entities,
    confidence: seed / 101,
  };
}

/** A dense JSON output of about `bytes` bytes: many small records (the comparator's worst case per byte). */
function denseOutput(bytes: number, seed: number): unknown {
  const items = [];
  for (let i = 0; i < Math.max(1, Math.round(bytes / 120)); i++) {
    items.push({
      id: `item-${seed}-${i}`,
      score: (i * 7919 + seed) / 13,
      label: `label ${i} of ${seed}`,
      tags: ["a", "b"],
      meta: { ok: true },
    });
  }
  return { items, count: items.length, summary: `summary ${seed}` };
}

type Make = (bytes: number, seed: number) => unknown;

function pair(make: Make, seed: number, outputBytes: number, steps: number): [RunRecord, RunRecord] {
  const specs: StepSpec[] = [];
  for (let i = 0; i < steps; i++) {
    specs.push({
      nodeId: `n${i}`,
      type: i % 2 ? "llm" : "transform",
      input: { prompt: `step ${i} of ${seed}` },
      output: make(outputBytes, seed * 100 + i),
      tokens: i % 2 ? { input: 100 + i, output: 20, total: 120 + i } : null,
      costUsd: i % 2 ? 0.0001 : 0,
    });
  }
  const primary = makeRun(specs, { output: make(outputBytes, seed) });
  // A deep copy, so equal values are never the same object (no identity shortcut).
  return [primary, asShadow(primary)];
}

/** Pairs per second, by wall clock and by this process's CPU time (the machine may be shared). */
function throughput(pairs: [RunRecord, RunRecord][]): { wall: number; cpu: number; mismatches: number } {
  for (let i = 0; i < 500; i++) compare(...pairs[i % pairs.length]);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let mismatches = 0;
  for (let i = 0; i < PAIRS; i++)
    if (compare(...pairs[i % pairs.length]).verdict === "mismatch") mismatches++;
  const cpu = process.cpuUsage(c0);
  const wallS = (performance.now() - t0) / 1000;
  return {
    wall: Math.round(PAIRS / wallS),
    cpu: Math.round(PAIRS / ((cpu.user + cpu.system) / 1e6)),
    mismatches,
  };
}

/** Median milliseconds (wall and CPU) of `times` comparisons of one pair. */
function timeOne(p: RunRecord, s: RunRecord, times = 5): { wall: number; cpu: number } {
  compare(p, s);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    compare(p, s);
    const c = process.cpuUsage(c0);
    wall.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: round(median(wall), 1), cpu: round(median(cpu), 1) };
}

const bench: Bench = {
  name: "parity",
  async run() {
    const llm = Array.from({ length: DISTINCT }, (_, i) => pair(llmOutput, i, 5_000, 20));
    // One pair in ten carries a real difference deep in one step's output, so the diff path is measured too.
    const mixed = llm.map(([p, s], i): [RunRecord, RunRecord] => {
      if (i % 10) return [p, s];
      const changed = structuredClone(s);
      (changed.steps[5].output as any).entities[3].score += 1;
      return [p, changed];
    });
    const dense = Array.from({ length: DISTINCT }, (_, i) => pair(denseOutput, i, 5_000, 20));
    // The same records as the comparator gets them from the store or a file: parsed JSON. The generated
    // ones carry V8 ropes (strings built by concatenation, such as each label), which cost a runtime
    // call per comparison; parsed records hold flat strings.
    const parsed = (r: RunRecord): RunRecord => JSON.parse(JSON.stringify(r));
    const denseParsed = dense.map(([p, s]): [RunRecord, RunRecord] => [parsed(p), parsed(s)]);
    const eq = throughput(llm);
    const mx = throughput(mixed);
    const dn = throughput(dense);
    const dnJson = throughput(denseParsed);

    const [bigP, bigS] = pair(denseOutput, 1, 1_000_000, 1);
    const bigDiff = structuredClone(bigS);
    (bigDiff.output as any).items[4000].label = "changed";
    (bigDiff.output as any).items.push({ id: "new", score: 1 });
    (bigDiff.steps[0].output as any).items.reverse();
    const bigEqual = timeOne(bigP, bigS);
    const bigDiffer = timeOne(bigP, bigDiff);

    return {
      pairs: PAIRS,
      "LLM-like 5 KB outputs x 20 steps, equal: pairs/s (wall, cpu)": [eq.wall, eq.cpu],
      "same, 1 in 10 differs: pairs/s (wall, cpu)": [mx.wall, mx.cpu],
      "mismatches found in the mixed set": mx.mismatches,
      "dense 5 KB outputs (~380 JSON nodes each) x 20 steps, equal: pairs/s (wall, cpu)": [dn.wall, dn.cpu],
      "same dense records parsed from JSON (as stored or read from files): pairs/s (wall, cpu)": [
        dnJson.wall,
        dnJson.cpu,
      ],
      "goal pairs/s": 5000,
      "1 MB dense outputs, equal: median ms (wall, cpu)": [bigEqual.wall, bigEqual.cpu],
      "1 MB dense outputs, 2 changes + a reordered id array: median ms (wall, cpu)": [
        bigDiffer.wall,
        bigDiffer.cpu,
      ],
      "1 MB verdict": compare(bigP, bigDiff).verdict,
      "goal 1 MB ms": 200,
      "load average (1 min) during the run": round((await import("node:os")).loadavg()[0], 2),
      "peak RSS MiB": peakRssMiB(),
    };
  },
};

export default bench;
