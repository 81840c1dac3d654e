// How is the control plane kept without an account or a network? The store port over one SQLite file (WAL).
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import type { RunRecord } from "../executors/records.ts";
import { type AuditEntry, DEFAULT_GLOBALS, type FlagDoc, type Globals } from "../flags/flag.ts";
import { decideFlagWrite, decideGlobalsWrite, type FlagWrite, type GlobalsWrite } from "../flags/write.ts";
import type { DailyRollup, RollupKey } from "../rollups/daily.ts";
import { cutoverHome } from "./home.ts";
import {
  checkImportBatch,
  checkImportedQuery,
  decideImport,
  type ImportedWorkflow,
  type ImportedWorkflowPage,
  type ImportedWorkflowQuery,
  type ImportOutcome,
  summaryOf,
} from "./imported-workflows.ts";
import {
  checkDay,
  checkId,
  checkLeaseMs,
  checkPair,
  checkQuery,
  checkRecord,
  checkResult,
  checkResults,
  checkRole,
  checkSlotLimit,
  checkTime,
  checkUsd,
  iteratePages,
  StoreInputError,
} from "./input.ts";
import {
  type ControlStore,
  DEFAULT_WORKSPACE,
  MAX_PAGE,
  type PairRole,
  type ResultPage,
  type ResultQuery,
  type RollupQuery,
  type ShadowPair,
  type StoredParityResult,
  spendKey,
} from "./port.ts";
import { ROLLUPS_MIGRATION, SqliteRollups } from "./sqlite-rollups.ts";

/** Schema migrations; PRAGMA user_version counts how many have run. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE flags (workflow_id TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE globals (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE flag_audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id TEXT NOT NULL, version INTEGER NOT NULL, entry TEXT NOT NULL,
    UNIQUE (workflow_id, version)
  );
  CREATE TABLE shadow_pairs (
    pair_id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, workflow_id TEXT NOT NULL,
    primary_run_id TEXT NOT NULL, shadow_run_id TEXT, status TEXT NOT NULL, created_at TEXT NOT NULL
  );
  CREATE INDEX shadow_pairs_by_workspace ON shadow_pairs (workspace_id, workflow_id, created_at);
  CREATE TABLE pair_runs (
    pair_id TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('primary', 'shadow')),
    workspace_id TEXT NOT NULL, run_id TEXT NOT NULL, record TEXT NOT NULL,
    PRIMARY KEY (pair_id, role)
  );
  CREATE TABLE parity_results (
    pair_id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, workspace_id TEXT NOT NULL,
    verdict TEXT NOT NULL, compared_at TEXT NOT NULL, doc TEXT NOT NULL
  );
  CREATE INDEX parity_results_by_time ON parity_results (compared_at, pair_id);
  CREATE INDEX parity_results_by_workflow ON parity_results (workflow_id, compared_at, pair_id);
  CREATE INDEX parity_results_by_workspace ON parity_results (workspace_id, workflow_id, compared_at, pair_id);
  CREATE INDEX parity_results_by_verdict ON parity_results (verdict, compared_at, pair_id);
  CREATE TABLE shadow_spend (
    workflow_id TEXT NOT NULL, day TEXT NOT NULL, usd REAL NOT NULL, PRIMARY KEY (workflow_id, day)
  );
  `,
  // A workspace's results newest first without a sort (the workspace+workflow index cannot order them).
  "CREATE INDEX parity_results_by_workspace_time ON parity_results (workspace_id, compared_at, pair_id);",
  // Leases on the slots that bound how many shadows run at once (lease_until in ms since the epoch).
  "CREATE TABLE shadow_slots (key TEXT NOT NULL, holder_id TEXT NOT NULL, lease_until INTEGER NOT NULL, PRIMARY KEY (key, holder_id));",
  // inferpipe workflows brought in by `cutover import` (the row as JSON text, keyed by workspace and id).
  `
  CREATE TABLE imported_workflows (
    workspace_id TEXT NOT NULL, workflow_id TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (workspace_id, workflow_id)
  );
  CREATE INDEX imported_workflows_by_id ON imported_workflows (workflow_id, workspace_id);
  `,
  // Daily rollups (rollups/daily.ts), kept in the transaction that stores each result.
  ROLLUPS_MIGRATION,
];

export interface SqliteStoreOptions {
  /** The database file; default `$CUTOVER_HOME/state.db`. ":memory:" for a throwaway store. */
  path?: string;
}

/** Returns the database path a store opens by default. */
export function defaultDbPath(): string {
  return join(cutoverHome(), "state.db");
}

/** Returns a store over the SQLite file, creating it (and its schema) when absent. */
export function openSqliteStore(options: SqliteStoreOptions = {}): ControlStore {
  const path = options.path ?? defaultDbPath();
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  // Another process holding the write lock is waited for rather than reported as an error.
  db.pragma("busy_timeout = 5000");
  migrate(db);
  return new SqliteStore(db);
}

function migrate(db: Database.Database): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `state.db has schema version ${current}, newer than this cutover knows (${MIGRATIONS.length})`,
    );
  }
  db.transaction(() => {
    // Re-read under the write lock: a second process may have migrated meanwhile.
    const at = db.pragma("user_version", { simple: true }) as number;
    for (let v = at; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

interface Cursor {
  at: string;
  id: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id])).toString("base64url");
}

function decodeCursor(s: string): Cursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
    if (typeof at === "string" && typeof id === "string") return { at, id };
  } catch {}
  throw new StoreInputError("cursor", "not a cursor this store returned");
}

type PairRow = {
  pair_id: string;
  workspace_id: string;
  workflow_id: string;
  primary_run_id: string;
  shadow_run_id: string | null;
  status: string;
  created_at: string;
};

function pairFromRow(r: PairRow): ShadowPair {
  return {
    pairId: r.pair_id,
    workspaceId: r.workspace_id,
    workflowId: r.workflow_id,
    primaryRunId: r.primary_run_id,
    shadowRunId: r.shadow_run_id,
    status: r.status,
    createdAt: r.created_at,
  };
}

class SqliteStore implements ControlStore {
  private readonly stmt;
  private readonly casFlag;
  private readonly casGlobals;
  private readonly writeResults;
  private readonly rollups: SqliteRollups;
  private readonly takeSlot;
  private readonly writeImports;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      getFlag: db.prepare<[string], { doc: string }>("SELECT doc FROM flags WHERE workflow_id = ?"),
      listFlags: db.prepare<[], { doc: string }>("SELECT doc FROM flags ORDER BY workflow_id"),
      upsertFlag: db.prepare(
        "INSERT INTO flags (workflow_id, version, doc) VALUES (?, ?, ?) ON CONFLICT (workflow_id) DO UPDATE SET version = excluded.version, doc = excluded.doc",
      ),
      getGlobals: db.prepare<[], { doc: string }>("SELECT doc FROM globals WHERE id = 1"),
      upsertGlobals: db.prepare(
        "INSERT INTO globals (id, version, doc) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version, doc = excluded.doc",
      ),
      appendAudit: db.prepare("INSERT INTO flag_audit (workflow_id, version, entry) VALUES (?, ?, ?)"),
      listAudit: db.prepare<[string, number], { entry: string }>(
        "SELECT entry FROM flag_audit WHERE workflow_id = ? ORDER BY seq LIMIT ?",
      ),
      insertPair: db.prepare(
        "INSERT INTO shadow_pairs (pair_id, workspace_id, workflow_id, primary_run_id, shadow_run_id, status, created_at) VALUES (@pairId, @workspaceId, @workflowId, @primaryRunId, @shadowRunId, @status, @createdAt) ON CONFLICT (pair_id) DO NOTHING",
      ),
      getPair: db.prepare<[string], PairRow>("SELECT * FROM shadow_pairs WHERE pair_id = ?"),
      updatePair: db.prepare(
        "UPDATE shadow_pairs SET status = coalesce(@status, status), shadow_run_id = CASE WHEN @setShadow THEN @shadowRunId ELSE shadow_run_id END WHERE pair_id = @pairId AND workspace_id = @workspaceId",
      ),
      putRun: db.prepare(
        "INSERT INTO pair_runs (pair_id, role, workspace_id, run_id, record) VALUES (?, ?, ?, ?, ?) ON CONFLICT (pair_id, role) DO UPDATE SET run_id = excluded.run_id, record = excluded.record",
      ),
      getRuns: db.prepare<[string, string | null, string | null], { role: PairRole; record: string }>(
        "SELECT role, record FROM pair_runs WHERE pair_id = ? AND (? IS NULL OR workspace_id = ?)",
      ),
      putResult: db.prepare(
        "INSERT INTO parity_results (pair_id, workflow_id, workspace_id, verdict, compared_at, doc) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pair_id) DO UPDATE SET workflow_id = excluded.workflow_id, workspace_id = excluded.workspace_id, verdict = excluded.verdict, compared_at = excluded.compared_at, doc = excluded.doc",
      ),
      getResult: db.prepare<[string, string | null, string | null], { doc: string }>(
        "SELECT doc FROM parity_results WHERE pair_id = ? AND (? IS NULL OR workspace_id = ?)",
      ),
      addSpend: db.prepare<[string, string, number], { usd: number }>(
        "INSERT INTO shadow_spend (workflow_id, day, usd) VALUES (?, ?, ?) ON CONFLICT (workflow_id, day) DO UPDATE SET usd = usd + excluded.usd RETURNING usd",
      ),
      getSpend: db.prepare<[string, string], { usd: number }>(
        "SELECT usd FROM shadow_spend WHERE workflow_id = ? AND day = ?",
      ),
    };

    // Read, decide and write under one IMMEDIATE transaction: the write lock is taken before the version is
    // read, so two connections can never both see the same version and both win.
    this.casFlag = db.transaction((write: FlagWrite): FlagDoc => {
      const { doc, audit } = decideFlagWrite(write, this.readFlag(write.workflowId), this.readGlobals());
      this.stmt.upsertFlag.run(doc.workflowId, doc.version, JSON.stringify(doc));
      this.stmt.appendAudit.run(audit.workflowId, audit.version, JSON.stringify(audit));
      return doc;
    });
    this.rollups = new SqliteRollups(db);
    this.writeResults = db.transaction((results: StoredParityResult[]) => {
      for (const r of results) {
        const replaced = this.stmt.getResult.get(r.pairId, null, null);
        this.stmt.putResult.run(
          r.pairId,
          r.workflowId,
          r.workspaceId,
          r.verdict,
          r.comparedAt,
          JSON.stringify(r),
        );
        this.rollups.add(r, replaced ? (JSON.parse(replaced.doc) as StoredParityResult) : null);
      }
    });
    const dropExpired = db.prepare("DELETE FROM shadow_slots WHERE key = ? AND lease_until <= ?");
    const renewSlot = db.prepare("UPDATE shadow_slots SET lease_until = ? WHERE key = ? AND holder_id = ?");
    const countSlots = db.prepare<[string], { n: number }>(
      "SELECT count(*) AS n FROM shadow_slots WHERE key = ?",
    );
    const insertSlot = db.prepare("INSERT INTO shadow_slots (key, holder_id, lease_until) VALUES (?, ?, ?)");
    // Count and take under one IMMEDIATE transaction, so two processes never both take the last slot.
    this.takeSlot = db.transaction((key: string, limit: number, leaseMs: number, holderId: string) => {
      const now = Date.now();
      dropExpired.run(key, now);
      if (renewSlot.run(now + leaseMs, key, holderId).changes > 0) return true;
      if (countSlots.get(key)!.n >= limit) return false;
      insertSlot.run(key, holderId, now + leaseMs);
      return true;
    });
    const getImported = db.prepare<[string, string], { doc: string }>(
      "SELECT doc FROM imported_workflows WHERE workspace_id = ? AND workflow_id = ?",
    );
    const upsertImported = db.prepare(
      "INSERT INTO imported_workflows (workspace_id, workflow_id, doc) VALUES (?, ?, ?) ON CONFLICT (workspace_id, workflow_id) DO UPDATE SET doc = excluded.doc",
    );
    // Every row is compared with what is stored and written under one IMMEDIATE transaction: all or none.
    this.writeImports = db.transaction((rows: ReturnType<typeof checkImportBatch>): ImportOutcome[] =>
      rows.rows.map((next) => {
        const found = getImported.get(next.workspaceId, next.workflowId);
        const existing = found ? (JSON.parse(found.doc) as ImportedWorkflow) : null;
        const { outcome, row } = decideImport(existing, next, rows.at);
        if (row) upsertImported.run(row.workspaceId, row.workflowId, JSON.stringify(row));
        return outcome;
      }),
    );
    this.casGlobals = db.transaction((write: GlobalsWrite): Globals => {
      const flags = this.stmt.listFlags.all().map((r) => JSON.parse(r.doc) as FlagDoc);
      const { doc, audit } = decideGlobalsWrite(write, this.readGlobals(), flags);
      this.stmt.upsertGlobals.run(doc.version, JSON.stringify(doc));
      this.stmt.appendAudit.run(audit.workflowId, audit.version, JSON.stringify(audit));
      return doc;
    });
  }

  private readFlag(workflowId: string): FlagDoc | null {
    const row = this.stmt.getFlag.get(workflowId);
    return row ? (JSON.parse(row.doc) as FlagDoc) : null;
  }

  private readGlobals(): Globals {
    const row = this.stmt.getGlobals.get();
    return row ? (JSON.parse(row.doc) as Globals) : { ...DEFAULT_GLOBALS };
  }

  async getFlag(workflowId: string): Promise<FlagDoc | null> {
    return this.readFlag(checkId("workflowId", workflowId));
  }

  async listFlags(): Promise<FlagDoc[]> {
    return this.stmt.listFlags.all().map((r) => JSON.parse(r.doc) as FlagDoc);
  }

  async compareAndSetFlag(write: FlagWrite): Promise<FlagDoc> {
    return this.casFlag.immediate(write);
  }

  async getGlobals(): Promise<Globals> {
    return this.readGlobals();
  }

  async compareAndSetGlobals(write: GlobalsWrite): Promise<Globals> {
    return this.casGlobals.immediate(write);
  }

  async listAudit(workflowId: string, options: { limit?: number } = {}): Promise<AuditEntry[]> {
    const rows = this.stmt.listAudit.all(checkId("workflowId", workflowId), options.limit ?? 1000);
    return rows.map((r) => JSON.parse(r.entry) as AuditEntry);
  }

  async putPair(input: unknown): Promise<{ created: boolean }> {
    const pair = checkPair(input);
    const info = this.stmt.insertPair.run({ ...pair, shadowRunId: pair.shadowRunId ?? null });
    return { created: info.changes === 1 };
  }

  async getPair(pairId: string, workspaceId?: string): Promise<ShadowPair | null> {
    const row = this.stmt.getPair.get(checkId("pairId", pairId));
    if (!row || (workspaceId !== undefined && row.workspace_id !== workspaceId)) return null;
    return pairFromRow(row);
  }

  async updatePair(
    pairId: string,
    workspaceId: string,
    patch: { status?: string; shadowRunId?: string | null },
  ): Promise<ShadowPair | null> {
    if (patch.status !== undefined && patch.status === "")
      throw new StoreInputError("status", "must not be empty");
    this.stmt.updatePair.run({
      pairId: checkId("pairId", pairId),
      workspaceId: checkId("workspaceId", workspaceId),
      status: patch.status ?? null,
      setShadow: patch.shadowRunId !== undefined ? 1 : 0,
      shadowRunId: patch.shadowRunId ?? null,
    });
    return this.getPair(pairId, workspaceId);
  }

  async claimStalePairs(olderThan: string, limit = 100): Promise<ShadowPair[]> {
    const cutoff = checkTime("olderThan", olderThan);
    const rows = this.db
      .prepare<[string, number], PairRow>(
        "UPDATE shadow_pairs SET status = 'abandoned' WHERE pair_id IN (SELECT pair_id FROM shadow_pairs WHERE status = 'waiting-for-primary' AND created_at < ? ORDER BY created_at LIMIT ?) RETURNING *",
      )
      .all(cutoff, Math.max(1, Math.min(limit, MAX_PAGE)));
    return rows.map(pairFromRow);
  }

  async putRunRecord(pairId: string, role: PairRole, input: RunRecord): Promise<void> {
    const record = checkRecord(input);
    checkRole(role);
    const pair = this.stmt.getPair.get(checkId("pairId", pairId));
    if (!pair) throw new StoreInputError("pairId", `no stored pair ${pairId}`);
    if (pair.workspace_id !== record.workspaceId) {
      throw new StoreInputError("record.workspaceId", `pair ${pairId} belongs to another workspace`);
    }
    this.stmt.putRun.run(pairId, role, record.workspaceId, record.runId, JSON.stringify(record));
  }

  async getRunRecords(
    pairId: string,
    workspaceId?: string,
  ): Promise<{ primary: RunRecord | null; shadow: RunRecord | null }> {
    const ws = workspaceId ?? null;
    const out: { primary: RunRecord | null; shadow: RunRecord | null } = { primary: null, shadow: null };
    for (const row of this.stmt.getRuns.all(checkId("pairId", pairId), ws, ws)) {
      out[row.role] = JSON.parse(row.record) as RunRecord;
    }
    return out;
  }

  async listRollups(query: RollupQuery = {}): Promise<DailyRollup[]> {
    return this.rollups.list(query);
  }

  async countUncoveredPair(key: RollupKey, why: "dropped" | "over-budget"): Promise<void> {
    this.db.transaction(() => this.rollups.countUncovered(key, why)).immediate();
  }

  async putResult(input: unknown): Promise<void> {
    this.writeResults([checkResult(input)]);
  }

  async putResults(inputs: readonly unknown[]): Promise<void> {
    const checked = checkResults(inputs);
    this.writeResults(checked);
  }

  async getResult(pairId: string, workspaceId?: string): Promise<StoredParityResult | null> {
    const ws = workspaceId ?? null;
    const row = this.stmt.getResult.get(checkId("pairId", pairId), ws, ws);
    return row ? (JSON.parse(row.doc) as StoredParityResult) : null;
  }

  async listResults(query: ResultQuery = {}): Promise<ResultPage> {
    const q = checkQuery(query);
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.workspaceId !== undefined) {
      where.push("workspace_id = ?");
      args.push(q.workspaceId);
    }
    if (q.workflowId !== undefined) {
      where.push("workflow_id = ?");
      args.push(q.workflowId);
    }
    if (q.verdict !== undefined) {
      where.push("verdict = ?");
      args.push(q.verdict);
    }
    if (q.since !== undefined) {
      where.push("compared_at >= ?");
      args.push(q.since);
    }
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      // A row-value comparison, so SQLite seeks the index to the cursor instead of scanning up to it.
      where.push("(compared_at, pair_id) < (?, ?)");
      args.push(c.at, c.id);
    }
    // One more row than asked tells whether another page exists.
    const sql = `SELECT pair_id, compared_at, doc FROM parity_results ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY compared_at DESC, pair_id DESC LIMIT ?`;
    const rows = this.db
      .prepare<unknown[], { pair_id: string; compared_at: string; doc: string }>(sql)
      .all(...args, q.limit + 1);
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    return {
      results: page.map((r) => JSON.parse(r.doc) as StoredParityResult),
      nextCursor: more && last ? encodeCursor({ at: last.compared_at, id: last.pair_id }) : null,
    };
  }

  iterateResults(
    query: Omit<ResultQuery, "limit" | "cursor"> = {},
    pageSize = 1000,
  ): AsyncIterable<StoredParityResult> {
    return iteratePages((q) => this.listResults(q), query, pageSize);
  }

  // The workflow_id column holds spendKey(workspace, workflow): spend is per tenant's workflow.
  async addShadowSpend(
    workflowId: string,
    day: string,
    usd: number,
    workspaceId = DEFAULT_WORKSPACE,
  ): Promise<number> {
    const key = spendKey(checkId("workspaceId", workspaceId), checkId("workflowId", workflowId));
    return this.stmt.addSpend.get(key, checkDay(day), checkUsd(usd))!.usd;
  }

  async getShadowSpend(workflowId: string, day: string, workspaceId = DEFAULT_WORKSPACE): Promise<number> {
    const key = spendKey(checkId("workspaceId", workspaceId), checkId("workflowId", workflowId));
    return this.stmt.getSpend.get(key, checkDay(day))?.usd ?? 0;
  }

  async acquireShadowSlot(key: string, limit: number, leaseMs: number, holderId: string): Promise<boolean> {
    return this.takeSlot.immediate(
      checkId("key", key),
      checkSlotLimit(limit),
      checkLeaseMs(leaseMs),
      checkId("holderId", holderId),
    );
  }

  async releaseShadowSlot(key: string, holderId: string): Promise<void> {
    this.db
      .prepare("DELETE FROM shadow_slots WHERE key = ? AND holder_id = ?")
      .run(checkId("key", key), checkId("holderId", holderId));
  }

  async putImportedWorkflows(
    rows: readonly unknown[],
    options: { at?: string } = {},
  ): Promise<ImportOutcome[]> {
    return this.writeImports.immediate(checkImportBatch(rows, options.at));
  }

  async getImportedWorkflow(workspaceId: string, workflowId: string): Promise<ImportedWorkflow | null> {
    const row = this.db
      .prepare<[string, string], { doc: string }>(
        "SELECT doc FROM imported_workflows WHERE workspace_id = ? AND workflow_id = ?",
      )
      .get(checkId("workspaceId", workspaceId), checkId("workflowId", workflowId));
    return row ? (JSON.parse(row.doc) as ImportedWorkflow) : null;
  }

  async findImportedWorkflow(workflowId: string): Promise<ImportedWorkflow[]> {
    return this.db
      .prepare<[string], { doc: string }>(
        "SELECT doc FROM imported_workflows WHERE workflow_id = ? ORDER BY workspace_id",
      )
      .all(checkId("workflowId", workflowId))
      .map((r) => JSON.parse(r.doc) as ImportedWorkflow);
  }

  async listImportedWorkflows(query: ImportedWorkflowQuery = {}): Promise<ImportedWorkflowPage> {
    const q = checkImportedQuery(query);
    const where: string[] = [];
    const args: string[] = [];
    if (q.workspaceId !== undefined) {
      where.push("workspace_id = ?");
      args.push(q.workspaceId);
    }
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      where.push("(workspace_id, workflow_id) > (?, ?)");
      args.push(c.at, c.id);
    }
    const sql = `SELECT workspace_id, workflow_id, doc FROM imported_workflows ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY workspace_id, workflow_id LIMIT ?`;
    const rows = this.db
      .prepare<unknown[], { workspace_id: string; workflow_id: string; doc: string }>(sql)
      .all(...args, q.limit + 1);
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    return {
      workflows: page.map((r) => summaryOf(JSON.parse(r.doc) as ImportedWorkflow)),
      nextCursor: more && last ? encodeCursor({ at: last.workspace_id, id: last.workflow_id }) : null,
    };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
