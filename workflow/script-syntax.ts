// Does a transform body or a branch/map expression parse? Checked by V8's parser; the code is never run.

/** The names every script sees (transform, branch, map items; map tasks add item and index). */
const SCOPE = ["input", "results", "nodes", "item", "index"];

/**
 * Returns the syntax error of a function body, or null when it parses. `new Function` only parses:
 * the function it builds is dropped uncalled, and V8 rejects a body that would close the function early.
 */
export function functionBodySyntaxError(body: string): string | null {
  return parseError(body);
}

/**
 * Returns the syntax error of an expression, or null when it is one expression. The expression is
 * parsed inside `( … )` and again inside `[ … ]`: text that closes the wrapper to smuggle statements
 * (`1); steal(); (2`) cannot close both bracket kinds, so one of the two parses fails.
 */
export function expressionSyntaxError(expression: string): string | null {
  if (expression.trim() === "") return "empty expression";
  const asParenthesized = parseError(`return (${expression}\n);`);
  if (asParenthesized) return asParenthesized;
  if (parseError(`return [${expression}\n];`)) return "not a single expression";
  return null;
}

function parseError(body: string): string | null {
  try {
    new Function(...SCOPE, body);
    return null;
  } catch (err) {
    return err instanceof SyntaxError ? err.message : String(err);
  }
}
