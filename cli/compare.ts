// Do these two run records agree? `cutover compare <primary.json> <shadow.json>`: the parity verdict, exit 0/1/2.
import type { Command } from "commander";
import { RunRecord } from "../executors/records.ts";
import { compare } from "../parity/compare.ts";
import { explain } from "../parity/explain.ts";
import { DEFAULT_POLICY, type ParityPolicy, parsePolicy } from "../parity/policy.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { EXIT, InvalidWorkflowError, UsageError } from "./exit.ts";
import { printJson, readJsonFile, shownPath } from "./io.ts";

interface CompareOptions {
  policy?: string;
  graph?: string;
  json?: boolean;
  force?: boolean;
}

/** Returns the record in a file; throws UsageError naming the file and its first problem. */
export function readRecord(path: string, what: string): RunRecord {
  const parsed = RunRecord.safeParse(readJsonFile(path, what));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path.length ? `${issue.path.map(String).join(".")}: ` : "";
    throw new UsageError(`${what} ${shownPath(path)} is not a run record: ${at}${issue.message}`);
  }
  return parsed.data;
}

/** Returns the policy in a file; throws UsageError naming the file and the bad field. */
export function readPolicy(path: string): ParityPolicy {
  try {
    return parsePolicy(readJsonFile(path, "policy"));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`policy ${shownPath(path)}: ${(err as Error).message}`);
  }
}

/**
 * Returns the compiled graph of a builder-format workflow file; throws UsageError when it cannot be read,
 * InvalidWorkflowError (exit 1, as `validate` says) when it does not compile.
 */
export function readGraph(path: string): CompiledWorkflow {
  const result = compileWorkflow(readJsonFile(path, "workflow file"));
  if (!result.ok) throw new InvalidWorkflowError(`file ${shownPath(path)}`, result.errors);
  return result.compiled;
}

/**
 * Throws UsageError naming both workflow ids unless the records (and the graph, when given) are of one
 * workflow: comparing two workflows' runs answers nothing, so it takes --force.
 */
export function checkSameWorkflow(primary: RunRecord, shadow: RunRecord, graph?: CompiledWorkflow): void {
  if (primary.workflowId !== shadow.workflowId) {
    throw new UsageError(
      `the records are of different workflows: primary ${primary.workflowId}, shadow ${shadow.workflowId} (--force compares them anyway)`,
    );
  }
  if (graph && graph.workflowId !== primary.workflowId) {
    throw new UsageError(
      `--graph is workflow ${graph.workflowId}, the records are of workflow ${primary.workflowId} (--force compares them anyway)`,
    );
  }
}

export function registerCompare(program: Command): void {
  program
    .command("compare")
    .description(
      "compare a primary run record with its shadow; exit 0 match or tolerated, 1 mismatch, 2 bad input",
    )
    .argument("<primary>", "the primary's RunRecord JSON file (- reads stdin)")
    .argument("<shadow>", "the shadow's RunRecord JSON file (- reads stdin)")
    .option(
      "--policy <file>",
      "parity policy JSON (mode, ignorePaths, relativeTolerance, tolerances, noisePaths)",
    )
    .option("--graph <workflow>", "builder-format workflow: also check each step against its dependencies")
    .option("--json", "print the ParityResult { verdict, findings, summary }")
    .option("--force", "compare records of different workflows, or with a --graph of another workflow")
    .action((primaryFile: string, shadowFile: string, opts: CompareOptions) => {
      const primary = readRecord(primaryFile, "primary record");
      const shadow = readRecord(shadowFile, "shadow record");
      const policy = opts.policy ? readPolicy(opts.policy) : DEFAULT_POLICY;
      const graph = opts.graph ? readGraph(opts.graph) : undefined;
      if (!opts.force) checkSameWorkflow(primary, shadow, graph);
      const result = compare(primary, shadow, policy, graph);
      if (opts.json) printJson(result);
      else process.stdout.write(explain(result));
      process.exitCode = result.verdict === "mismatch" ? EXIT.negative : EXIT.ok;
    });
}
