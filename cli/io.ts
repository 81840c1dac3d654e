// How does the CLI read the files it is given? JSON from disk, failing with one line that names the file.
import { readFileSync } from "node:fs";
import { UsageError } from "./exit.ts";

/** Returns the parsed JSON of a file; throws UsageError naming the file when it cannot be read or parsed. */
export function readJsonFile(path: string, what = "file"): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${what} ${path}: ${code === "ENOENT" ? "no such file" : (code ?? String(err))}`,
    );
  }
  if (text.trim() === "") throw new UsageError(`${what} ${path} is empty`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${what} ${path} is not JSON: ${(err as Error).message.split("\n")[0]}`);
  }
}

/** Writes one JSON document to stdout (the --json contract). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
