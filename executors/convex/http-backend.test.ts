// The deployment backend at the HTTP level: ConvexHttpClient against a fake deployment (msw) whose
// /api/query and /api/mutation answer from the same convex/ functions running in convex-test.
import { makeFunctionReference } from "convex/server";
import { ConvexError, convexToJson, jsonToConvex } from "convex/values";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { internal } from "../../convex/_generated/api.js";
import { createExecutor } from "../factory.ts";
import { createEmbeddedBackend } from "./embedded-backend.ts";
import { ConvexExecutor } from "./executor.ts";
import { createHttpBackend } from "./http-backend.ts";
import { compileOrThrow, lineDoc, llmNode } from "./testing.ts";

const URL_ = "https://happy-otter-123.convex.cloud";
const deployment = createEmbeddedBackend(import.meta.glob("../../convex/**/*.ts"));
const seen: string[] = [];

function udf(kind: "query" | "mutation" | "action") {
  return http.post(`${URL_}/api/${kind}`, async ({ request }) => {
    const text = await request.text();
    seen.push(text);
    const body = JSON.parse(text) as { path: string; args: unknown[] };
    const ref = makeFunctionReference<typeof kind>(body.path);
    try {
      const call =
        kind === "query"
          ? deployment.t.query
          : kind === "mutation"
            ? deployment.t.mutation
            : deployment.t.action;
      const value = await (call as any)(ref, jsonToConvex(body.args[0] as any));
      return HttpResponse.json({ status: "success", value: convexToJson(value as any), logLines: [] });
    } catch (err) {
      const data = err instanceof ConvexError ? { errorData: convexToJson(err.data) } : {};
      return HttpResponse.json(
        { status: "error", errorMessage: (err as Error).message, logLines: [], ...data },
        { status: 560 },
      );
    }
  });
}

const server = setupServer(udf("query"), udf("mutation"), udf("action"));
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

describe("the deployment backend (ConvexHttpClient)", () => {
  it("runs a workflow through the public functions and reads it back as a RunRecord", async () => {
    const { key } = await deployment.t.action(internal.cutover.apiKeys.issue, {
      workspaceId: "acme",
      name: "operator",
    });
    const lines: string[] = [];
    const executor = createExecutor("convex", {
      env: { CONVEX_URL: URL_, CUTOVER_CONVEX_KEY: key },
      announce: (l) => lines.push(l),
    }) as ConvexExecutor;
    expect(lines).toEqual([`convex: ${URL_}`]);
    expect(lines.join("\n")).not.toContain(key);
    const source = lineDoc("hello", [llmNode("say", "Say hi to {{input.name}}")]);
    const workflow = compileOrThrow(source);
    await executor.submit({ runId: "h1", workspaceId: "acme", workflow, input: { name: "Ada" }, source });
    const record = await executor.waitFor("acme", "h1");
    expect(record.status).toBe("completed");
    expect(record.steps.map((s) => s.name)).toEqual([
      "node-input-input",
      "node-say-llm",
      "node-output-output",
    ]);
    // The builder document is saved and the deployment compiles it: no compiled graph crosses the wire.
    expect(seen.some((b) => b.includes('"path":"cutover/workflows:save"'))).toBe(true);
    expect(seen.some((b) => b.includes('"path":"cutover/runStart:start"'))).toBe(true);
    expect(seen.some((b) => b.includes("topologicallySortedNodes"))).toBe(false);
  });

  it("carries the deployment's refusals (another workspace, an unknown key) back with their codes", async () => {
    const { key } = await deployment.t.action(internal.cutover.apiKeys.issue, {
      workspaceId: "globex",
      name: "operator",
    });
    const executor = new ConvexExecutor({ backend: createHttpBackend(URL_, key) });
    await expect(executor.get("acme", "h1")).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await executor.get("globex", "h1")).toBeNull();
    const stranger = new ConvexExecutor({ backend: createHttpBackend(URL_, "cvx_not_a_key") });
    await expect(stranger.get("acme", "h1")).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("refuses to start without an operator key", () => {
    expect(() => createExecutor("convex", { env: { CONVEX_URL: URL_ }, announce: () => {} })).toThrow(
      /CUTOVER_CONVEX_KEY is not set/,
    );
  });
});
