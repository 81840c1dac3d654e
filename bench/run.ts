// What are the speed and memory figures today? Runs every bench/*.bench.ts, prints them, writes bench/results/.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Bench } from "./measure.ts";

process.env.CUTOVER_LOG_LEVEL ??= "silent";
const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts") && (!filter || f.includes(filter)))
  .sort();
mkdirSync(join(here, "results"), { recursive: true });

for (const file of files) {
  const bench = (await import(join(here, file))).default as Bench;
  const figures = await bench.run();
  const record = { name: bench.name, at: new Date().toISOString(), node: process.version, figures };
  console.log(`\n## ${bench.name}`);
  for (const [k, v] of Object.entries(figures))
    console.log(`  ${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`);
  writeFileSync(join(here, "results", `${bench.name}.json`), `${JSON.stringify(record, null, 2)}\n`);
}
process.exit(0);
