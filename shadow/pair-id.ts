// What are a pair and its runs called? Ids derived from the primary's (workspace, runId), so no tenant's id can collide with another's.
import { runKey } from "../lib/run-key.ts";

/** Returns the id of the pair a primary run's shadow belongs to: one per (workspace, runId). */
export function pairIdFor(workspaceId: string, runId: string): string {
  return `pair_${runKey(workspaceId, runId)}`;
}

/**
 * Returns the run id of a primary's shadow, in the primary's workspace. Run ids live per workspace, so
 * another tenant cannot create it; the public start paths refuse `~` in callers' run ids, and the router
 * checks that the run it finds under this id is this pair's shadow before comparing it.
 */
export function shadowRunIdFor(runId: string): string {
  return `${runId}~shadow`;
}
