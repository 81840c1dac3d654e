// Which store does a command read and write? The one openStore() picks, closed when the command is done; a command
// that only reads never creates one.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cutoverHome, homeProblem } from "../store/home.ts";
import { openStore, StoreConfigError } from "../store/index.ts";
import { StoreInputError } from "../store/input.ts";
import type { ControlStore } from "../store/port.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { EnvironmentError, networkFailure, UsageError } from "./exit.ts";

export interface StoreUse {
  /**
   * The command only reads: with no local state.db yet it reads an empty store in memory (and says on
   * stderr where it looked) instead of creating the file.
   */
  readOnly?: boolean;
}

/**
 * Returns the local store, or an empty one in memory (with the note to print once the command has
 * answered) when a read-only command finds no state.db.
 */
function open(use: StoreUse): { store: ControlStore; note?: string } {
  if (!process.env.CONVEX_URL) {
    const problem = homeProblem();
    if (problem) throw new EnvironmentError(problem);
    const db = join(cutoverHome(), "state.db");
    if (use.readOnly && !existsSync(db)) {
      return {
        store: openSqliteStore({ path: ":memory:" }),
        note: `cutover: no state at ${db} yet: nothing is stored, so the answer is empty\n`,
      };
    }
    try {
      return { store: openStore() };
    } catch (err) {
      // A state.db that is not a database, is locked past the busy timeout, or is newer than this cutover.
      throw new EnvironmentError(`cannot open the state store ${db}: ${(err as Error).message}`);
    }
  }
  return { store: openStore() };
}

/** Returns what `work` returns, with the store open for its duration; a misconfigured store is a usage error. */
export async function withStore<T>(
  work: (store: ControlStore) => Promise<T>,
  use: StoreUse = {},
): Promise<T> {
  let store: ControlStore;
  let note: string | undefined;
  try {
    ({ store, note } = open(use));
  } catch (err) {
    if (err instanceof StoreConfigError) throw new EnvironmentError(err.message);
    throw err;
  }
  try {
    const answer = await work(store);
    if (note) process.stderr.write(note);
    return answer;
  } catch (err) {
    // Bad input reaches the store only from the command line here (a stale or mistyped --cursor, say).
    if (err instanceof StoreInputError) throw new UsageError(err.message);
    const unreachable = process.env.CONVEX_URL ? networkFailure(err) : undefined;
    if (unreachable) {
      throw new EnvironmentError(
        `cannot reach the control-plane store at CONVEX_URL=${process.env.CONVEX_URL} (${unreachable}): check CONVEX_URL and the network`,
      );
    }
    throw err;
  } finally {
    await store.close();
  }
}
