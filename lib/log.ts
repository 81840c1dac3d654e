// Where do logs go, and how do secrets stay out of them? One pino logger to stderr, redacting as it writes.
import pino, { type Logger } from "pino";
import { redact } from "./redact.ts";

let root: Logger | undefined;

/** Returns the process logger: JSON on stderr, pretty on a TTY, level from CUTOVER_LOG_LEVEL (default info). */
export function logger(): Logger {
  // Resolved on first use, never at import: tests and the CLI set CUTOVER_LOG_LEVEL before logging.
  if (root) return root;
  const level = process.env.CUTOVER_LOG_LEVEL ?? "info";
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
      ? pino(options, pino.transport({ target: "pino-pretty", options: { destination: 2, colorize: true } }))
      : pino(options, pino.destination({ dest: 2, sync: true }));
  return root;
}

/** Returns a child logger tagged with a component name. */
export function log(component: string): Logger {
  return logger().child({ component });
}
