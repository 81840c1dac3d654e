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
    formatters: { log: (obj) => redact(obj) },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) =>
            typeof a === "string" || (a && typeof a === "object") ? redact(a) : a,
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
