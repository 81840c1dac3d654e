// How do tests run a command without a subprocess? The same contract as cli/main.ts (cli/contract.ts), in this process.
import { Command } from "commander";
import { runCli } from "./contract.ts";

/** Returns the exit code and what the command wrote, with stdout and stderr captured rather than printed. */
export async function runInProcess(
  registers: ((program: Command) => void)[],
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command().name("cutover");
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
    const code = await runCli(program, ["node", "cutover", ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = before;
  }
}
