// How does the CLI read the files it is given and write the ones it is asked for? JSON from disk or stdin (`-`),
// and files written whole or not at all, failing with one line that names the file.
import {
  accessSync,
  constants,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { UsageError } from "./exit.ts";

/** Where `-` is read from; tests replace `read`. */
export const stdin = { read: (): string => readFileSync(0, "utf8") };
let stdinTakenBy: string | undefined;

/** Forgets that stdin was read (each command line may read it once). */
export function resetStdin(): void {
  stdinTakenBy = undefined;
}

/** Returns how a file argument is named in messages: the path, or "(stdin)" for `-`. */
export function shownPath(path: string): string {
  return path === "-" ? "(stdin)" : path;
}

/**
 * Returns the parsed JSON of a file, or of stdin when the path is `-` (once per command line); throws
 * UsageError naming the file when it cannot be read or parsed.
 */
export function readJsonFile(path: string, what = "file"): unknown {
  let text: string;
  const shown = shownPath(path);
  try {
    if (path === "-") {
      if (stdinTakenBy !== undefined) {
        throw new UsageError(`stdin can be read once: ${stdinTakenBy} and ${what} both name -`);
      }
      stdinTakenBy = what;
      text = stdin.read();
    } else text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${what} ${shown}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (code ?? String(err))}`,
    );
  }
  if (text.trim() === "") throw new UsageError(`${what} ${shown} is empty`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${what} ${shown} is not JSON: ${(err as Error).message.split("\n")[0]}`);
  }
}

/** Writes one JSON document to stdout (the --json contract). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Returns the nearest existing ancestor of a path (the path itself when it exists) and what it is. */
function nearestExisting(path: string): { at: string; isDirectory: boolean } {
  let at = resolve(path);
  for (;;) {
    try {
      return { at, isDirectory: statSync(at).isDirectory() };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw new UsageError(`cannot inspect ${at}: ${code}`);
    }
    const parent = dirname(at);
    if (parent === at) return { at, isDirectory: true };
    at = parent;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Throws UsageError naming `what` and the path unless a file can be written there: not a directory, no
 * file in the way of its directory, and permission to write. Checked before a command writes anything.
 */
export function checkWritableFile(path: string, what: string): void {
  if (path === "" || path.endsWith("/") || path.endsWith(sep)) {
    throw new UsageError(`${what} ${path || '""'} names a directory: give a file path`);
  }
  const { at, isDirectory } = nearestExisting(path);
  if (at === resolve(path)) {
    if (isDirectory) throw new UsageError(`${what} ${path} is a directory: give a file path`);
    if (!writable(at) || !writable(dirname(at))) throw new UsageError(`${what} ${path} is not writable`);
    return;
  }
  if (!isDirectory) throw new UsageError(`${what} ${path} cannot be created: ${at} is not a directory`);
  if (!writable(at)) throw new UsageError(`${what} ${path} cannot be created: ${at} is not writable`);
}

/** Throws UsageError naming `what` and the path unless it is, or can be made, a writable directory. */
export function checkWritableDirectory(path: string, what: string): void {
  const { at, isDirectory } = nearestExisting(path);
  const exists = at === resolve(path);
  if (!isDirectory) {
    throw new UsageError(
      exists
        ? `${what} ${path} is not a directory`
        : `${what} ${path} cannot be created: ${at} is not a directory`,
    );
  }
  if (!writable(at)) {
    throw new UsageError(
      exists ? `${what} ${path} is not writable` : `${what} ${path} cannot be created: ${at} is not writable`,
    );
  }
}

/**
 * Writes text to a file through a temp file and a rename, so a reader never sees half of it; on failure
 * the temp file is removed and UsageError names the path.
 */
export function writeFileAtomically(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (err) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Nothing was left there, or nothing can be removed: the error below says why either way.
    }
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write ${path}: ${code ?? (err as Error).message}`);
  }
}
