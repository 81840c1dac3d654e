// How does a command end? Exit codes of the CLI contract and the error that carries a usage failure.

export const EXIT = { ok: 0, negative: 1, usage: 2 } as const;

/** Bad usage or unreadable input: the CLI prints the message as one line on stderr and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
