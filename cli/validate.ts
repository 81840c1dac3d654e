// Is this workflow file valid? `cutover validate <file> [--json]`: every problem listed, exit 0/1/2.
import type { Command } from "commander";
import { type CompileResult, compileWorkflow, type ValidationIssue } from "../workflow/compile.ts";
import { printJson, readJsonFile } from "./io.ts";

/** Returns one readable line for an issue: `CODE at nodes[2].data.model: message`. */
export function formatIssue(issue: ValidationIssue): string {
  return `${issue.code} at ${issue.path || "(document)"}: ${issue.message}`;
}

/** Returns the workflow file compiled; throws UsageError (exit 2) when it is unreadable, empty or not JSON. */
export function compileFile(path: string): CompileResult {
  return compileWorkflow(readJsonFile(path, "workflow file"));
}

/**
 * Returns the exit code and prints the verdict on a workflow file: valid or not, the profile it runs
 * with, every error and every warning (JSON `{ valid, profile, errors, warnings }` with `json`).
 */
export function validateFile(path: string, opts: { json?: boolean }): number {
  const result = compileFile(path);
  const errors = result.ok ? [] : result.errors;
  const { profile } = result;
  if (opts.json) printJson({ valid: result.ok, profile, errors, warnings: result.warnings });
  else {
    const warnings = result.warnings.map((w) => `  warning: ${formatIssue(w)}\n`).join("");
    if (result.ok) {
      const nodes = result.compiled.topologicallySortedNodes.length;
      process.stdout.write(
        `${path}: valid, ${profile} profile (workflow ${result.compiled.workflowId}, ${nodes} node${nodes === 1 ? "" : "s"}, ${result.compiled.workflowVersionId})\n${warnings}`,
      );
    } else {
      const lines = errors.map((e) => `  ${formatIssue(e)}\n`).join("");
      process.stdout.write(
        `${path}: invalid, ${profile} profile (${errors.length} error${errors.length === 1 ? "" : "s"})\n${lines}${warnings}`,
      );
    }
  }
  return result.ok ? 0 : 1;
}

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description(
      "check a builder-format workflow file; exit 0 valid, 1 invalid (every error listed), 2 unreadable",
    )
    .argument("<file>", "workflow JSON file (builder format)")
    .option("--json", "print { valid, profile, errors, warnings } (each issue { code, path, message })")
    .action((file: string, opts: { json?: boolean }) => {
      process.exitCode = validateFile(file, opts);
    });
}
