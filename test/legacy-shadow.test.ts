// Does a real inferpipe workflow shadow cleanly from Convex to Inngest? Legacy documents through the shadow path, both ways.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runShadowPairs } from "../cli/shadow.ts";
import type { Executor } from "../executors/executor.ts";
import { createExecutor } from "../executors/factory.ts";
import { compare, type ParityResult } from "../parity/compare.ts";
import { explain } from "../parity/explain.ts";
import { fakeOpenAi } from "../regress/fake-openai.ts";
import type { ControlStore } from "../store/port.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import { defaultRunInput } from "../workflow/legacy/input-task.ts";

const refDir = join(import.meta.dirname, "..", "..", "shared", "legacy-reference");
const server = setupServer();
let home: string;
let store: ControlStore;
let executors: Record<"convex" | "inngest", Executor>;
const saved = { key: process.env.OPENAI_API_KEY, base: process.env.OPENAI_BASE_URL };

beforeAll(() => {
  server.listen({ onUnhandledRequest: "error" });
  process.env.OPENAI_API_KEY = "sk-test-legacy-shadow";
  process.env.OPENAI_BASE_URL = "https://openai.test/v1";
  home = mkdtempSync(join(tmpdir(), "cutover-legacy-shadow-"));
  store = openSqliteStore({ path: join(home, "state.db") });
  const quiet = { env: {}, announce: () => {} };
  executors = { convex: createExecutor("convex", quiet), inngest: createExecutor("inngest", quiet) };
});

afterAll(async () => {
  server.close();
  await store.close();
  rmSync(home, { recursive: true, force: true });
  for (const [name, value] of [
    ["OPENAI_API_KEY", saved.key],
    ["OPENAI_BASE_URL", saved.base],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

function reference(name: string) {
  const compiled = compileWorkflow(JSON.parse(readFileSync(join(refDir, `${name}.json`), "utf8")));
  if (!compiled.ok) throw new Error(`${name}: ${JSON.stringify(compiled.errors)}`);
  return compiled.compiled;
}

describe("legacy workflows in shadow pairs", () => {
  it.each([
    ["g03-text-chain", "convex", "openai"],
    ["g04-json-nested-schema", "inngest", "openai"],
    ["g09-fan-out", "convex", "mock"],
  ] as const)(
    "%s with %s as primary (%s provider) replays to a match, the wall clock set aside and said so",
    async (name, primary, provider) => {
      server.resetHandlers(...fakeOpenAi().handlers);
      const workflow = reference(name);
      const [pair] = await runShadowPairs(
        store,
        { workflow, secretValues: {}, input: defaultRunInput(workflow) },
        {
          primary,
          provider,
          shadowProvider: "replay",
          workspaceId: "ws_legacy",
          count: 1,
          deadlineMs: 60_000,
          executors,
          runIdPrefix: `legacy_${name}_${primary}`,
        },
      );
      expect(pair.primary.status).toBe("completed");
      expect(pair.shadow?.status).toBe("completed");
      // The stored result holds what compare returned.
      const parity = pair.parity as unknown as ParityResult;
      expect(parity.verdict, explain(parity)).toBe("match");
      // The two runs answered at different moments: the timestamps differ and the rule says where.
      const rule = parity.summary.defaultRules.find((r) => r.name === "legacy-wall-clock");
      expect(rule?.places.length).toBeGreaterThan(0);
      expect(explain(parity)).toContain("default rule applied: legacy-wall-clock");
      // Replay: the shadow's answers and usage are the primary's.
      expect(pair.shadow?.tokens).toEqual(pair.primary.tokens);
    },
  );

  it("still finds a real difference in a legacy envelope beside the wall clock", async () => {
    server.resetHandlers(...fakeOpenAi().handlers);
    const workflow = reference("g03-text-chain");
    const [pair] = await runShadowPairs(
      store,
      { workflow, secretValues: {}, input: defaultRunInput(workflow) },
      {
        primary: "convex",
        provider: "mock",
        shadowProvider: "replay",
        workspaceId: "ws_legacy",
        count: 1,
        deadlineMs: 60_000,
        executors,
        runIdPrefix: "legacy_diff",
      },
    );
    const shadow = structuredClone(pair.shadow!);
    const last = shadow.steps.at(-1)!;
    last.output = { ...(last.output as object), output_text: "something else" };
    shadow.output = last.output;
    const result = compare(pair.primary, shadow);
    expect(result.verdict).toBe("mismatch");
    expect(result.findings.some((f) => f.path?.includes("output_text"))).toBe(true);
    expect(result.findings.every((f) => !f.path?.endsWith(".timestamp"))).toBe(true);
  });
});
