// Where does cutover keep its local state? CUTOVER_HOME, default ./.cutover, read when asked, never at import.
import { resolve } from "node:path";

/** Returns the absolute state directory. */
export function cutoverHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.CUTOVER_HOME || ".cutover");
}
