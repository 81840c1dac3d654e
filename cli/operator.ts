// What do the commands that change a flag share? Who acts, why, the gate table, and how a refused write is told.
import { createInterface } from "node:readline/promises";
import { FlagConflictError, FlagRefusedError, FlagValidationError } from "../flags/errors.ts";
import type { GateResult } from "../gates/evaluate.ts";
import { UsageError } from "./exit.ts";

/** Returns who is acting: --actor, else $USER, else "operator". */
export function actorOf(options: { actor?: string }): string {
  return options.actor?.trim() || process.env.USER || "operator";
}

/** Returns the reason given, or throws UsageError (exit 2): every flag change needs one. */
export function reasonOf(options: { reason?: string }): string {
  const reason = options.reason?.trim();
  if (!reason)
    throw new UsageError('--reason is required: every flag change needs a reason (--reason "...")');
  return reason;
}

/** Returns rows as aligned columns. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Returns the gates as a table an operator reads: each gate, ok or not, measured against required. */
export function gateTable(gates: readonly GateResult[]): string {
  return table([
    ["GATE", "OK", "ACTUAL", "REQUIRED"],
    ...gates.map((g) => [
      g.name,
      g.ok ? "yes" : "NO",
      g.actual === null ? "—" : String(g.actual),
      g.required,
    ]),
  ]);
}

/**
 * Runs a compare-and-set write; returns undefined (exit 1, both versions on stderr, nothing written) when
 * someone changed the flag meanwhile or legacy removal refuses it; bad input becomes a UsageError.
 */
export async function writeOrExplain<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof FlagValidationError) throw new UsageError(err.message);
    if (err instanceof FlagConflictError || err instanceof FlagRefusedError) {
      process.stderr.write(`cutover: ${err.message}\n`);
      if (err instanceof FlagConflictError)
        process.stderr.write(
          "cutover: nothing was written; re-read the flag and retry with the current version\n",
        );
      process.exitCode = 1;
      return undefined;
    }
    throw err;
  }
}

/**
 * Returns true when the operator confirmed (or no one can be asked: off a TTY, or with --yes). Switches that
 * move every workflow at once ask first on a terminal.
 */
export async function confirmed(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes || !process.stdin.isTTY) return true;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} Type "yes" to go on: `);
    return answer.trim().toLowerCase() === "yes";
  } finally {
    rl.close();
  }
}
