// Where does cutover keep its local state? One directory, whatever the working directory: CUTOVER_HOME, else the
// XDG state directory ($XDG_STATE_HOME/cutover, else ~/.local/state/cutover). Read when asked, never at import.
import { statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

/** Returns the absolute state directory. */
export function cutoverHome(env: NodeJS.ProcessEnv = process.env): string {
  return homeAndSource(env).path;
}

/** Returns the state directory and the rule that chose it (what `cutover --help` prints). */
export function homeAndSource(env: NodeJS.ProcessEnv = process.env): { path: string; source: string } {
  if (env.CUTOVER_HOME) return { path: resolve(env.CUTOVER_HOME), source: "CUTOVER_HOME" };
  // The XDG Base Directory spec: a relative XDG_STATE_HOME is invalid and is ignored.
  const xdg = env.XDG_STATE_HOME;
  if (xdg && isAbsolute(xdg)) return { path: join(xdg, "cutover"), source: "XDG_STATE_HOME" };
  return { path: join(env.HOME || homedir(), ".local", "state", "cutover"), source: "default" };
}

/** Returns why the state directory cannot hold state (a file, say), or undefined when it can or does not exist yet. */
export function homeProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { path, source } = homeAndSource(env);
  const named = source === "default" ? `the state directory ${path}` : `${source} (${path})`;
  let at = path;
  // The nearest existing ancestor decides: a file anywhere on the way stops mkdir.
  for (;;) {
    try {
      if (!statSync(at).isDirectory()) {
        return at === path
          ? `${named} is not a directory`
          : `${named} cannot be created: ${at} is not a directory`;
      }
      return undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a file further up; the walk finds and names it.
      if (code !== "ENOENT" && code !== "ENOTDIR") return `${named} cannot be read: ${code}`;
    }
    const parent = resolve(at, "..");
    if (parent === at) return undefined;
    at = parent;
  }
}
