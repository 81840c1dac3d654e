// Do these two run records agree? `cutover compare <primary.json> <shadow.json>`: the parity verdict, exit 0/1/2.
import type { Command } from "commander";
import { RunRecord } from "../executors/records.ts";
import { compare } from "../parity/compare.ts";
import { explain } from "../parity/explain.ts";
import { DEFAULT_POLICY, type ParityPolicy, parsePolicy } from "../parity/policy.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { EXIT, UsageError } from "./exit.ts";
import { printJson, readJsonFile } from "./io.ts";

interface CompareOptions {
  policy?: string;
  graph?: string;
  json?: boolean;
}

/** Returns the record in a file; throws UsageError naming the file and its first problem. */
export function readRecord(path: string, what: string): RunRecord {
  const parsed = RunRecord.safeParse(readJsonFile(path, what));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path.length ? `${issue.path.map(String).join(".")}: ` : "";
    throw new UsageError(`${what} ${path} is not a run record: ${at}${issue.message}`);
  }
  return parsed.data;
}

/** Returns the policy in a file; throws UsageError naming the file and the bad field. */
export function readPolicy(path: string): ParityPolicy {
  try {
    return parsePolicy(readJsonFile(path, "policy"));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`policy ${path}: ${(err as Error).message}`);
  }
}

/** Returns the compiled graph of a builder-format workflow file; throws UsageError when it does not compile. */
export function readGraph(path: string): CompiledWorkflow {
  const result = compileWorkflow(readJsonFile(path, "workflow file"));
  if (!result.ok) {
    const first = result.errors[0];
    const more = result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : "";
    throw new UsageError(
      `workflow file ${path} does not compile: ${first.code} at ${first.path || "(document)"}: ${first.message}${more}`,
    );
  }
  return result.compiled;
}

export function registerCompare(program: Command): void {
  program
    .command("compare")
    .description(
      "compare a primary run record with its shadow; exit 0 match or tolerated, 1 mismatch, 2 bad input",
    )
    .argument("<primary>", "the primary's RunRecord JSON file")
    .argument("<shadow>", "the shadow's RunRecord JSON file")
    .option(
      "--policy <file>",
      "parity policy JSON (mode, ignorePaths, relativeTolerance, tolerances, noisePaths)",
    )
    .option("--graph <workflow>", "builder-format workflow: also check each step against its dependencies")
    .option("--json", "print the ParityResult { verdict, findings, summary }")
    .action((primaryFile: string, shadowFile: string, opts: CompareOptions) => {
      const primary = readRecord(primaryFile, "primary record");
      const shadow = readRecord(shadowFile, "shadow record");
      const policy = opts.policy ? readPolicy(opts.policy) : DEFAULT_POLICY;
      const graph = opts.graph ? readGraph(opts.graph) : undefined;
      const result = compare(primary, shadow, policy, graph);
      if (opts.json) printJson(result);
      else process.stdout.write(explain(result));
      process.exitCode = result.verdict === "mismatch" ? EXIT.negative : EXIT.ok;
    });
}
