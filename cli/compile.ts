// What will the executors run for this workflow file? `cutover compile <file>` prints the compiled JSON.
import type { Command } from "commander";
import { canonicalJson } from "../lib/canonical.ts";
import { compileFile, formatIssue } from "./validate.ts";

/** Returns the exit code after printing the compiled workflow (stdout) or its errors (stderr). */
export function compileToStdout(path: string): number {
  const result = compileFile(path);
  if (!result.ok) {
    const lines = result.errors.map((e) => `  ${formatIssue(e)}\n`).join("");
    process.stderr.write(`${path}: invalid (${result.errors.length} errors), nothing compiled\n${lines}`);
    return 1;
  }
  // Canonical bytes: the printed document hashes to the workflowVersionId it carries.
  process.stdout.write(`${canonicalJson(result.compiled, 2)}\n`);
  return 0;
}

export function registerCompile(program: Command): void {
  program
    .command("compile")
    .description(
      "print the compiled workflow (deterministic JSON, secrets as named references); exit 1 if invalid",
    )
    .argument("<file>", "workflow JSON file (builder format)")
    .action((file: string) => {
      process.exitCode = compileToStdout(file);
    });
}
