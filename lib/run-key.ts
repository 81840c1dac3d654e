// How is one run named across a deployment? Its workspace and its run id together: run ids are chosen per workspace.

/**
 * Returns the key of workspace `workspaceId`'s run `runId`: the workspace id percent-encoded (so it holds
 * no `:`), a `:`, then the run id. Two tenants' runs with the same id get different keys, and a key splits
 * back into exactly one (workspace, run) pair at its first `:`.
 */
export function runKey(workspaceId: string, runId: string): string {
  return `${encodeURIComponent(workspaceId)}:${runId}`;
}
