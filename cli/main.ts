// What can an operator ask of cutover? The command line: each command registers itself from its own file.
import { Command, CommanderError } from "commander";
import { registerCompare } from "./compare.ts";
import { registerCompile } from "./compile.ts";
import { registerDemo } from "./demo.ts";
import { EXIT, UsageError } from "./exit.ts";
import { registerFlags } from "./flags.ts";
import { registerReport } from "./report.ts";
import { registerResults } from "./results.ts";
import { registerRun } from "./run.ts";
import { registerServeInngest } from "./serve-inngest.ts";
import { registerShadow } from "./shadow.ts";
import { registerValidate } from "./validate.ts";

const program = new Command()
  .name("cutover")
  .description("Move inferpipe workflow execution from Convex to Inngest, gated on measured parity.")
  .showHelpAfterError()
  .exitOverride();

// Command registrations (one line per command file), in the order of the CLI contract.
registerValidate(program);
registerCompile(program);
registerRun(program);
registerShadow(program);
registerCompare(program);
registerFlags(program);
registerResults(program);
registerReport(program);
registerServeInngest(program);
registerDemo(program);

async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`cutover: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`cutover: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.CUTOVER_DEBUG) console.error(err);
    return 70;
  }
}

process.exitCode = await main(process.argv);
