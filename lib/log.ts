// Where do logs go, and how do secrets stay out of them? One pino logger to stderr, redacting as it writes.
import pino, { type Logger } from "pino";
import { redact } from "./redact.ts";

let root: Logger | undefined;

/** The levels CUTOVER_LOG_LEVEL takes (pino's, plus silent). */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Returns why CUTOVER_LOG_LEVEL is unusable, naming the variable and the valid levels, or undefined when it is fine. */
export function logLevelProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const level = env.CUTOVER_LOG_LEVEL;
  if (!level || (LOG_LEVELS as readonly string[]).includes(level)) return undefined;
  return `CUTOVER_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${level}"`;
}

/** Returns the pino-pretty options used on a TTY: colours unless NO_COLOR is set to anything but "" (no-color.org). */
export function prettyOptions(env: NodeJS.ProcessEnv = process.env): { destination: 2; colorize: boolean } {
  return { destination: 2, colorize: !env.NO_COLOR };
}

/** Returns the process logger: JSON on stderr, pretty on a TTY, level from CUTOVER_LOG_LEVEL (default info). */
export function logger(): Logger {
  // Resolved on first use, never at import: tests and the CLI set CUTOVER_LOG_LEVEL before logging.
  if (root) return root;
  const problem = logLevelProblem();
  if (problem) throw new Error(problem);
  const level = process.env.CUTOVER_LOG_LEVEL || "info";
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    // Errors are already `{ type, code, message }` (withLoggableErrors, in the hook below): kept as they are.
    serializers: { err: (err: unknown) => err },
    formatters: { log: (obj) => redact(obj) },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) =>
            typeof a === "string" || (a && typeof a === "object") ? redact(withLoggableErrors(a)) : a,
          ) as typeof args,
        );
      },
    },
  };
  root =
    process.stderr.isTTY && process.env.CUTOVER_LOG_FORMAT !== "json"
      ? pino(options, pino.transport({ target: "pino-pretty", options: prettyOptions() }))
      : pino(options, pino.destination({ dest: 2, sync: true }));
  return root;
}

/** Returns a child logger tagged with a component name. */
export function log(component: string): Logger {
  return logger().child({ component });
}

/**
 * Returns an error as a log line shows it: `{ type, code, message }`. The code is the error's own, else its
 * cause's (errors that crossed Inngest's step boundary keep `{ code, message }` there), else the `CODE: `
 * prefix of its message (Inngest's serialised copies), else INTERNAL. Without this an error's message and
 * code (not enumerable own fields) vanish, and Inngest's retries logged only `{ name: "NodeError" }`.
 */
export function loggableError(err: Error): { type: string; code: string; message: string } {
  const own = (err as { code?: unknown }).code;
  const cause = (err as { cause?: unknown }).cause as { code?: unknown } | undefined;
  const code =
    typeof own === "string" || typeof own === "number"
      ? String(own)
      : cause && typeof cause === "object" && typeof cause.code === "string"
        ? cause.code
        : (/^([A-Z][A-Z0-9_]+): /.exec(err.message)?.[1] ?? "INTERNAL");
  return { type: err.name, code, message: err.message };
}

/** Returns a log argument with every Error in it (itself, or a field such as `err`) as loggableError shows it. */
export function withLoggableErrors(value: unknown): unknown {
  if (value instanceof Error) return loggableError(value);
  if (!value || typeof value !== "object" || Array.isArray(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, field] of Object.entries(value)) {
    if (!(field instanceof Error)) continue;
    copy ??= { ...(value as Record<string, unknown>) };
    copy[key] = loggableError(field);
  }
  return copy ?? value;
}
