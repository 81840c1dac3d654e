// What will the executors run for this workflow file? `cutover compile <file>` prints the compiled JSON.
import type { Command } from "commander";
import { canonicalJson } from "../lib/canonical.ts";
import { printJson, shownPath } from "./io.ts";
import { compileFile, formatIssue } from "./validate.ts";

/**
 * Returns the exit code after printing the compiled workflow (stdout) or its errors (stderr; with
 * `json`, `{ valid: false, errors }` on stdout as `validate --json` prints it).
 */
export function compileToStdout(path: string, opts: { json?: boolean } = {}): number {
  const result = compileFile(path);
  if (!result.ok) {
    if (opts.json) {
      printJson({ valid: false, errors: result.errors });
      return 1;
    }
    const lines = result.errors.map((e) => `  ${formatIssue(e)}\n`).join("");
    process.stderr.write(
      `${shownPath(path)}: invalid (${result.errors.length} error${result.errors.length === 1 ? "" : "s"}), nothing compiled\n${lines}`,
    );
    return 1;
  }
  // Canonical bytes: the printed document hashes to the workflowVersionId it carries (--json prints the same).
  process.stdout.write(`${canonicalJson(result.compiled, 2)}\n`);
  return 0;
}

export function registerCompile(program: Command): void {
  program
    .command("compile")
    .description(
      "print the compiled workflow (deterministic JSON, secrets as named references); exit 1 if invalid",
    )
    .argument("<file>", "workflow JSON file (builder format; - reads stdin)")
    .option(
      "--json",
      "the same JSON document (always printed); when invalid, { valid: false, errors } on stdout",
    )
    .action((file: string, opts: { json?: boolean }) => {
      process.exitCode = compileToStdout(file, opts);
    });
}
