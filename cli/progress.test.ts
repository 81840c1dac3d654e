// Does long work show itself? On a terminal (a pseudo-terminal through util-linux `script`) a progress bar and a
// final tally; off one, plain lines; and Ctrl-C stops after the pair in flight, saying what was stored.
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_INTERRUPTED, interruptedLine } from "./progress.ts";

const ROOT = join(import.meta.dirname, "..");
const home = mkdtempSync(join(tmpdir(), "cutover-progress-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const env = { ...process.env, CUTOVER_HOME: home, CUTOVER_LOG_LEVEL: "silent" };
const shadow = (count: number, latencyMs: number) => [
  "--import",
  "tsx",
  "cli/main.ts",
  "shadow",
  "examples/extract.json",
  "--input-file",
  "examples/inputs/extract.json",
  "--count",
  String(count),
  "--provider",
  `mock:latency=${latencyMs}`,
];
const hasScript = (() => {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("progress of cutover shadow --count", () => {
  it.skipIf(!hasScript)(
    "on a terminal: a bar counting the pairs, each pair's line, and the final tally",
    async () => {
      const command = [process.execPath, ...shadow(3, 150)].map((a) => `'${a}'`).join(" ");
      // stdin from /dev/null: `script` forwards its stdin to the terminal, and a pipe left open keeps it waiting.
      const child = spawn("script", ["-qec", command, "/dev/null"], {
        cwd: ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      child.stdout.on("data", (d) => {
        stdout += d;
      });
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(code).toBe(0);
      expect(stdout).toMatch(/shadow \[[^\]]*\] [0-2]\/3 pairs/);
      expect(stdout.match(/: primary convex completed, shadow inngest completed → match/g)).toHaveLength(3);
      expect(stdout).toContain("3 pairs: 3 match");
    },
    60_000,
  );

  it("off a terminal: plain lines, no bar, and the tally", async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, shadow(2, 0), { cwd: ROOT, env });
    expect(stdout + stderr).not.toMatch(/\[[░█]+/);
    expect(stdout + stderr).not.toContain(`${String.fromCharCode(27)}[`); // no terminal control sequences
    expect(stdout.trim().split("\n").at(-1)).toBe("2 pairs: 2 match");
  }, 60_000);

  it("Ctrl-C stops after the pair in flight and says what was stored (exit 130)", async () => {
    const child = spawn(process.execPath, shadow(30, 200), { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on("data", (d) => {
        stdout += d;
        if (/_0: primary/.test(stdout) && !child.killed) child.kill("SIGINT");
      });
      child.on("close", (c) => resolve(c));
    });
    expect(code).toBe(EXIT_INTERRUPTED);
    const m = /interrupted: (\d+) pairs? stored, 0 lost; the rest \((\d+)\) were not started/.exec(stderr);
    expect(m, stderr).not.toBeNull();
    expect(Number(m![1]) + Number(m![2])).toBe(30);
    // Every stored pair was printed, then the tally of those.
    expect(stdout.match(/: primary convex/g)).toHaveLength(Number(m![1]));
    expect(stdout).toContain(`${m![1]} pairs: ${m![1]} match`);
  }, 60_000);

  it("says what an interrupted batch kept", () => {
    expect(interruptedLine(14, 14, 20)).toBe(
      "interrupted: 14 pairs stored, 0 lost; the rest (6) were not started",
    );
    expect(interruptedLine(1, 2, 2)).toBe("interrupted: 1 pair stored, 1 lost; none left to start");
  });
});
