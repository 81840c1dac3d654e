// How do tests run a command without a subprocess? The same parse and exit-code rules as cli/main.ts, in this process.
import { Command, CommanderError } from "commander";
import { EXIT, UsageError } from "./exit.ts";

/** Returns the exit code and what the command wrote, with stdout and stderr captured rather than printed. */
export async function runInProcess(
  registers: ((program: Command) => void)[],
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command()
    .name("cutover")
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const register of registers) register(program);
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = ((chunk: unknown) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(["node", "cutover", ...args]);
    return { code: typeof process.exitCode === "number" ? process.exitCode : EXIT.ok, stdout, stderr };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode === 0 ? EXIT.ok : EXIT.usage, stdout, stderr };
    if (e instanceof UsageError)
      return { code: EXIT.usage, stdout, stderr: `${stderr}cutover: ${e.message}\n` };
    throw e;
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = before;
  }
}
