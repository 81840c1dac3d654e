// What happens when separate processes write one flag at once? A writer process for the cross-process race test:
// waits for a go file, then does read-modify-CAS rounds and prints how many it won and lost.
import { existsSync, writeFileSync } from "node:fs";
import { FlagConflictError } from "../flags/errors.ts";
import { flagState } from "../flags/flag.ts";
import { openSqliteStore } from "./sqlite.ts";

const [dbPath, actor, readyFile, goFile, roundsRaw] = process.argv.slice(2);
const store = openSqliteStore({ path: dbPath });
writeFileSync(readyFile, "");
while (!existsSync(goFile)) await new Promise((r) => setTimeout(r, 1));

let won = 0;
let lost = 0;
for (let i = 0; i < Number(roundsRaw); i++) {
  const current = await store.getFlag("wf1");
  // Widen the window between read and write so the other processes' writes land inside it.
  await new Promise((r) => setTimeout(r, i % 3));
  try {
    await store.compareAndSetFlag({
      workflowId: "wf1",
      expectedVersion: current?.version ?? 0,
      next: { ...flagState(current!), samplePct: (i * 7) % 101 },
      actor,
      reason: `${actor} round ${i}`,
    });
    won++;
  } catch (err) {
    if (!(err instanceof FlagConflictError)) throw err;
    lost++;
  }
}
await store.close();
process.stdout.write(JSON.stringify({ won, lost }));
