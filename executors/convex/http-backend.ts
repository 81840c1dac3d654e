// How does the executor reach a real Convex deployment? ConvexHttpClient with CONVEX_URL and a workspace's key, through the public functions only.
import { ConvexHttpClient } from "convex/browser";
import { api } from "../../convex/_generated/api.js";
import type { ConvexBackend } from "./backend.ts";
import { withAllSteps } from "./run-calls.ts";

/**
 * Returns a backend for the deployment at `url`, presenting `apiKey` (a key issued with
 * `npx convex run apiKeys:issue`) on every call. The key is never logged; the deployment checks
 * that it belongs to the workspace asked for. A run starts by workflow id: the builder document (when
 * the request carries it) is saved with `workflows:save`, then `runStart:start` has the deployment
 * compile it, under the deployment's allow-list and with the workspace's secrets.
 */
export function createHttpBackend(url: string, apiKey: string, pollMs = 500): ConvexBackend {
  if (!apiKey)
    throw new Error("CUTOVER_CONVEX_KEY is not set: issue one with `npx convex run apiKeys:issue`");
  const client = new ConvexHttpClient(url, { logger: false });
  return {
    description: url,
    pollMs,
    query: (ref, args) => client.query(ref, args),
    mutation: (ref, args) => client.mutation(ref, args),
    apiKeyFor: async () => apiKey,
    runs: {
      async start({ workspaceId, runId, workflow, inputJson, provider, options, source, ...shadow }) {
        if (source !== undefined) {
          await client.mutation(api.cutover.workflows.save, {
            apiKey,
            workspaceId,
            workflowId: workflow.workflowId,
            graphJson: JSON.stringify(source),
          });
        }
        const { scriptTimeoutMs: _t, scriptMemoryBytes: _m, ...publicOptions } = options ?? {};
        const started = await client.action(api.cutover.runStart.start, {
          apiKey,
          workspaceId,
          workflowId: workflow.workflowId,
          workflowVersionId: workflow.workflowVersionId,
          runId,
          inputJson,
          provider,
          ...(options && { options: publicOptions }),
          ...shadow,
        });
        return { runId: started.runId };
      },
      get: async (workspaceId, runId) =>
        withAllSteps(await client.query(api.cutover.runs.get, { apiKey, workspaceId, runId }), (cursor) =>
          client.query(api.cutover.runs.stepsPage, { apiKey, workspaceId, runId, cursor }),
        ),
      status: (workspaceId, runId) => client.query(api.cutover.runs.status, { apiKey, workspaceId, runId }),
      cancel: (workspaceId, runId) =>
        client.mutation(api.cutover.runs.cancel, { apiKey, workspaceId, runId }),
    },
  };
}
