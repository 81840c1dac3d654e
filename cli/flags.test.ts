import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../store/sqlite.ts";
import { registerFlags } from "./flags.ts";
import { runInProcess } from "./in-process.ts";
import { registerResults } from "./results.ts";

const root = mkdtempSync(join(tmpdir(), "cutover-cli-flags-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let home = "";
let n = 0;
const saved = {
  CUTOVER_HOME: process.env.CUTOVER_HOME,
  USER: process.env.USER,
  CONVEX_URL: process.env.CONVEX_URL,
};

beforeEach(() => {
  home = join(root, `h${n++}`);
  process.env.CUTOVER_HOME = home;
  process.env.USER = "tester";
  delete process.env.CONVEX_URL;
});
afterEach(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

const cli = (...args: string[]) => runInProcess([registerFlags, registerResults], args);

async function stored(workflowId: string) {
  const store = openSqliteStore({ path: join(home, "state.db") });
  try {
    return { flag: await store.getFlag(workflowId), audit: await store.listAudit(workflowId) };
  } finally {
    await store.close();
  }
}

describe("cutover flags set", () => {
  it("creates a flag, then changes it, each with an audit entry naming the actor and reason", async () => {
    const a = await cli("flags", "set", "wf1", "shadow", "--sample", "10", "--reason", "pilot");
    // A workflow cutover has never seen is set all the same, with a warning (--strict refuses it).
    expect(a).toMatchObject({
      code: 0,
      stderr: "cutover: warning: wf1 is unknown here: no flag, not imported, no results (a typo?)\n",
    });
    expect(a.stdout).toContain("wf1: (no flag: convex) → shadow sample 10%");
    const b = await cli(
      "flags",
      "set",
      "wf1",
      "live",
      "--shadow-provider",
      "live",
      "--budget-usd",
      "2.5",
      "--reason",
      "parity ok",
      "--actor",
      "amy",
      "--json",
    );
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({
      stage: "live",
      samplePct: 10,
      shadowProvider: "live",
      dailyBudgetUsd: 2.5,
      version: 2,
      updatedBy: "amy",
    });
    const { flag, audit } = await stored("wf1");
    expect(flag).toMatchObject({ version: 2, stage: "live" });
    expect(audit.map((e) => [e.version, e.actor, e.reason])).toEqual([
      [1, "tester", "pilot"],
      [2, "amy", "parity ok"],
    ]);
  });

  it("sets and clears a workspace override without changing the workflow's own stage", async () => {
    await cli("flags", "set", "wf1", "shadow", "--reason", "r");
    expect(
      (
        await cli(
          "flags",
          "set",
          "wf1",
          "live",
          "--workspace",
          "pilot",
          "--sample",
          "50",
          "--reason",
          "pilot tenant",
        )
      ).code,
    ).toBe(0);
    expect((await stored("wf1")).flag).toMatchObject({
      stage: "shadow",
      workspaceOverrides: { pilot: { stage: "live", samplePct: 50 } },
    });
    const got = await cli("flags", "get", "wf1", "--json");
    expect(JSON.parse(got.stdout).flag.workspaceOverrides.pilot.stage).toBe("live");
    expect(
      (await cli("flags", "clear-override", "wf1", "--workspace", "pilot", "--reason", "done")).code,
    ).toBe(0);
    expect((await stored("wf1")).flag).toMatchObject({ stage: "shadow", workspaceOverrides: {}, version: 3 });
    const again = await cli("flags", "clear-override", "wf1", "--workspace", "pilot", "--reason", "done");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("no override for workspace pilot");
  });

  it("refuses a change without a reason: exit 2, and nothing is written, not even the state file", async () => {
    const r = await cli("flags", "set", "wf1", "shadow");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cutover: error: --reason is required/);
    expect(r.stdout).toBe("");
    expect(() => readdirSync(home)).toThrow();
    expect((await cli("flags", "set", "wf1", "shadow", "--reason", "  ")).code).toBe(2);
    expect((await cli("flags", "kill-switch", "on")).code).toBe(2);
  });

  it.each([
    [["nope"], /stage must be one of convex, shadow, live, inngest, got "nope"/],
    [["live", "--sample", "101"], /--sample must be a number from 0 to 100, got "101"/],
    [["live", "--sample", "ten"], /--sample/],
    [["live", "--budget-usd", "-1"], /--budget-usd/],
    [["live", "--shadow-provider", "openai"], /--shadow-provider must be replay or live/],
    [["live", "--expect-version", "1.5"], /--expect-version/],
  ])("refuses %j with exit 2 naming the option", async (args, message) => {
    const r = await cli("flags", "set", "wf1", ...args, "--reason", "x");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(() => readdirSync(home)).toThrow();
  });

  it("fails on a version conflict with exit 1, expected vs actual, and writes nothing", async () => {
    await cli("flags", "set", "wf1", "shadow", "--reason", "r");
    await cli("flags", "set", "wf1", "live", "--reason", "r");
    const r = await cli("flags", "set", "wf1", "inngest", "--expect-version", "1", "--reason", "stale view");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("expected version 1 but the current version is 2");
    expect(r.stdout).toBe("");
    const { flag, audit } = await stored("wf1");
    expect(flag).toMatchObject({ stage: "live", version: 2 });
    expect(audit).toHaveLength(2);
    expect(
      (await cli("flags", "set", "wf1", "inngest", "--expect-version", "2", "--reason", "current")).code,
    ).toBe(0);
  });

  it("warns when a live shadow has no budget", async () => {
    const r = await cli("flags", "set", "wf1", "shadow", "--shadow-provider", "live", "--reason", "r");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("$0 daily budget");
  });
});

describe("cutover flags list / get", () => {
  it("lists every flag with the global switches, as text and as JSON", async () => {
    expect((await cli("flags", "list")).stdout).toContain("no flags set: every workflow runs on convex");
    await cli("flags", "set", "wf-b", "live", "--reason", "r");
    await cli("flags", "set", "wf-a", "shadow", "--sample", "5", "--reason", "r");
    const text = await cli("flags", "list");
    expect(text.stdout).toMatch(/kill switch: off/);
    expect(text.stdout).toMatch(/wf-a\s+shadow\s+5%/);
    const json = JSON.parse((await cli("flags", "list", "--json")).stdout);
    expect(json.globals).toMatchObject({ killSwitch: false, version: 0 });
    expect(json.flags.map((f: { workflowId: string }) => f.workflowId)).toEqual(["wf-a", "wf-b"]);
  });

  it("shows a missing flag as convex, and the route the kill switch imposes", async () => {
    const none = JSON.parse((await cli("flags", "get", "wf1", "--json")).stdout);
    expect(none).toMatchObject({ flag: null, route: { primary: "convex", reason: "no-flag" }, audit: [] });
    await cli("flags", "set", "wf1", "live", "--reason", "go");
    expect(JSON.parse((await cli("flags", "get", "wf1", "--json")).stdout).route).toMatchObject({
      primary: "inngest",
      shadow: "convex",
    });
    expect((await cli("flags", "kill-switch", "on", "--reason", "incident 9")).code).toBe(0);
    const killed = await cli("flags", "get", "wf1");
    expect(killed.stdout).toContain("routes: primary convex, shadow none (kill-switch)");
    expect(killed.stdout).toContain("kill switch: ON");
    expect(killed.stdout).toMatch(/v1 .* tester: \(new\) → live .* — go/);
  });
});

describe("cutover flags kill-switch / legacy-removal", () => {
  it("refuses legacy removal while a workflow routes to convex (exit 1), then allows it", async () => {
    await cli("flags", "set", "wf1", "shadow", "--reason", "r");
    const refused = await cli("flags", "legacy-removal", "on", "--reason", "cleanup");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("wf1");
    await cli("flags", "set", "wf1", "inngest", "--reason", "r");
    expect((await cli("flags", "legacy-removal", "on", "--reason", "cleanup")).code).toBe(0);
    const back = await cli("flags", "set", "wf1", "live", "--reason", "oops");
    expect(back.code).toBe(1);
    expect(back.stderr).toMatch(/Convex execution has been removed/);
    expect((await cli("flags", "kill-switch", "on", "--reason", "x")).code).toBe(1);
  });

  it("takes on or off only", async () => {
    const r = await cli("flags", "kill-switch", "maybe", "--reason", "x");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('kill-switch takes on or off, got "maybe"');
  });

  it("detects a conflicting kill-switch write through --expect-version", async () => {
    await cli("flags", "kill-switch", "on", "--reason", "a");
    const r = await cli("flags", "kill-switch", "off", "--expect-version", "0", "--reason", "b");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "global flags: version conflict, expected version 0 but the current version is 1",
    );
  });
});

describe("cutover flags through cli/main.ts", () => {
  it("is registered, and keeps the exit-code contract in a real process", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const run = async (...args: string[]) => {
      try {
        const r = await promisify(execFile)(
          join(import.meta.dirname, "..", "node_modules", ".bin", "tsx"),
          ["cli/main.ts", ...args],
          {
            cwd: join(import.meta.dirname, ".."),
            env: { ...process.env, CUTOVER_HOME: home, CUTOVER_LOG_LEVEL: "silent" },
          },
        );
        return { code: 0, ...r };
      } catch (err: any) {
        return { code: err.code as number, stdout: err.stdout as string, stderr: err.stderr as string };
      }
    };
    const noReason = await run("flags", "set", "wf1", "shadow");
    expect(noReason).toMatchObject({ code: 2, stdout: "" });
    expect(noReason.stderr.trim().split("\n")).toHaveLength(1);
    expect((await run("flags", "set", "wf1", "shadow", "--reason", "r", "--json")).code).toBe(0);
    const conflict = await run("flags", "set", "wf1", "live", "--expect-version", "0", "--reason", "r");
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain("expected version 0 but the current version is 1");
  }, 60_000);
});
