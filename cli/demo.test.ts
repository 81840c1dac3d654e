// Does the demo leave an operator's state alone? It runs on a state of its own, however CUTOVER_HOME is set.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../store/sqlite.ts";
import { registerDemo } from "./demo.ts";
import { runInProcess } from "./in-process.ts";

let home: string;
let out: string;
const saved = process.env.CUTOVER_HOME;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "cutover-operator-"));
  out = mkdtempSync(join(tmpdir(), "cutover-demo-out-"));
  process.env.CUTOVER_HOME = home;
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  if (saved === undefined) delete process.env.CUTOVER_HOME;
  else process.env.CUTOVER_HOME = saved;
});

describe("cutover demo", () => {
  it("never touches an operator's flags: it runs on a temporary state of its own and says where", async () => {
    const operator = openSqliteStore({ path: join(home, "state.db") });
    await operator.compareAndSetFlag({
      workflowId: "extract",
      expectedVersion: 0,
      next: {
        stage: "live",
        samplePct: 5,
        shadowProvider: "replay",
        dailyBudgetUsd: 0,
        workspaceOverrides: {},
      },
      actor: "alice",
      reason: "pilot",
    });
    await operator.close();
    const before = readFileSync(join(home, "state.db"));
    const mtime = statSync(join(home, "state.db")).mtimeMs;

    const demo = await runInProcess([registerDemo], ["demo", "--pairs", "1", "--out", out, "--json"]);
    expect(demo.code, demo.stderr).toBe(0);
    const summary = JSON.parse(demo.stdout);
    expect(summary.stateDirectory).not.toBe(home);
    expect(summary.pairs.length).toBeGreaterThan(5);
    // The first workflows the demo runs are inferpipe's own documents.
    expect(demo.stderr).toMatch(/inferpipe workflow "[^"]+", legacy profile/);

    expect(statSync(join(home, "state.db")).mtimeMs).toBe(mtime);
    expect(readFileSync(join(home, "state.db")).equals(before)).toBe(true);
    const after = openSqliteStore({ path: join(home, "state.db") });
    try {
      expect(await after.getFlag("extract")).toMatchObject({
        stage: "live",
        samplePct: 5,
        version: 1,
        updatedBy: "alice",
      });
      expect(await after.listAudit("extract")).toHaveLength(1);
    } finally {
      await after.close();
    }
    rmSync(summary.stateDirectory, { recursive: true, force: true });
  });
});
