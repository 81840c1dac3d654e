// What are the speed and memory figures today? Runs every bench/*.bench.ts, prints them, writes bench/results/.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Bench } from "./measure.ts";

process.env.CUTOVER_LOG_LEVEL ??= "silent";
const here = dirname(fileURLToPath(import.meta.url));
const [flag, arg] = process.argv.slice(2);

if (flag === "--one") {
  // One benchmark per process, so each peak-RSS figure is that benchmark's own.
  const bench = (await import(join(here, arg))).default as Bench;
  const figures = await bench.run();
  const record = { name: bench.name, at: new Date().toISOString(), node: process.version, figures };
  console.log(`\n## ${bench.name}`);
  for (const [k, v] of Object.entries(figures))
    console.log(`  ${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`);
  mkdirSync(join(here, "results"), { recursive: true });
  writeFileSync(join(here, "results", `${bench.name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  process.exit(0);
}

const filter = flag;
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts") && (!filter || f.includes(filter)))
  .sort();
for (const file of files) {
  execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--one", file], {
    stdio: "inherit",
  });
}
