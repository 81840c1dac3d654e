// Does the lazy command line say what the commands themselves say? Each light descriptor against its module's
// registration, the top-level help with no command loaded against the one with every command, and the built bin.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { COMMANDS, commandNamed, newProgram, programFor } from "./commands.ts";
import { applyContract } from "./contract.ts";

const ROOT = join(import.meta.dirname, "..");
const exec = promisify(execFile);
const argv = (...args: string[]) => ["node", "cutover", ...args];

describe("command descriptors", () => {
  it("each loads a module that registers exactly that command, with the descriptor's description and term", async () => {
    for (const entry of COMMANDS) {
      const program = newProgram();
      (await entry.load())(program);
      expect(program.commands.map((c) => c.name())).toEqual([entry.name]);
      const [cmd] = program.commands;
      expect(cmd.description()).toBe(entry.description);
      expect(program.createHelp().subcommandTerm(cmd)).toBe(entry.term);
    }
  });

  it("top-level help without loading any command is the help with every command registered", async () => {
    const eager = newProgram();
    for (const entry of COMMANDS) (await entry.load())(eager);
    applyContract(eager);
    const lazy = await programFor(argv("--help"));
    applyContract(lazy);
    expect(lazy.helpInformation()).toBe(eager.helpInformation());
  });

  it("a command line names the first word that is not an option, or the word after help", () => {
    expect(commandNamed(argv("validate", "x.json", "--json"))?.name).toBe("validate");
    expect(commandNamed(argv("help", "flags"))?.name).toBe("flags");
    expect(commandNamed(argv("--help"))).toBeUndefined();
    expect(commandNamed(argv("--version"))).toBeUndefined();
    expect(commandNamed(argv("nosuch"))).toBeUndefined();
  });
});

describe("the built bin (dist/, as npm ci's prepare step builds it)", () => {
  it("builds, and answers --version, --help, validate and a run with scripts (the sandbox worker found)", async () => {
    await exec(process.execPath, [join(ROOT, "scripts", "build-cli.mjs")], { cwd: ROOT });
    const bin = (...args: string[]) => exec(process.execPath, ["bin/cutover.js", ...args], { cwd: ROOT });
    const version = await bin("--version");
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect((await bin("--help")).stdout).toMatch(/^Usage: cutover \[options\] \[command\]/);
    const valid = JSON.parse((await bin("validate", "examples/extract.json", "--json")).stdout);
    expect(valid.valid).toBe(true);
    const run = await bin(
      "run",
      "examples/transform-chain.json",
      "--input-file",
      "examples/inputs/transform-chain.json",
      "--json",
    );
    expect(JSON.parse(run.stdout).status).toBe("completed");
  }, 60_000);
});
