// Issue 9: fuzzing extended to `import` inputs. Hundreds of generated junk documents (random JSON values, huge
// strings, deep nesting, wrong types, mangled real documents) go through `cutover import`: each one is imported
// or listed as not imported with a reason, nothing throws, and the exit code says whether any failed.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strToU8, zipSync } from "fflate";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ImportReport } from "../../cli/import.ts";
import { registerImport } from "../../cli/import.ts";
import { runInProcess } from "../../cli/in-process.ts";

const refDir = join(import.meta.dirname, "..", "..", "..", "shared", "legacy-reference");
const reference: Record<string, unknown>[] = readdirSync(refDir)
  .filter((f) => /^g.*\.json$/.test(f) && !f.endsWith(".legacy.json"))
  .map((f) => JSON.parse(readFileSync(join(refDir, f), "utf8")));

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
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}

type Rng = ReturnType<typeof rng>;

const ODD_STRINGS = [
  "",
  " ",
  "__proto__",
  "constructor",
  "prototype",
  "\u0000\u0007\u001b[31m",
  "line\nbreak\r\n",
  "\u2028\u2029",
  "ünïcødé 🚀",
  "{{nodes.toString}}",
  "'; DROP TABLE imported_workflows; --",
  "../../etc/passwd",
  "ai",
  "input",
  "gpt-4o",
  "json",
];

function randomString(r: Rng): string {
  if (r.next() < 0.5) return r.pick(ODD_STRINGS);
  const len = r.int(40);
  let s = "";
  for (let i = 0; i < len; i++) s += String.fromCharCode(r.next() < 0.9 ? 32 + r.int(95) : r.int(0x3000));
  return s;
}

function randomValue(r: Rng, depth = 0): unknown {
  const k = r.int(depth > 3 ? 4 : 7);
  switch (k) {
    case 0:
      return null;
    case 1:
      return r.next() < 0.5;
    case 2:
      return r.pick([0, -1, 1.5, 1e308, -1e-308, 2 ** 53 + 1, r.int(1000)]);
    case 3:
      return randomString(r);
    case 4:
      return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(5); i > 0; i--) o[randomString(r)] = randomValue(r, depth + 1);
      return o;
    }
  }
}

function nested(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { v };
  return v;
}

/** A real document with one thing broken (or, sometimes, nothing: it stays valid). */
function mangled(r: Rng, i: number): Record<string, unknown> {
  const doc = structuredClone(r.pick(reference)) as Record<string, any>;
  doc._id = `fuzz_${i}`;
  const nodes = doc.nodes as Record<string, any>[];
  const node = nodes[r.int(nodes.length)];
  switch (r.int(16)) {
    case 0:
      delete doc[r.pick(["nodes", "edges", "name", "userId", "_id"])];
      break;
    case 1:
      doc[r.pick(["nodes", "edges", "name", "userId", "_id", "status"])] = randomValue(r);
      break;
    case 2:
      node[r.pick(["id", "type", "position", "data"])] = randomValue(r);
      break;
    case 3:
      node.data = {
        ...node.data,
        [r.pick(["prompt", "model", "outputFormat", "schema", "textInput"])]: randomValue(r),
      };
      break;
    case 4:
      nodes.push({ ...node });
      break;
    case 5:
      node.id = r.pick(ODD_STRINGS);
      break;
    case 6:
      doc.name = "n".repeat(200_000 + r.int(1000));
      break;
    case 7:
      doc._id = "i".repeat(301 + r.int(5000));
      break;
    case 8:
      node.data = { ...node.data, prompt: "p".repeat(1_000_000) };
      break;
    case 9:
      node.data = { ...node.data, schema: nested(80) };
      break;
    case 10:
      doc.nodes = Array.from({ length: 300 }, (_, k) => ({
        id: `ai-${k}`,
        type: "ai",
        position: { x: r.int(1000), y: 0 },
        data: { prompt: randomString(r), model: r.pick(["gpt-4o", "gpt-4o-mini-tts", randomString(r)]) },
      }));
      break;
    case 11:
      doc.edges = [{ id: "e", source: node.id, target: node.id }, ...((doc.edges as unknown[]) ?? [])];
      break;
    case 12:
      doc.userId = r.pick(["", "u".repeat(400), 7]);
      break;
    case 13:
      doc.nodes = nodes.map((n) => ({
        ...n,
        type: r.pick(["ai", "input", "output", "llm", "transform", "???"]),
      }));
      break;
    default:
      // Left valid.
      break;
  }
  return doc;
}

/** Returns one JSONL line of junk (deep nesting is written as text: JSON.stringify itself would overflow). */
function junkLine(r: Rng, i: number): string {
  switch (r.int(8)) {
    case 0:
      return JSON.stringify(randomValue(r));
    case 1: {
      const depth = 2_000 + r.int(50_000);
      return r.next() < 0.5
        ? `${"[".repeat(depth)}1${"]".repeat(depth)}`
        : `{"_id":"fuzz_${i}","userId":"u","nodes":[${'{"a":'.repeat(depth)}1${"}".repeat(depth)}]}`;
    }
    case 2:
      return JSON.stringify("s".repeat(500_000 + r.int(1_000_000)));
    case 3:
      return JSON.stringify({ _id: `fuzz_${i}`, userId: "u", nodes: randomValue(r), edges: randomValue(r) });
    case 4:
      return JSON.stringify({ _id: randomValue(r), userId: randomValue(r), name: randomValue(r), nodes: [] });
    default:
      return JSON.stringify(mangled(r, i));
  }
}

const COUNT = 320;
const tmp = mkdtempSync(join(tmpdir(), "cutover-import-fuzz-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const saved = process.env.CUTOVER_HOME;
let n = 0;
beforeEach(() => {
  process.env.CUTOVER_HOME = join(tmp, `home-${n++}`);
});
afterEach(() => {
  if (saved === undefined) delete process.env.CUTOVER_HOME;
  else process.env.CUTOVER_HOME = saved;
});

async function importJson(path: string) {
  const r = await runInProcess([registerImport], ["import", path, "--json"]);
  return { ...r, report: r.code === 2 ? null : (JSON.parse(r.stdout) as ImportReport) };
}

function checkAccounted(report: ImportReport, count: number, code: number) {
  const ok = [...report.imported, ...report.updated, ...report.unchanged];
  const lines = [...ok, ...report.failed].map((e) => e.line).sort((a, b) => a - b);
  expect(lines).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  for (const f of report.failed) {
    expect(typeof f.reason).toBe("string");
    expect(f.reason.trim().length).toBeGreaterThan(0);
    expect(f.id === null || f.id.length <= 301).toBe(true);
  }
  for (const e of ok) expect(e.id.length).toBeLessThanOrEqual(300);
  expect(code).toBe(report.failed.length > 0 ? 1 : 0);
}

describe("import fuzzing: generated junk documents", () => {
  const r = rng(0x1f2e3d);
  const text = Array.from({ length: COUNT }, (_, i) => `${junkLine(r, i)}\n`).join("");

  it(`accounts for each of ${COUNT} documents (imported, or not imported with a reason) and never throws`, async () => {
    const path = join(tmp, "junk.jsonl");
    writeFileSync(path, text);
    const first = await importJson(path);
    expect(first.stderr).not.toMatch(/internal error/);
    checkAccounted(first.report!, COUNT, first.code);
    // The junk exercises both outcomes.
    expect(first.report!.imported.length).toBeGreaterThan(10);
    expect(first.report!.failed.length).toBeGreaterThan(COUNT / 2);

    // Again: the same answer for every line, and nothing written.
    const second = await importJson(path);
    checkAccounted(second.report!, COUNT, second.code);
    expect(second.report!.imported).toEqual([]);
    expect(second.report!.updated).toEqual([]);
    expect(second.report!.unchanged.map((e) => e.line)).toEqual(first.report!.imported.map((e) => e.line));
    expect(second.report!.failed.map((f) => [f.line, f.reason])).toEqual(
      first.report!.failed.map((f) => [f.line, f.reason]),
    );

    // The same documents inside a snapshot ZIP give the same answer.
    const zip = join(tmp, "junk.zip");
    writeFileSync(zip, zipSync({ "workflows/documents.jsonl": strToU8(text) }));
    const zipped = await importJson(zip);
    checkAccounted(zipped.report!, COUNT, zipped.code);
    expect(zipped.report!.failed.map((f) => f.line)).toEqual(first.report!.failed.map((f) => f.line));
  }, 120_000);

  it("refuses the whole export, naming the line and writing nothing, when one line is not JSON at all", async () => {
    const lines = text.split("\n");
    const at = 1 + r.int(COUNT - 1);
    lines.splice(at, 0, r.pick(["{", "nul", "[1,]", "{'a':1}", "\u0000", "NaN"]));
    const path = join(tmp, "junk-bad.jsonl");
    writeFileSync(path, lines.join("\n"));
    const res = await importJson(path);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`line ${at + 1} is not JSON`);
    expect(existsSync(join(process.env.CUTOVER_HOME!, "state.db"))).toBe(false);
  });
});
