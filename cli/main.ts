// What can an operator ask of cutover? The command line: each command registers itself from its own file, and only
// the command a line names is loaded (cli/commands.ts), so start-up costs the same whatever the other commands import.
import { programFor } from "./commands.ts";
import { runCli } from "./contract.ts";

// Usage errors, --version, exit codes and the --help footer: cli/contract.ts, for the command registered.
process.exitCode = await runCli(await programFor(process.argv), process.argv);
