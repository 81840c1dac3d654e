import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../store/sqlite.ts";
import { runInProcess } from "./in-process.ts";
import { registerResults } from "./results.ts";

const home = mkdtempSync(join(tmpdir(), "cutover-cli-results-"));
const saved = process.env.CUTOVER_HOME;
const cli = (...args: string[]) => runInProcess([registerResults], ["results", ...args]);
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const HOUR = 3_600_000;

beforeAll(async () => {
  process.env.CUTOVER_HOME = home;
  const store = openSqliteStore();
  const base = { summary: {}, flagVersion: 1, policy: "default" };
  await store.putResult({
    ...base,
    pairId: "p-new",
    workflowId: "wfA",
    workspaceId: "ws1",
    verdict: "match",
    findings: [],
    comparedAt: ago(HOUR),
  });
  await store.putResult({
    ...base,
    pairId: "p-bad",
    workflowId: "wfA",
    workspaceId: "ws2",
    verdict: "mismatch",
    findings: [
      { category: "timeline", severity: "info", message: "reordered" },
      {
        category: "output",
        severity: "major",
        nodeId: "summarize",
        path: "$.title",
        message: "values differ",
      },
    ],
    comparedAt: ago(2 * HOUR),
  });
  await store.putResult({
    ...base,
    pairId: "p-old",
    workflowId: "wfB",
    workspaceId: "ws1",
    verdict: "tolerated",
    findings: [],
    comparedAt: ago(48 * HOUR),
  });
  await store.close();
});
afterEach(() => {
  if (saved === undefined) delete process.env.CUTOVER_HOME;
  else process.env.CUTOVER_HOME = saved;
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

const pairIds = (stdout: string) => JSON.parse(stdout).results.map((r: { pairId: string }) => r.pairId);

describe("cutover results", () => {
  it("lists every result newest first, with the first major finding explained", async () => {
    process.env.CUTOVER_HOME = home;
    const r = await cli();
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^COMPARED\s+WORKFLOW/);
    expect(lines[1]).toContain("p-new");
    expect(lines[2]).toContain("output summarize $.title: values differ");
    expect(r.stdout).toContain("3 result(s): 1 match, 1 mismatch, 1 tolerated");
  });

  it("filters by workflow, workspace, since and verdict", async () => {
    process.env.CUTOVER_HOME = home;
    expect(pairIds((await cli("--json")).stdout)).toEqual(["p-new", "p-bad", "p-old"]);
    expect(pairIds((await cli("--workflow", "wfA", "--json")).stdout)).toEqual(["p-new", "p-bad"]);
    expect(pairIds((await cli("--since", "24h", "--json")).stdout)).toEqual(["p-new", "p-bad"]);
    expect(pairIds((await cli("--since", "90m", "--json")).stdout)).toEqual(["p-new"]);
    expect(pairIds((await cli("--verdict", "mismatch", "--json")).stdout)).toEqual(["p-bad"]);
    expect(pairIds((await cli("--workspace", "ws1", "--json")).stdout)).toEqual(["p-new", "p-old"]);
    expect(pairIds((await cli("--workflow", "wfB", "--since", "24h", "--json")).stdout)).toEqual([]);
    expect((await cli("--workflow", "nope")).stdout).toBe("no results match\n");
  });

  it("pages with --limit and --cursor", async () => {
    process.env.CUTOVER_HOME = home;
    const first = JSON.parse((await cli("--limit", "2", "--json")).stdout);
    expect(first.results).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = JSON.parse((await cli("--limit", "2", "--cursor", first.nextCursor, "--json")).stdout);
    expect(second).toMatchObject({ nextCursor: null, results: [{ pairId: "p-old" }] });
    expect((await cli("--limit", "2")).stdout).toContain("more with --cursor");
  });

  it.each([
    [["--since", "yesterday"], /--since must be a duration/],
    [["--verdict", "bad"], /--verdict must be one of match, tolerated, mismatch, shadow-timeout, got "bad"/],
    [["--limit", "0"], /--limit must be an integer from 1 to 1000/],
    [["--cursor", "garbage!"], /cursor: not a cursor this store returned/],
  ])("refuses %j with exit 2 naming the option", async (args, message) => {
    process.env.CUTOVER_HOME = home;
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
  });
});
