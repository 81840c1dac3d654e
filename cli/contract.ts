// How does every command keep the CLI contract? One place that sets up commander and turns each way a command
// can end into an exit code: one line per usage error, 0/1/2 for answers, 70 only for a bug in cutover.
import { type Command, CommanderError, type HelpContext } from "commander";
import { logLevelProblem } from "../lib/log.ts";
// Imported rather than read beside this file, so the built CLI (dist/, one bundle) carries it.
import pkg from "../package.json" with { type: "json" };
import { homeAndSource } from "../store/home.ts";
import {
  EnvironmentError,
  EXIT,
  InvalidWorkflowError,
  NegativeAnswer,
  networkFailure,
  UsageError,
} from "./exit.ts";
import { printJson, resetStdin } from "./io.ts";

/** Returns cutover's version, as package.json says. */
export function cutoverVersion(): string {
  return pkg.version;
}

/** Returns "cutover flags set": the words that reach a command. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

const oneLine = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" ");

function* commandTree(cmd: Command): Generator<Command> {
  yield cmd;
  for (const sub of cmd.commands) yield* commandTree(sub);
}

/** Returns the text `cutover --help` ends with: where state lives, and what the exit codes mean. */
function helpFooter(): string {
  const { path, source } = homeAndSource();
  const why =
    source === "CUTOVER_HOME"
      ? "from CUTOVER_HOME"
      : source === "XDG_STATE_HOME"
        ? "from XDG_STATE_HOME; set CUTOVER_HOME to move it"
        : "set CUTOVER_HOME or XDG_STATE_HOME to move it";
  return [
    "",
    `State directory: ${path} (${why})`,
    "Exit codes: 0 success, 1 a negative answer (invalid workflow, failed run, mismatch, version conflict),",
    "2 bad usage, input or environment (one line on stderr, nothing written), 70 a bug in cutover,",
    "130 long work stopped by Ctrl-C (what was stored is said on stderr).",
    "Every command takes --json (one JSON document on stdout); a file argument of - reads stdin.",
  ].join("\n");
}

/** Per program: the command whose action ran last (what a usage error's --help hint names). */
const actionOf = new WeakMap<Command, Command>();

/**
 * Sets every command (registered so far) to end through runCli: usage errors as one line with a hint to
 * that command's --help instead of the whole help, --version on the program, the state directory in
 * its help, and the environment checked before any action runs.
 */
export function applyContract(program: Command): void {
  if (!actionOf.has(program)) {
    actionOf.set(program, program);
    program.version(cutoverVersion(), "-V, --version", "print cutover's version");
    // Options after a subcommand's name are that subcommand's own (`results show <id> --json`).
    program.enablePositionalOptions();
    program.addHelpText("after", helpFooter);
    program.hook("preAction", (_program, action) => {
      actionOf.set(program, action);
      const problem = logLevelProblem();
      if (problem) throw new EnvironmentError(problem);
    });
  }
  for (const cmd of commandTree(program)) {
    cmd.exitOverride();
    cmd.showHelpAfterError(false);
    missingCommandAsOneLine(cmd);
    cmd.configureOutput({
      outputError: (message, write) =>
        write(`cutover: ${oneLine(message)} (see ${commandPath(cmd)} --help)\n`),
    });
  }
}

const patched = new WeakSet<Command>();

/**
 * A group without its subcommand (`cutover`, `cutover flags`) is a usage error like any other: one line
 * naming what is missing, not the whole help on stderr (commander asks for the help with `error: true`).
 */
function missingCommandAsOneLine(cmd: Command): void {
  if (patched.has(cmd) || cmd.commands.length === 0) return;
  patched.add(cmd);
  const help = cmd.help.bind(cmd);
  cmd.help = ((context?: HelpContext) => {
    if (!context?.error) return help(context);
    const names = cmd.commands.map((c) => c.name()).filter((name) => name !== "help");
    const which = names.length <= 8 ? `: one of ${names.join(", ")}` : "";
    return cmd.error(`error: missing or unknown command${which}`, {
      code: "cutover.missingCommand",
      exitCode: EXIT.usage,
    });
  }) as Command["help"];
}

/** Returns the endpoints the environment points at, for a message about a network call that failed. */
function endpoints(env: NodeJS.ProcessEnv): string {
  const named = ["CONVEX_URL", "INNGEST_API_BASE", "INNGEST_BASE_URL", "OPENAI_BASE_URL"]
    .filter((v) => env[v])
    .map((v) => `${v}=${env[v]}`);
  // The dev server's event API is INNGEST_BASE_URL, else localhost:8288, whatever INNGEST_API_BASE says.
  if (env.INNGEST_DEV)
    named.push("the Inngest dev server (INNGEST_DEV=1; INNGEST_BASE_URL, else http://localhost:8288)");
  return named.length ? named.join(", ") : "a remote service";
}

/** Returns the exit code for an error a command ended with, after writing what the operator needs on stderr. */
export function reportError(err: unknown, cmd: Command): number {
  const write = (line: string) => process.stderr.write(`cutover: ${line}\n`);
  if (err instanceof CommanderError) {
    // commander printed its one line already; help and version end here too, with exit code 0.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof EnvironmentError) {
    write(`error: ${oneLine(err.message)}`);
    return EXIT.usage;
  }
  if (err instanceof UsageError) {
    write(`error: ${oneLine(err.message)} (see ${commandPath(cmd)} --help)`);
    return EXIT.usage;
  }
  if (err instanceof NegativeAnswer) {
    // --json still gets its one document: an invalid workflow as `validate --json` shows it.
    if (err instanceof InvalidWorkflowError && cmd.opts().json)
      printJson({ valid: false, errors: err.errors });
    write(err.message);
    return EXIT.negative;
  }
  const unreachable = networkFailure(err);
  if (unreachable) {
    write(
      `error: cannot reach ${endpoints(process.env)} (${unreachable}): check the variable and the network`,
    );
    return EXIT.usage;
  }
  const errno = err as NodeJS.ErrnoException;
  if (
    errno &&
    typeof errno.code === "string" &&
    typeof errno.syscall === "string" &&
    typeof errno.path === "string"
  ) {
    // A file the operator pointed at (or the state directory) cannot be used: the environment, not a bug.
    write(`error: cannot ${errno.syscall} ${errno.path}: ${errno.code}`);
    return EXIT.usage;
  }
  write(`internal error: ${oneLine(err instanceof Error ? err.message : String(err))}`);
  write(
    process.env.CUTOVER_DEBUG
      ? "this is a bug in cutover: please report it with the command you ran and the stack below"
      : "this is a bug in cutover: please report it with the command you ran and the stack (rerun with CUTOVER_DEBUG=1 to print it)",
  );
  if (process.env.CUTOVER_DEBUG) process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  return EXIT.bug;
}

/** Returns the exit code of one command line (argv as process.argv has it), every ending mapped by the contract. */
export async function runCli(program: Command, argv: readonly string[]): Promise<number> {
  applyContract(program);
  actionOf.set(program, program);
  resetStdin();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (err) {
    return reportError(err, actionOf.get(program) ?? program);
  }
}
