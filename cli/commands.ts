// Which commands are there, and what does each need? One light descriptor per command, so `cutover --help` lists them
// all without loading any, and a command line loads only the module of the command it names (issue 14 item 4).
import { Command } from "commander";

/** A command as the top-level help lists it, and how to load its module (which registers it in full). */
export interface CommandEntry {
  name: string;
  /** What `cutover --help` shows left of the description: the name, [options], the arguments. */
  term: string;
  description: string;
  load(): Promise<(program: Command) => void>;
}

/** Every command, in the order of the CLI contract. cli/commands.test.ts holds each to its module's registration. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "validate",
    term: "validate [options] <file>",
    description:
      "check a builder-format workflow file; exit 0 valid, 1 invalid (every error listed), 2 unreadable",
    load: async () => (await import("./validate.ts")).registerValidate,
  },
  {
    name: "compile",
    term: "compile [options] <file>",
    description:
      "print the compiled workflow (deterministic JSON, secrets as named references); exit 1 if invalid",
    load: async () => (await import("./compile.ts")).registerCompile,
  },
  {
    name: "import",
    term: "import [options] <export>",
    description:
      "import inferpipe's workflows from a Convex export (npx convex export) or a JSONL file: validate each, store the valid ones",
    load: async () => (await import("./import.ts")).registerImport,
  },
  {
    name: "run",
    term: "run [options] <workflow.json>",
    description: "Run a workflow (builder JSON) on an executor and print its run record",
    load: async () => (await import("./run.ts")).registerRun,
  },
  {
    name: "trigger",
    term: "trigger [options] <workflow>",
    description:
      "run inputs as production starts them: through the workflow's flag and the router, shadows included",
    load: async () => (await import("./trigger.ts")).registerTrigger,
  },
  {
    name: "shadow",
    term: "shadow [options] <workflow.json>",
    description: "run a workflow on both executors (embedded defaults) and compare each pair",
    load: async () => (await import("./shadow.ts")).registerShadow,
  },
  {
    name: "compare",
    term: "compare [options] <primary> <shadow>",
    description:
      "compare a primary run record with its shadow; exit 0 match or tolerated, 1 mismatch, 2 bad input",
    load: async () => (await import("./compare.ts")).registerCompare,
  },
  {
    name: "flags",
    term: "flags",
    description: "read and change per-workflow flags and the global switches",
    load: async () => (await import("./flags.ts")).registerFlags,
  },
  {
    name: "status",
    term: "status [options] [workflowId]",
    description: "each workflow's stage, evidence under it, readiness for the next stage, and last change",
    load: async () => (await import("./status.ts")).registerStatus,
  },
  {
    name: "promote",
    term: "promote [options] <workflowId>",
    description:
      "move a workflow to its next stage when the gates pass; exit 0 promoted, 1 blocked or inconclusive",
    load: async () => (await import("./promote.ts")).registerPromote,
  },
  {
    name: "rollback",
    term: "rollback [options] [workflowId]",
    description: "move a workflow back at once (default: the stage it came from); --all is the kill switch",
    load: async () => (await import("./rollback.ts")).registerRollback,
  },
  {
    name: "watch",
    term: "watch [options]",
    description: "roll back live workflows whose parity, error rate or budget says so (actor auto-rollback)",
    load: async () => (await import("./watch.ts")).registerWatch,
  },
  {
    name: "results",
    term: "results [options]",
    description: "stored parity results, newest first",
    load: async () => (await import("./results.ts")).registerResults,
  },
  {
    name: "report",
    term: "report [options]",
    description:
      "the parity report per workflow (stage, readiness, pairs, parity, coverage, deltas, latency, explained mismatches) as Markdown, JSON or HTML; --nightly writes dated files compared with the previous night's",
    load: async () => (await import("./report.ts")).registerReport,
  },
  {
    name: "regress",
    term: "regress [options] [dir]",
    description: "Run the regression corpus on both executors with providers mocked over HTTP (a CI gate)",
    load: async () => (await import("./regress.ts")).registerRegress,
  },
  {
    name: "serve-inngest",
    term: "serve-inngest [options]",
    description:
      "Serve the execute-workflow function for Inngest Cloud (INNGEST_SIGNING_KEY) or a dev server (INNGEST_DEV=1)",
    load: async () => (await import("./serve-inngest.ts")).registerServeInngest,
  },
  {
    name: "demo",
    term: "demo [options]",
    description:
      "put the examples in shadow, run pairs through both embedded executors, print and write the report",
    load: async () => (await import("./demo.ts")).registerDemo,
  },
];

/** Returns the program cutover's command lines start from: name and description, no commands yet. */
export function newProgram(): Command {
  return new Command()
    .name("cutover")
    .description("Move inferpipe workflow execution from Convex to Inngest, gated on measured parity.");
}

/**
 * Returns the command a command line names (argv as process.argv has it), or undefined when it names none
 * (`cutover`, `cutover --help`, `cutover --version`, an unknown command). The program's own options take
 * no values, so the first word that is not an option is the command; `help <command>` names that command.
 */
export function commandNamed(argv: readonly string[]): CommandEntry | undefined {
  const words = argv.slice(2).filter((a) => !a.startsWith("-"));
  const name = words[0] === "help" ? words[1] : words[0];
  return COMMANDS.find((c) => c.name === name);
}

/**
 * Returns the program for one command line: the named command registered in full by its own module (and
 * nothing else loaded), or, when no command is named, every command as a light stub that only the top-level
 * help lists, and that an unknown command is matched against.
 */
export async function programFor(argv: readonly string[]): Promise<Command> {
  const program = newProgram();
  const named = commandNamed(argv);
  if (named) {
    (await named.load())(program);
    return program;
  }
  const terms = new Map<Command, string>();
  for (const entry of COMMANDS)
    terms.set(program.command(entry.name).description(entry.description), entry.term);
  const help = program.createHelp();
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd) ?? help.subcommandTerm(cmd) });
  return program;
}
