// How does the executor reach a real Convex deployment? ConvexHttpClient with CONVEX_URL and an operator key.
import { ConvexHttpClient } from "convex/browser";
import type { ConvexBackend } from "./backend.ts";

/**
 * Returns a backend for the deployment at `url`, presenting `apiKey` (a key issued with
 * `npx convex run apiKeys:issue`) on every call. The key is never logged; the deployment checks
 * that it belongs to the workspace asked for.
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
  };
}
