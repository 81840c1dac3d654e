// How does the outside world start a run? `POST /v1/workflows/{workflowId}/runs` with an API key, answered 202 once the primary accepted it.
import type { HttpRouter } from "convex/server";
import { internal } from "../_generated/api";
import { httpAction } from "../_generated/server";

const RUNS_PATH = /^\/v1\/workflows\/([^/]+)\/runs$/;

function answer(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function refusal(status: number, code: string, message: string): Response {
  return answer(status, { error: { code, message } });
}

const STATUS_OF: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  WORKFLOW_NOT_FOUND: 404,
  INPUT_INVALID: 400,
  WORKFLOW_INVALID: 422,
};

/**
 * Body `{ input, runId?, workspaceId? }` (the key's own workspace when workspaceId is absent);
 * `Authorization: Bearer <API key>` holding runs:write. Answers 202 `{ runId, executor, shadow }`;
 * 400 bad JSON or input, 401 no or unknown key, 403 another workspace's key or a missing scope,
 * 404 unknown workflow, 422 a stored workflow that does not compile. Run ids are per workspace.
 */
export const startRunHttp = httpAction(async (ctx, request) => {
  const url = new URL(request.url);
  const match = RUNS_PATH.exec(url.pathname);
  if (!match) return refusal(404, "NOT_FOUND", `no route ${url.pathname}`);
  const workflowId = decodeURIComponent(match[1]);

  const header = request.headers.get("authorization") ?? "";
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (!bearer) return refusal(401, "UNAUTHENTICATED", "send the API key as Authorization: Bearer <key>");

  let body: { input?: unknown; runId?: unknown; workspaceId?: unknown };
  try {
    body = await request.json();
  } catch {
    return refusal(400, "INPUT_INVALID", "the request body is not JSON");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return refusal(
      400,
      "INPUT_INVALID",
      "the request body must be a JSON object { input, runId?, workspaceId? }",
    );
  }
  for (const field of ["runId", "workspaceId"] as const) {
    if (body[field] !== undefined && typeof body[field] !== "string") {
      return refusal(400, "INPUT_INVALID", `${field} must be a string`);
    }
  }
  const auth = await ctx.runQuery(internal.cutover.triggers.authorize, {
    apiKey: bearer[1],
    ...(body.workspaceId === undefined ? {} : { workspaceId: body.workspaceId as string }),
  });
  if (!auth.ok) return refusal(STATUS_OF[auth.code] ?? 403, auth.code, auth.message);

  const started = await ctx.runAction(internal.cutover.dispatch.start, {
    workspaceId: auth.workspaceId,
    workflowId,
    ...(body.runId === undefined ? {} : { runId: body.runId as string }),
    inputJson: JSON.stringify(body.input ?? null),
    trigger: "http",
  });
  if (!started.ok) return refusal(STATUS_OF[started.code] ?? 400, started.code, started.message);
  return answer(202, { runId: started.runId, executor: started.executor, shadow: started.shadow });
});

/** Adds cutover's routes to the host app's router (a Convex app has one, in its convex/http.ts). */
export function registerCutoverRoutes(http: HttpRouter): void {
  http.route({ pathPrefix: "/v1/workflows/", method: "POST", handler: startRunHttp });
}
