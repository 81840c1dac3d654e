// Issue 9: fuzzing extended to `trigger` inputs. Generated junk JSONL (random JSON values, huge strings, deep
// nesting, wrong types, broken lines) goes through `cutover trigger --inputs`: a line that is not JSON refuses the
// whole file with its line number and runs nothing; every JSON value runs (or is refused by the workflow's input
// check) without crashing the process, and the exit code follows what happened.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "../../cli/in-process.ts";
import { registerTrigger } from "../../cli/trigger.ts";
import { openSqliteStore } from "../../store/sqlite.ts";

/** A small seeded generator (mulberry32): the same junk on every run, so a failure can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int };
}

function junkValue(r: ReturnType<typeof rng>, depth = 0): unknown {
  switch (r.int(depth > 3 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return r.next() < 0.5;
    case 2:
      return r.int(2 ** 31) * (r.next() < 0.5 ? -1 : 1);
    case 3:
      return "x".repeat(r.int(3) === 0 ? 200_000 : r.int(40));
    case 4:
      return "\u0000\u2028</script>{{input}}";
    case 5:
      return Array.from({ length: r.int(5) }, () => junkValue(r, depth + 1));
    case 6:
      return Object.fromEntries(
        Array.from({ length: r.int(5) }, (_, i) => [`k${i}`, junkValue(r, depth + 1)]),
      );
    default:
      return { text: junkValue(r, depth + 1), __proto__x: 1, constructor: "c" };
  }
}

let home: string;
const saved = process.env.CUTOVER_HOME;
const WORKFLOW = join(import.meta.dirname, "..", "..", "examples", "inferpipe", "article-digest.json");
const DAG = join(import.meta.dirname, "..", "..", "examples", "summary.json");

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "cutover-trigger-fuzz-"));
  process.env.CUTOVER_HOME = home;
  // The workflow is in shadow, so every run that starts leaves a stored pair result behind.
  const store = openSqliteStore({ path: join(home, "state.db") });
  await store.compareAndSetFlag({
    workflowId: "jd71k2j3h4g5f6d7s8a9q0w1e2r3t4y5",
    expectedVersion: 0,
    next: {
      stage: "shadow",
      samplePct: 100,
      shadowProvider: "replay",
      dailyBudgetUsd: 0,
      workspaceOverrides: {},
    },
    actor: "test",
    reason: "fuzz",
  });
  await store.close();
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  if (saved === undefined) delete process.env.CUTOVER_HOME;
  else process.env.CUTOVER_HOME = saved;
});

const trigger = (...args: string[]) => runInProcess([registerTrigger], ["trigger", ...args]);

describe("trigger --inputs fuzzing", () => {
  it("runs every junk JSON value through a legacy workflow (it accepts any input) without a crash", async () => {
    const r = rng(7);
    const values = Array.from({ length: 40 }, () => junkValue(r));
    const file = join(home, "junk.jsonl");
    writeFileSync(file, `${values.map((v) => JSON.stringify(v)).join("\n")}\n`);
    const out = await trigger(WORKFLOW, "--inputs", file, "--json");
    expect(out.code, out.stderr).toBe(0);
    const runs = JSON.parse(out.stdout) as { status: string }[];
    expect(runs).toHaveLength(values.length);
    expect(runs.every((run) => run.status === "completed")).toBe(true);
  });

  it("refuses a file with a line that is not JSON, naming the line, and runs nothing", async () => {
    const r = rng(11);
    for (let trial = 0; trial < 10; trial++) {
      const lines = Array.from({ length: 5 + r.int(5) }, () => JSON.stringify(junkValue(r)));
      const bad = r.int(lines.length);
      lines[bad] = ["{", "nope", '{"a":', "[1,2", "\u0000"][r.int(5)];
      const file = join(home, `broken-${trial}.jsonl`);
      writeFileSync(file, lines.join("\n"));
      const out = await trigger(WORKFLOW, "--inputs", file);
      expect(out.code).toBe(2);
      expect(out.stderr).toContain(`line ${bad + 1} is not JSON`);
      expect(out.stdout).toBe("");
    }
    const store = openSqliteStore({ path: join(home, "state.db") });
    try {
      // Only the first test's 40 runs were ever started: refused files add nothing.
      expect((await store.listResults({ limit: 1000 })).results.length).toBe(40);
    } finally {
      await store.close();
    }
  });

  it("a dag workflow refuses an input that breaks its variables before anything runs (exit 2)", async () => {
    const out = await trigger(DAG, "--input", JSON.stringify({ article: 42 }));
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/input rejected/);
  });
});
