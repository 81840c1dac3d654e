#!/usr/bin/env node
// The installed `cutover` command: the CLI built to JavaScript (dist/cli/main.js, by `npm ci`'s prepare step or
// `npm run build`), so start-up loads no TypeScript loader and only the command a line names.
import { existsSync } from "node:fs";

const built = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(built)) {
  process.stderr.write(
    "cutover: error: the CLI is not built (no dist/cli/main.js): run `npm run build` (npm ci and npm install build it)\n",
  );
  process.exit(2);
}
await import(built.href);
