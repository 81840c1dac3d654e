import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strToU8, zipSync } from "fflate";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunRecord } from "../executors/records.ts";
import type { ImportedWorkflow } from "../store/imported-workflows.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { registerFlags } from "./flags.ts";
import type { ImportReport } from "./import.ts";
import { registerImport } from "./import.ts";
import { runInProcess } from "./in-process.ts";
import { registerRun } from "./run.ts";
import { registerShadow } from "./shadow.ts";

const refDir = join(import.meta.dirname, "..", "..", "shared", "legacy-reference");
/** The reference documents as inferpipe's workflows table holds them (not the recordings beside them). */
const reference: Record<string, unknown>[] = readdirSync(refDir)
  .filter((f) => /^g.*\.json$/.test(f) && !f.endsWith(".legacy.json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(refDir, f), "utf8")));
const ids = reference.map((d) => d._id as string);
const OWNER = reference[0].userId as string;

const noInput = {
  _id: "jd7broken0noinput0000000000000000",
  _creationTime: 1758200000001,
  name: "Only an AI node",
  userId: "user_other",
  status: "draft",
  nodes: [{ id: "ai-1", type: "ai", position: { x: 0, y: 0 }, data: { prompt: "hi", model: "gpt-4o" } }],
  edges: [],
  createdAt: 1758200000000,
  updatedAt: 1758200000000,
};
const noNodes = { _id: "jd7broken1nonodes000000000000000", name: "No nodes", userId: OWNER, edges: [] };

const lines = (docs: unknown[]) => docs.map((d) => `${JSON.stringify(d)}\n`).join("");

/** A ZIP laid out as `npx convex export` writes one, built with fflate. */
function snapshotZip(workflows: unknown[], extra: Record<string, string> = {}): Uint8Array {
  return zipSync({
    "_tables/documents.jsonl": strToU8(
      lines([
        { name: "workflows", id: 10001 },
        { name: "users", id: 10002 },
      ]),
    ),
    "users/documents.jsonl": strToU8(lines([{ _id: "u1", _creationTime: 1, clerkId: OWNER }])),
    "workflows/documents.jsonl": strToU8(lines(workflows)),
    // A component's own table of the same name is not inferpipe's: it must be ignored.
    "_components/cutover/workflows/documents.jsonl": strToU8(lines([{ _id: "not-this-one", nodes: [] }])),
    "README.md": strToU8("This is a Convex snapshot export.\n"),
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, strToU8(v)])),
  });
}

const tmp = mkdtempSync(join(tmpdir(), "cutover-import-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
let home: string;
const savedHome = process.env.CUTOVER_HOME;
const savedUrl = process.env.CONVEX_URL;
beforeEach(() => {
  home = join(tmp, `home-${n++}`);
  process.env.CUTOVER_HOME = home;
  delete process.env.CONVEX_URL;
});
afterEach(() => {
  if (savedHome === undefined) delete process.env.CUTOVER_HOME;
  else process.env.CUTOVER_HOME = savedHome;
  if (savedUrl !== undefined) process.env.CONVEX_URL = savedUrl;
});

function file(name: string, content: string | Uint8Array): string {
  const path = join(tmp, `${n}-${name}`);
  writeFileSync(path, content);
  return path;
}

async function importJson(...args: string[]) {
  const r = await runInProcess([registerImport], ["import", ...args, "--json"]);
  return { ...r, report: r.stdout ? (JSON.parse(r.stdout) as ImportReport) : null };
}

/** Returns every stored row (documents included), by workspace then id. */
async function stored(): Promise<ImportedWorkflow[]> {
  const store = openSqliteStore({ path: join(home, "state.db") });
  try {
    const out: ImportedWorkflow[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.listImportedWorkflows({ cursor, limit: 2 });
      for (const w of page.workflows)
        out.push((await store.getImportedWorkflow(w.workspaceId, w.workflowId))!);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  } finally {
    await store.close();
  }
}

describe("cutover import from a Convex snapshot ZIP", () => {
  it("imports the valid documents, lists the broken ones with reasons, and changes nothing the second time", async () => {
    expect(reference.length).toBeGreaterThanOrEqual(5);
    const zip = file("snapshot.zip", snapshotZip([...reference, noInput, 42, noNodes]));
    const first = await importJson(zip);
    expect(first.code).toBe(1);
    const r1 = first.report!;
    expect(r1.export).toEqual({ file: zip, format: "zip", table: "workflows/documents.jsonl", documents: 8 });
    expect(r1.imported.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(r1.updated).toEqual([]);
    expect(r1.unchanged).toEqual([]);
    for (const e of r1.imported) {
      expect(e).toMatchObject({ owner: OWNER, workspaceId: OWNER, profile: "legacy" });
      expect(e.workflowVersionId).toMatch(/^wfv_/);
    }
    const digest = r1.imported.find((e) => e.name === "Article digest")!;
    expect(digest).toMatchObject({ nodes: 3, models: ["gpt-4.1-mini", "gpt-4o-mini"] });
    expect(r1.failed.map((f) => [f.line, f.id])).toEqual([
      [6, noInput._id],
      [7, null],
      [8, noNodes._id],
    ]);
    expect(r1.failed[0].reason).toMatch(/^MISSING_INPUT_NODE at nodes: .*No input node found/);
    expect(r1.failed[0].owner).toBe("user_other");
    expect(r1.failed[1].reason).toMatch(/^DOCUMENT_NOT_OBJECT .*not a number/);
    expect(r1.failed[2].reason).toMatch(/nodes/);
    for (const f of r1.failed) expect(f.reason.length).toBeGreaterThan(0);

    const rows = await stored();
    expect(rows.map((w) => w.workflowId).sort()).toEqual([...ids].sort());
    for (const row of rows) {
      const original = reference.find((d) => d._id === row.workflowId)!;
      expect(JSON.parse(row.documentJson)).toEqual(original);
      expect(row).toMatchObject({
        workspaceId: OWNER,
        ownerUserId: OWNER,
        name: original.name,
        profile: "legacy",
      });
      expect(row.importedAt).toBe(row.updatedAt);
    }

    const second = await importJson(zip);
    expect(second.code).toBe(1);
    const r2 = second.report!;
    expect(r2.imported).toEqual([]);
    expect(r2.updated).toEqual([]);
    expect(r2.unchanged.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(r2.failed.map((f) => f.line)).toEqual([6, 7, 8]);
    expect(await stored()).toEqual(rows);

    // The readable report says the same, one row per document in export order.
    const table = await runInProcess([registerImport], ["import", zip]);
    expect(table.code).toBe(1);
    const out = table.stdout.split("\n");
    expect(out[0]).toMatch(
      /^LINE\s+ID\s+NAME\s+OWNER\s+WORKSPACE\s+NODES\s+MODELS\s+PROFILE\s+WARNINGS\s+RESULT$/,
    );
    expect(out.filter((l) => /\bunchanged$/.test(l))).toHaveLength(ids.length);
    expect(out.find((l) => l.startsWith("6 "))).toMatch(/not imported: MISSING_INPUT_NODE/);
    expect(table.stdout).toContain("8 documents — 0 imported, 0 updated, 5 unchanged, 3 not imported");
  });

  it("updates a document changed under the same id, and exits 0 when every document imports", async () => {
    await importJson(file("a.zip", snapshotZip(reference)));
    const before = await stored();
    const renamed: Record<string, unknown> = {
      ...reference[2],
      name: "Article digest (v2)",
      updatedAt: 1758300000000,
    };
    const changed = reference.map((d, i) => (i === 2 ? renamed : d));
    const r = await importJson(file("b.zip", snapshotZip(changed)));
    expect(r.code).toBe(0);
    expect(r.report!.updated.map((e) => [e.id, e.name])).toEqual([[renamed._id, "Article digest (v2)"]]);
    expect(r.report!.unchanged).toHaveLength(reference.length - 1);
    expect(r.report!.failed).toEqual([]);
    const after = await stored();
    const row = after.find((w) => w.workflowId === renamed._id)!;
    expect(JSON.parse(row.documentJson)).toEqual(renamed);
    expect(row.importedAt).toBe(before.find((w) => w.workflowId === renamed._id)!.importedAt);
    expect(row.updatedAt >= row.importedAt).toBe(true);
  });

  it("reads the table under a wrapping folder, as Convex's own importer does", async () => {
    const wrapped = zipSync({
      "snapshot_1758200000/_tables/documents.jsonl": strToU8(lines([{ name: "workflows", id: 1 }])),
      "snapshot_1758200000/workflows/documents.jsonl": strToU8(lines(reference.slice(0, 2))),
    });
    const r = await importJson(file("wrapped.zip", wrapped));
    expect(r.code).toBe(0);
    expect(r.report!.export.table).toBe("snapshot_1758200000/workflows/documents.jsonl");
    expect(r.report!.imported).toHaveLength(2);
  });
});

describe("cutover import refuses an export it cannot read, writing nothing (exit 2)", () => {
  const refused = async (path: string, message: RegExp) => {
    const r = await runInProcess([registerImport], ["import", path]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(home, "state.db"))).toBe(false);
  };

  it("a corrupt or truncated ZIP", async () => {
    const good = snapshotZip(reference);
    await refused(
      file("truncated.zip", good.slice(0, good.length - 30)),
      /cannot read export .*truncated\.zip/,
    );
    await refused(
      file("garbage.zip", "this is not a zip"),
      /cannot read export .*garbage\.zip: not a readable ZIP/,
    );
    // A flipped byte inside the (stored, uncompressed) table is caught by its CRC-32.
    const stored = zipSync({ "workflows/documents.jsonl": strToU8(lines(reference)) }, { level: 0 });
    const at = Buffer.from(stored).indexOf("Article digest");
    const flipped = Buffer.from(stored);
    flipped[at] = "X".charCodeAt(0);
    await refused(
      file("flipped.zip", flipped),
      /workflows\/documents\.jsonl\): corrupt data \(CRC-32 mismatch\)/,
    );
  });

  it("a ZIP without a workflows table, naming the tables it has", async () => {
    const noTable = zipSync({
      "_tables/documents.jsonl": strToU8(lines([{ name: "users", id: 1 }])),
      "users/documents.jsonl": strToU8(lines([{ _id: "u1" }])),
      "runs/documents.jsonl": strToU8(""),
      "_components/cutover/workflows/documents.jsonl": strToU8(lines([{ _id: "x" }])),
    });
    await refused(
      file("no-workflows.zip", noTable),
      /has no workflows table \(no workflows\/documents\.jsonl; its tables: runs, users; _components\/cutover\/workflows\/documents\.jsonl belongs to a component/,
    );
    await refused(file("empty.zip", zipSync({})), /has no workflows table .*not a Convex snapshot export/);
  });

  it("a line that is not JSON, naming the file and the line", async () => {
    const zip = snapshotZip([], {
      "workflows/documents.jsonl": `${lines(reference.slice(0, 2))}\n{"_id": oops\n`,
    });
    await refused(
      file("bad-line.zip", zip),
      /export .*bad-line\.zip \(workflows\/documents\.jsonl\) line 4 is not JSON/,
    );
    await refused(
      file("bad.jsonl", `${lines(reference.slice(0, 1))}not json\n`),
      /bad\.jsonl line 2 is not JSON/,
    );
    await refused(join(tmp, "missing.jsonl"), /cannot read export .*missing\.jsonl: no such file/);
  });

  it("a malformed --workspace-of", async () => {
    const jsonl = file("ok.jsonl", lines(reference));
    const r = await runInProcess([registerImport], ["import", jsonl, "--workspace-of", "user_a"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--workspace-of takes userId=workspace pairs/);
    expect(existsSync(join(home, "state.db"))).toBe(false);
  });
});

describe("cutover import from JSONL, and where owners' workflows go", () => {
  it("reads a JSONL file of documents (blank lines and CRLF allowed), one workspace per owner by default", async () => {
    const text = lines([...reference, noInput])
      .replace(/\n/g, "\r\n")
      .replace(/\r\n$/, "\r\n\r\n");
    const r = await importJson(file("workflows.jsonl", text));
    expect(r.code).toBe(1);
    expect(r.report!.export.format).toBe("jsonl");
    expect(r.report!.imported).toHaveLength(reference.length);
    expect(r.report!.failed.map((f) => f.line)).toEqual([reference.length + 1]);
  });

  it("maps owners with --workspace-of, and gives every other owner --workspace when both are given", async () => {
    const other = { ...reference[0], _id: "jd7otherowner00000000000000000000", userId: "user_b" };
    const third = { ...reference[1], _id: "jd7thirdowner00000000000000000000", userId: "user_c" };
    const jsonl = file("owners.jsonl", lines([reference[0], reference[2], other, third]));
    const mapped = await importJson(jsonl, "--workspace-of", `${OWNER}=ws_pilot,user_b=ws_b`);
    expect(mapped.code).toBe(0);
    expect(mapped.report!.imported.map((e) => [e.id, e.owner, e.workspaceId])).toEqual([
      [reference[0]._id, OWNER, "ws_pilot"],
      [reference[2]._id, OWNER, "ws_pilot"],
      [other._id, "user_b", "ws_b"],
      // Not mapped: its owner's own workspace.
      [third._id, "user_c", "user_c"],
    ]);
    expect((await stored()).map((w) => [w.workspaceId, w.workflowId])).toEqual([
      ["user_c", third._id],
      ["ws_b", other._id],
      ...[reference[0]._id, reference[2]._id].sort().map((id) => ["ws_pilot", id]),
    ]);
    const all = await importJson(jsonl, "--workspace", "ws_all", "--workspace-of", "user_b=ws_b");
    expect(all.report!.imported.map((e) => e.workspaceId)).toEqual(["ws_all", "ws_all", "ws_all"]);
    expect(all.report!.unchanged.map((e) => [e.id, e.workspaceId])).toEqual([[other._id, "ws_b"]]);
  });

  it("fails a document without an owner unless --workspace is given, and an id given twice on every line", async () => {
    const { userId: _, ...ownerless } = reference[2];
    const jsonl = file("odd.jsonl", lines([ownerless, reference[0], { ...reference[0], name: "again" }]));
    const r = await importJson(jsonl);
    expect(r.code).toBe(1);
    expect(r.report!.imported).toEqual([]);
    expect(r.report!.failed.map((f) => [f.line, f.reason])).toEqual([
      [1, expect.stringMatching(/no userId.*give --workspace/)],
      [2, expect.stringMatching(/is on lines 2, 3: an export holds one document per id/)],
      [3, expect.stringMatching(/is on lines 2, 3/)],
    ]);
    const withWs = await importJson(file("ownerless.jsonl", lines([ownerless])), "--workspace", "ws_x");
    expect(withWs.code).toBe(0);
    expect(withWs.report!.imported[0]).toMatchObject({ owner: null, workspaceId: "ws_x" });
  });
});

describe("running an imported workflow by its id", () => {
  const digest = reference.find((d) => d.name === "Article digest")!;

  it("runs the imported workflow on the embedded Convex executor (mock provider), in its owner's workspace", async () => {
    const r0 = await importJson(file("digest.jsonl", lines([digest])));
    expect(r0.code).toBe(0);
    const r = await runInProcess(
      [registerRun],
      ["run", digest._id as string, "--provider", "mock", "--json"],
    );
    expect(r.stderr).toContain(`imported workflow ${digest._id} "Article digest" (workspace ${OWNER})`);
    expect(r.code).toBe(0);
    const record = RunRecord.parse(JSON.parse(r.stdout));
    expect(record).toMatchObject({ workflowId: digest._id, workspaceId: OWNER, executor: "convex" });
    expect(record.status).toBe("completed");
    expect(record.steps.map((s) => s.name)).toEqual([
      "node-input-1-input",
      "node-ai-1758200100000-ai",
      "node-ai-1758200200000-ai",
    ]);
    // `run <file>` is untouched: a path still reads the file.
    const fromFile = await runInProcess(
      [registerRun],
      ["run", join(refDir, "g03-text-chain.json"), "--provider", "mock", "--json", "--workspace", "ws_file"],
    );
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ workflowId: digest._id, workspaceId: "ws_file" });
  });

  it("asks for --workspace when the id is in several workspaces, and refuses one it is not in", async () => {
    const jsonl = file("digest.jsonl", lines([digest]));
    await importJson(jsonl);
    await importJson(jsonl, "--workspace", "ws_pilot");
    const id = digest._id as string;
    const ambiguous = await runInProcess([registerRun], ["run", id, "--json"]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain(
      `imported workflow ${id} is in 2 workspaces (${OWNER}, ws_pilot): give --workspace`,
    );
    const elsewhere = await runInProcess([registerRun], ["run", id, "--workspace", "ws_none", "--json"]);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain(`is not in workspace ws_none (it is in ${OWNER}, ws_pilot)`);
    const chosen = await runInProcess([registerShadow], ["shadow", id, "--workspace", "ws_pilot", "--json"]);
    expect(chosen.code).toBe(0);
    const pair = JSON.parse(chosen.stdout);
    expect(pair.primary).toMatchObject({ workflowId: id, workspaceId: "ws_pilot", status: "completed" });
    expect(pair.parity.verdict).not.toBe("mismatch");
  });

  it("flags set on an imported id says which workflow the flag lands on", async () => {
    await importJson(file("digest.jsonl", lines([digest])));
    const id = digest._id as string;
    const r = await runInProcess(
      [registerFlags],
      ["flags", "set", id, "shadow", "--reason", "pilot", "--json"],
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${id} is imported workflow "Article digest" (workspace ${OWNER})`);
    expect(JSON.parse(r.stdout)).toMatchObject({ workflowId: id, stage: "shadow", version: 1 });
  });

  it("says an unknown id is neither a file nor imported, and keeps a missing file's message, writing nothing", async () => {
    const unknown = await runInProcess([registerRun], ["run", "jd7nosuchworkflow"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /jd7nosuchworkflow is neither a workflow file nor the id of an imported workflow/,
    );
    const missing = await runInProcess([registerRun], ["run", join(tmp, "missing.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read workflow .*missing\.json: no such file/);
    expect(existsSync(home)).toBe(false);
  });
});
