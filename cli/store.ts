// Which store does a command read and write? The one openStore() picks, closed when the command is done.
import { openStore, StoreConfigError } from "../store/index.ts";
import { StoreInputError } from "../store/input.ts";
import type { ControlStore } from "../store/port.ts";
import { UsageError } from "./exit.ts";

/** Returns what `work` returns, with the store open for its duration; a misconfigured store is a usage error. */
export async function withStore<T>(work: (store: ControlStore) => Promise<T>): Promise<T> {
  let store: ControlStore;
  try {
    store = openStore();
  } catch (err) {
    if (err instanceof StoreConfigError) throw new UsageError(err.message);
    throw err;
  }
  try {
    return await work(store);
  } catch (err) {
    // Bad input reaches the store only from the command line here (a stale or mistyped --cursor, say).
    if (err instanceof StoreInputError) throw new UsageError(err.message);
    throw err;
  } finally {
    await store.close();
  }
}
