// Do both runs of a pair see the same Math.random and Date in their scripts? Seeded by the primary's run, clocked at dispatch.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runShadowPairs } from "../cli/shadow.ts";
import type { Executor } from "../executors/executor.ts";
import { createExecutor } from "../executors/factory.ts";
import type { ParityResult } from "../parity/compare.ts";
import { explain } from "../parity/explain.ts";
import type { ControlStore } from "../store/port.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import { chain, node } from "./graphs.ts";

let home: string;
let store: ControlStore;
let executors: Record<"convex" | "inngest", Executor>;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "cutover-script-clock-"));
  store = openSqliteStore({ path: join(home, "state.db") });
  const quiet = { env: {}, announce: () => {} };
  executors = { convex: createExecutor("convex", quiet), inngest: createExecutor("inngest", quiet) };
});

afterAll(async () => {
  await store.close();
  rmSync(home, { recursive: true, force: true });
});

describe("scripts' Math.random and Date in a shadow pair", () => {
  it.each(["convex", "inngest"] as const)(
    "are the same on both executors with %s as primary",
    async (primary) => {
      const compiled = compileWorkflow({
        ...chain([
          node("roll", "transform", {
            script: "return { dice: Math.random(), now: Date.now(), iso: new Date().toISOString() };",
          }),
        ]),
        name: "Clock",
        id: "clock",
      });
      if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
      const [pair] = await runShadowPairs(
        store,
        { workflow: compiled.compiled, secretValues: {}, input: {} },
        {
          primary,
          provider: "mock",
          shadowProvider: "replay",
          workspaceId: "ws_clock",
          count: 1,
          deadlineMs: 60_000,
          executors,
          runIdPrefix: `clock_${primary}`,
        },
      );
      const parity = pair.parity as unknown as ParityResult;
      expect(parity.verdict, explain(parity)).toBe("match");
      const roll = (r: typeof pair.primary | null) =>
        r?.steps.find((s) => s.nodeId === "roll")?.output as { now: number };
      // The clock is the dispatch time, not each run's own start.
      expect(roll(pair.primary).now).toBe(roll(pair.shadow).now);
      expect(Math.abs(roll(pair.primary).now - Date.now())).toBeLessThan(60_000);
    },
  );
});
