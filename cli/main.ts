// What can an operator ask of cutover? The command line: each command registers itself from its own file.
import { Command } from "commander";
import { registerCompare } from "./compare.ts";
import { registerCompile } from "./compile.ts";
import { runCli } from "./contract.ts";
import { registerDemo } from "./demo.ts";
import { registerFlags } from "./flags.ts";
import { registerImport } from "./import.ts";
import { registerPromote } from "./promote.ts";
import { registerRegress } from "./regress.ts";
import { registerReport } from "./report.ts";
import { registerResults } from "./results.ts";
import { registerRollback } from "./rollback.ts";
import { registerRun } from "./run.ts";
import { registerServeInngest } from "./serve-inngest.ts";
import { registerShadow } from "./shadow.ts";
import { registerStatus } from "./status.ts";
import { registerTrigger } from "./trigger.ts";
import { registerValidate } from "./validate.ts";
import { registerWatch } from "./watch.ts";

const program = new Command()
  .name("cutover")
  .description("Move inferpipe workflow execution from Convex to Inngest, gated on measured parity.");

// Command registrations (one line per command file), in the order of the CLI contract.
registerValidate(program);
registerCompile(program);
registerImport(program);
registerRun(program);
registerTrigger(program);
registerShadow(program);
registerCompare(program);
registerFlags(program);
registerStatus(program);
registerPromote(program);
registerRollback(program);
registerWatch(program);
registerResults(program);
registerReport(program);
registerRegress(program);
registerServeInngest(program);
registerDemo(program);

// Usage errors, --version, exit codes and the --help footer: cli/contract.ts, for every command registered above.
process.exitCode = await runCli(program, process.argv);
