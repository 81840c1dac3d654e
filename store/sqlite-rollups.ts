// How does the SQLite store keep its daily rollups? One row per key, folded in the transaction that stores each result.
import type { Database } from "better-sqlite3";
import {
  type DailyRollup,
  emptyRollup,
  RollupFolder,
  type RollupKey,
  rollupKeyOf,
  withResult,
  withUncovered,
} from "../rollups/daily.ts";
import type { RollupQuery, StoredParityResult } from "./port.ts";

export const ROLLUPS_MIGRATION = `
  CREATE TABLE daily_rollups (
    workspace_id TEXT NOT NULL, workflow_id TEXT NOT NULL, day TEXT NOT NULL, flag_version INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (workspace_id, workflow_id, day, flag_version)
  );
  CREATE INDEX daily_rollups_by_workflow ON daily_rollups (workflow_id, day);
  CREATE INDEX daily_rollups_by_day ON daily_rollups (day);
`;

type KeyArgs = [string, string, string, number];
const MAX_CACHED_FOLDERS = 256;
const keyArgs = (k: RollupKey): KeyArgs => [k.workspaceId, k.workflowId, k.day, k.flagVersion];

/** The rollup statements of one database; every method runs inside the caller's transaction. */
export class SqliteRollups {
  private readonly get;
  private readonly put;
  private readonly dayResults;

  constructor(private readonly db: Database) {
    this.get = db.prepare<KeyArgs, { doc: string }>(
      "SELECT doc FROM daily_rollups WHERE workspace_id = ? AND workflow_id = ? AND day = ? AND flag_version = ?",
    );
    this.put = db.prepare(
      "INSERT INTO daily_rollups (workspace_id, workflow_id, day, flag_version, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, workflow_id, day, flag_version) DO UPDATE SET doc = excluded.doc",
    );
    this.dayResults = db.prepare<[string, string, string, string], { doc: string }>(
      "SELECT doc FROM parity_results WHERE workspace_id = ? AND workflow_id = ? AND compared_at >= ? AND compared_at < ?",
    );
  }

  /**
   * The folder of each row this store last wrote, with the text it wrote: while the row's text in the
   * database is still that text (no other process wrote it since), the folder goes on from its decoded
   * sketches instead of parsing and decoding the row again. Bounded, oldest rows dropped first.
   */
  private readonly folders = new Map<string, { doc: string; folder: RollupFolder }>();

  private read(key: RollupKey): DailyRollup {
    const row = this.get.get(...keyArgs(key));
    return row ? (JSON.parse(row.doc) as DailyRollup) : emptyRollup(key);
  }

  private write(row: DailyRollup): void {
    this.put.run(...keyArgs(row), JSON.stringify(row));
  }

  /**
   * Folds a stored result into its row. `replaced` is the pair's earlier result when this one replaces it
   * (a re-comparison): a rollup cannot take a pair out, so the rows of both are rebuilt from their results.
   */
  add(result: StoredParityResult, replaced: StoredParityResult | null): void {
    if (!replaced) {
      const key = rollupKeyOf(result);
      const id = keyArgs(key).join("\u0000");
      const stored = this.get.get(...keyArgs(key))?.doc;
      let cached = this.folders.get(id);
      if (!cached || cached.doc !== stored) {
        cached = {
          doc: "",
          folder: new RollupFolder(
            stored === undefined ? emptyRollup(key) : (JSON.parse(stored) as DailyRollup),
          ),
        };
      }
      const doc = JSON.stringify(cached.folder.add(result).toRow());
      this.put.run(...keyArgs(key), doc);
      this.folders.delete(id);
      this.folders.set(id, { doc, folder: cached.folder });
      if (this.folders.size > MAX_CACHED_FOLDERS) this.folders.delete(this.folders.keys().next().value!);
      return;
    }
    this.folders.clear();
    this.rebuild(rollupKeyOf(replaced));
    this.rebuild(rollupKeyOf(result));
  }

  /** Counts a pair that got no result: dropped for capacity, or skipped over the live budget. */
  countUncovered(key: RollupKey, why: "dropped" | "over-budget"): void {
    this.folders.delete(keyArgs(key).join("\u0000"));
    this.write(withUncovered(this.read(key), why));
  }

  /** Recomputes a row's result counts from the results stored under its key (its uncovered counts are kept). */
  private rebuild(key: RollupKey): void {
    const old = this.read(key);
    let row = { ...emptyRollup(key), dropped: old.dropped, overBudget: old.overBudget };
    const next = new Date(Date.parse(`${key.day}T00:00:00Z`) + 86_400_000).toISOString();
    for (const { doc } of this.dayResults.all(key.workspaceId, key.workflowId, `${key.day}T00:00:00`, next)) {
      const result = JSON.parse(doc) as StoredParityResult;
      if (result.flagVersion === key.flagVersion) row = withResult(row, result);
    }
    this.write(row);
  }

  /** Returns the rows matching the query, oldest day first. */
  list(query: RollupQuery): DailyRollup[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (sql: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(sql);
      args.push(value);
    };
    add("workspace_id = ?", query.workspaceId);
    add("workflow_id = ?", query.workflowId);
    add("flag_version = ?", query.flagVersion);
    add("day >= ?", query.sinceDay);
    add("day <= ?", query.untilDay);
    const sql = `SELECT doc FROM daily_rollups ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY day, workspace_id, workflow_id, flag_version`;
    return this.db
      .prepare<unknown[], { doc: string }>(sql)
      .all(...args)
      .map((r) => JSON.parse(r.doc) as DailyRollup);
  }
}
