// How does a command end? Exit codes of the CLI contract and the errors that carry each kind of ending.

/**
 * 0 success; 1 a negative answer (invalid graph, failed run, mismatch, version conflict); 2 bad usage
 * or an unusable input or environment, refused before anything is written; 70 a bug in cutover only.
 */
export const EXIT = { ok: 0, negative: 1, usage: 2, bug: 70 } as const;

/** Bad usage or unreadable input: the CLI prints the message as one line on stderr, with a --help hint, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The environment cannot serve the command (a variable names something unusable or unreachable): one
 * line naming the variable, exit 2, no --help hint (the command line was fine).
 */
export class EnvironmentError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = "EnvironmentError";
  }
}

/** A negative answer found before anything ran (an invalid workflow): the message on stderr, exit 1. */
export class NegativeAnswer extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NegativeAnswer";
  }
}

/** A workflow that does not compile: every validator error, exit 1 on every command (as `validate` says). */
export class InvalidWorkflowError extends NegativeAnswer {
  constructor(
    readonly source: string,
    readonly errors: readonly { code: string; path: string; message: string }[],
  ) {
    const lines = errors.map((e) => `  ${e.code} at ${e.path || "(document)"}: ${e.message}`);
    super(
      `workflow ${source} is invalid (${errors.length} error${errors.length === 1 ? "" : "s"}):\n${lines.join("\n")}`,
    );
    this.name = "InvalidWorkflowError";
  }
}

/** Returns what a failed network call could not reach ("ECONNREFUSED 127.0.0.1:9"), or undefined for other errors. */
export function networkFailure(err: unknown): string | undefined {
  if (!(err instanceof TypeError) || err.message !== "fetch failed") return undefined;
  const cause = (err as { cause?: unknown }).cause as
    | (NodeJS.ErrnoException & { address?: string; port?: number; errors?: unknown[] })
    | undefined;
  if (!cause) return "fetch failed";
  const inner = (cause.errors?.[0] as typeof cause | undefined) ?? cause;
  const where = inner.address ? ` ${inner.address}${inner.port ? `:${inner.port}` : ""}` : "";
  return `${inner.code ?? cause.code ?? cause.message}${where}`;
}
