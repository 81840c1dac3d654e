// Does a transform body or a branch/map expression parse? Checked by V8's parser; the code is never run.
import { compileFunction } from "node:vm";

/** The names every script sees (transform, branch, map items; map tasks add item and index). */
const SCOPE = ["input", "results", "nodes", "item", "index"];

/**
 * Returns the syntax error of a function body (with its line), or null when it parses. V8 parses the
 * body on its own, so it cannot close the function early ("Single function literal required"); the
 * compiled function is dropped uncalled.
 */
export function functionBodySyntaxError(body: string): string | null {
  const error = parseError(body);
  return error && describe(error);
}

/**
 * Returns the syntax error of an expression, or null when it is one expression. The expression is
 * parsed inside `( … )` and again inside `[ … ]`: text that closes the wrapper to smuggle statements
 * (`1); steal(); (2`) cannot close both bracket kinds, so one of the two parses fails.
 */
export function expressionSyntaxError(expression: string): string | null {
  if (expression.trim() === "") return "empty expression";
  const error = parseError(`return (${expression}\n);`);
  if (error) {
    // An error on the wrapper's own last line means the expression stopped before it was complete.
    const lines = expression.split("\n").length;
    return error.line !== undefined && error.line > lines ? "the expression is incomplete" : describe(error);
  }
  // Only a `)` token can close the wrapper (punctuators have no escapes), so text without one needs no second parse.
  if (expression.includes(")") && parseError(`return [${expression}\n];`)) return "not a single expression";
  return null;
}

interface ParseError {
  message: string;
  line?: number;
}

function describe(error: ParseError): string {
  return error.line === undefined ? error.message : `${error.message} (line ${error.line})`;
}

function parseError(body: string): ParseError | null {
  try {
    // The fast path: V8 caches what `new Function` compiled, so recompiling a saved graph is cheap.
    new Function(...SCOPE, body);
    return null;
  } catch (err) {
    if (!(err instanceof SyntaxError)) return { message: String(err) };
    return locate(body) ?? { message: err.message };
  }
}

/** Returns the error with its line: compileFunction reports the body's own line, `new Function` does not. */
function locate(body: string): ParseError | null {
  try {
    compileFunction(body, SCOPE, { filename: "script" });
    return null;
  } catch (err) {
    if (!(err instanceof SyntaxError)) return null;
    // V8 puts "script:<line>" first in the stack of a syntax error in compiled source.
    const line = /^script:(\d+)/.exec(err.stack ?? "")?.[1];
    return { message: err.message, line: line === undefined ? undefined : Number(line) };
  }
}
