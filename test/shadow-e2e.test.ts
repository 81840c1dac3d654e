// Does a shadow pair hold up end to end? Router, both embedded executors, replay cassettes, side-effect guard and store.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { experimentRoute, runShadowPairs } from "../cli/shadow.ts";
import type { Executor } from "../executors/executor.ts";
import { createExecutor } from "../executors/factory.ts";
import { RunRecord } from "../executors/records.ts";
import { DEFAULT_POLICY } from "../parity/policy.ts";
import { cassetteFromPrimary } from "../shadow/primary-cassette.ts";
import { reconcile } from "../shadow/reconcile.ts";
import type { ControlStore } from "../store/port.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { chain, node } from "./graphs.ts";

const posts: unknown[] = [];
const server = setupServer(
  http.post("https://hooks.example.com/notify", async ({ request }) => {
    posts.push(await request.json());
    return HttpResponse.json({ delivered: true, id: `msg_${posts.length}` });
  }),
);

let home: string;
let store: ControlStore;
let executors: Record<"convex" | "inngest", Executor>;
const previousHome = process.env.CUTOVER_HOME;
const previousHosts = process.env.CUTOVER_HTTP_ALLOW_HOSTS;

beforeAll(() => {
  server.listen({ onUnhandledRequest: "error" });
  home = mkdtempSync(join(tmpdir(), "cutover-shadow-e2e-"));
  process.env.CUTOVER_HOME = home;
  process.env.CUTOVER_HTTP_ALLOW_HOSTS = "hooks.example.com";
  store = openSqliteStore({ path: join(home, "state.db") });
  const quiet = { env: {}, announce: () => {} };
  executors = { convex: createExecutor("convex", quiet), inngest: createExecutor("inngest", quiet) };
});

afterAll(async () => {
  server.close();
  await store.close();
  rmSync(home, { recursive: true, force: true });
  if (previousHome === undefined) delete process.env.CUTOVER_HOME;
  else process.env.CUTOVER_HOME = previousHome;
  if (previousHosts === undefined) delete process.env.CUTOVER_HTTP_ALLOW_HOSTS;
  else process.env.CUTOVER_HTTP_ALLOW_HOSTS = previousHosts;
});

function compileFile(name: string): CompiledWorkflow {
  const compiled = compileWorkflow(
    JSON.parse(readFileSync(join(import.meta.dirname, "..", "examples", `${name}.json`), "utf8")),
  );
  if (!compiled.ok) throw new Error(`${name}: ${compiled.errors[0].message}`);
  return compiled.compiled;
}

function exampleInput(name: string): unknown {
  return JSON.parse(
    readFileSync(join(import.meta.dirname, "..", "examples", "inputs", `${name}.json`), "utf8"),
  );
}

describe("shadow pairs on the embedded executors", () => {
  it.each(["convex", "inngest"] as const)(
    "agree on the summary example with %s as primary, replaying LLM answers",
    async (primary) => {
      const [pair] = await runShadowPairs(
        store,
        { workflow: compileFile("summary"), secretValues: {}, input: exampleInput("summary") },
        {
          primary,
          provider: "mock",
          shadowProvider: "replay",
          workspaceId: "ws_e2e",
          count: 1,
          deadlineMs: 60_000,
          executors,
          runIdPrefix: `e2e_${primary}`,
        },
      );
      expect(pair.primary.executor).toBe(primary);
      expect(pair.shadow?.executor).toBe(primary === "convex" ? "inngest" : "convex");
      expect(pair.shadow?.shadow).toEqual({ pairId: `pair_ws_e2e:e2e_${primary}_0`, of: `e2e_${primary}_0` });
      expect(pair.parity?.verdict).toBe("match");
      // replay mode: the shadow's usage is the primary's, answer for answer
      expect(pair.shadow?.tokens).toEqual(pair.primary.tokens);
      const stored = await store.getResult(`pair_ws_e2e:e2e_${primary}_0`, "ws_e2e");
      expect(stored?.verdict).toBe("match");
    },
  );

  it("never sends a shadow's side-effecting http call: the primary's answer is replayed", async () => {
    const doc = chain([
      node("notify", "http", {
        method: "POST",
        url: "https://hooks.example.com/notify",
        body: { text: "{{input.text}}" },
      }),
    ]);
    const compiled = compileWorkflow({
      ...doc,
      name: "Notify",
      id: "notify",
      variables: [{ name: "text", type: "string" }],
    });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
    posts.length = 0;
    const pairs = await runShadowPairs(
      store,
      { workflow: compiled.compiled, secretValues: {}, input: { text: "hello" } },
      {
        primary: "convex",
        provider: "mock",
        shadowProvider: "replay",
        workspaceId: "ws_e2e",
        count: 2,
        deadlineMs: 60_000,
        executors,
        runIdPrefix: "e2e_side",
      },
    );
    expect(posts).toEqual([{ text: "hello" }, { text: "hello" }]); // one POST per primary, none from shadows
    for (const pair of pairs) {
      expect(pair.parity?.verdict).toBe("match");
      const step = pair.shadow?.steps.find((s) => s.nodeId === "notify");
      expect(step?.status).toBe("completed");
      expect(step?.output).toEqual(pair.primary.steps.find((s) => s.nodeId === "notify")?.output);
    }
  });

  it.each([
    ["convex", "inngest"],
    ["inngest", "convex"],
  ] as const)(
    "turns a %s primary's %s shadow that asks a different question into a replay-miss finding with both prompts",
    async (primarySide, shadowSide) => {
      const workflow = compileFile("summary");
      const workspaceId = "ws_e2e";
      const primaryRunId = `miss_${primarySide}`;
      const pairId = `pair_miss_${primarySide}`;
      await executors[primarySide].submit({
        runId: primaryRunId,
        workspaceId,
        workflow,
        input: exampleInput("summary"),
        provider: "mock",
      });
      const primary = RunRecord.parse(await executors[primarySide].waitFor(workspaceId, primaryRunId));
      const otherInput = { ...(exampleInput("summary") as Record<string, unknown>) };
      for (const key of Object.keys(otherInput))
        if (typeof otherInput[key] === "string") otherInput[key] = `${otherInput[key]} (edited)`;
      await executors[shadowSide].submit({
        runId: `${primaryRunId}~shadow`,
        workspaceId,
        workflow,
        input: otherInput,
        provider: "mock",
        replay: cassetteFromPrimary(primary),
        shadow: { pairId, of: primaryRunId },
      });
      const shadow = RunRecord.parse(
        await executors[shadowSide].waitFor(workspaceId, `${primaryRunId}~shadow`),
      );
      expect(shadow.error?.code).toBe("REPLAY_MISS");
      await store.putPair({
        pairId,
        workspaceId,
        workflowId: workflow.workflowId,
        primaryRunId,
        status: "running",
        createdAt: new Date().toISOString(),
      });
      const result = await reconcile(
        store,
        {
          pairId,
          workspaceId,
          workflow,
          route: experimentRoute(primarySide, "replay"),
          policy: DEFAULT_POLICY,
        },
        primary,
        { kind: "record", record: shadow },
      );
      expect(result.verdict).toBe("mismatch");
      const miss = result.findings[0] as {
        category: string;
        nodeId: string;
        primary: string;
        shadow: string;
      };
      expect(miss.category).toBe("step");
      expect(miss.nodeId).toBeTruthy();
      expect(String(miss.shadow)).toContain("(edited)");
      expect(String(miss.primary)).not.toContain("(edited)");
      // the replay miss is a parity finding, not an executor error on top of it
      expect(result.findings.some((f) => (f as { category: string }).category === "error")).toBe(false);
    },
  );
});
