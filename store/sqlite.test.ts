import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FlagConflictError } from "../flags/errors.ts";
import { defaultFlagState } from "../flags/flag.ts";
import { describeStoreContract } from "./contract.ts";
import { openSqliteStore } from "./sqlite.ts";

const root = mkdtempSync(join(tmpdir(), "cutover-sqlite-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(root, `s${n++}`, "state.db");

describeStoreContract("sqlite", () => openSqliteStore({ path: freshPath() }));

describe("sqlite store file", () => {
  const saved = process.env.CUTOVER_HOME;
  afterEach(() => {
    if (saved === undefined) delete process.env.CUTOVER_HOME;
    else process.env.CUTOVER_HOME = saved;
  });

  it("lives at $CUTOVER_HOME/state.db, read when opened, in WAL mode with a versioned schema", async () => {
    process.env.CUTOVER_HOME = join(root, "home-a");
    const store = openSqliteStore();
    await store.compareAndSetFlag({
      workflowId: "wf1",
      expectedVersion: 0,
      next: defaultFlagState(),
      actor: "a",
      reason: "r",
    });
    await store.close();
    const db = new Database(join(root, "home-a", "state.db"), { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("user_version", { simple: true })).toBe(5);
    expect(db.prepare("SELECT count(*) AS n FROM flag_audit").get()).toEqual({ n: 1 });
    db.close();
  });

  it("keeps its data across reopen", async () => {
    const path = freshPath();
    const a = openSqliteStore({ path });
    await a.compareAndSetFlag({
      workflowId: "wf1",
      expectedVersion: 0,
      next: defaultFlagState(),
      actor: "a",
      reason: "r",
    });
    await a.close();
    const b = openSqliteStore({ path });
    expect((await b.getFlag("wf1"))?.version).toBe(1);
    await b.close();
  });

  it("refuses a database from a newer cutover", async () => {
    const path = freshPath();
    await openSqliteStore({ path }).close();
    const db = new Database(path);
    db.pragma("user_version = 99");
    db.close();
    expect(() => openSqliteStore({ path })).toThrow(/schema version 99/);
  });

  it("decides compare-and-set across separate connections to one file", async () => {
    const path = freshPath();
    const stores = Array.from({ length: 4 }, () => openSqliteStore({ path }));
    await stores[0].compareAndSetFlag({
      workflowId: "wf1",
      expectedVersion: 0,
      next: defaultFlagState(),
      actor: "a",
      reason: "r",
    });
    const outcomes = await Promise.allSettled(
      stores.map((s, i) =>
        s.compareAndSetFlag({
          workflowId: "wf1",
          expectedVersion: 1,
          next: { ...defaultFlagState(), stage: "shadow" },
          actor: `c${i}`,
          reason: "race",
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    expect(
      outcomes.filter((o) => o.status === "rejected" && o.reason instanceof FlagConflictError),
    ).toHaveLength(3);
    expect(await stores[3].listAudit("wf1")).toHaveLength(2);
    for (const s of stores) await s.close();
  });

  it("rolls back the flag write when its audit entry cannot be written", async () => {
    const path = freshPath();
    const store = openSqliteStore({ path });
    const db = new Database(path);
    // A conflicting audit row makes the second statement of the transaction fail.
    db.prepare("INSERT INTO flag_audit (workflow_id, version, entry) VALUES ('wf1', 1, '{}')").run();
    db.close();
    await expect(
      store.compareAndSetFlag({
        workflowId: "wf1",
        expectedVersion: 0,
        next: defaultFlagState(),
        actor: "a",
        reason: "r",
      }),
    ).rejects.toThrow(/UNIQUE/);
    expect(await store.getFlag("wf1")).toBeNull();
    await store.close();
  });
});

describe("sqlite store across processes", () => {
  it("never loses an update when separate processes race read-modify-CAS on one flag", async () => {
    const { execFile } = await import("node:child_process");
    const { existsSync, writeFileSync } = await import("node:fs");
    const { promisify } = await import("node:util");
    const run = promisify(execFile);
    const dir = join(root, "race");
    const path = join(dir, "state.db");
    const seed = openSqliteStore({ path });
    await seed.compareAndSetFlag({
      workflowId: "wf1",
      expectedVersion: 0,
      next: defaultFlagState(),
      actor: "seed",
      reason: "r",
    });
    await seed.close();

    const tsx = join(import.meta.dirname, "..", "node_modules", ".bin", "tsx");
    const writer = join(import.meta.dirname, "race-writer.ts");
    const go = join(dir, "go");
    const writers = ["a", "b", "c"].map((actor) => ({
      ready: join(dir, `ready-${actor}`),
      done: run(tsx, [writer, path, actor, join(dir, `ready-${actor}`), go, "30"], {
        env: { ...process.env, CUTOVER_LOG_LEVEL: "silent" },
      }),
    }));
    while (!writers.every((w) => existsSync(w.ready))) await new Promise((r) => setTimeout(r, 10));
    writeFileSync(go, "");
    const outcomes = (await Promise.all(writers.map((w) => w.done))).map((o) => JSON.parse(o.stdout));

    const won = outcomes.reduce((s, o) => s + o.won, 0);
    expect(outcomes.reduce((s, o) => s + o.won + o.lost, 0)).toBe(90);
    const store = openSqliteStore({ path });
    const audit = await store.listAudit("wf1");
    // Every accepted write is in the audit, versions are contiguous, and each change starts where the last ended.
    expect((await store.getFlag("wf1"))?.version).toBe(1 + won);
    expect(audit.map((a) => a.version)).toEqual(Array.from({ length: 1 + won }, (_, i) => i + 1));
    for (let i = 1; i < audit.length; i++) expect(audit[i].from).toEqual(audit[i - 1].to);
    await store.close();
  }, 60_000);
});
