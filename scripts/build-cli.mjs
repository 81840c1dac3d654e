// How does the `cutover` bin start fast? It runs this build's JavaScript (dist/cli/main.js), not the TypeScript
// through tsx's hooks. Run by `npm ci` / `npm install` (the `prepare` script), `npm run build`, and before each
// `npm run cutover` / `npm run demo` (a fraction of a second), so the bin never runs stale code.
// One ES module per command (code splitting), so a command line loads only the command it names; packages stay
// in node_modules (resolved from dist/ as from the sources); JSON the code imports is inlined.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "cli");
const { outputFiles } = await build({
  absWorkingDir: root,
  entryPoints: ["cli/main.ts"],
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  // Every chunk sits beside main.js, so a file a module finds beside itself (new URL("./x", import.meta.url)) is here.
  chunkNames: "[name]-[hash]",
  logLevel: "warning",
  write: false,
});
// Read at run time beside the module that starts it (workflow/sandbox-pool.ts): plain JavaScript, copied as is.
const files = [
  ...outputFiles.map((f) => ({ path: f.path, contents: f.contents })),
  {
    path: join(out, "sandbox-worker.mjs"),
    contents: readFileSync(join(root, "workflow", "sandbox-worker.mjs")),
  },
];
mkdirSync(out, { recursive: true });
// A cutover already running may still load chunks from here: each file is replaced whole (rename), an unchanged
// one is left alone, and a chunk this build no longer makes is removed only once it is an hour old.
for (const { path, contents } of files) {
  let same = false;
  try {
    same = readFileSync(path).equals(contents);
  } catch {}
  if (same) continue;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}
const made = new Set(files.map((f) => basename(f.path)));
const hourAgo = Date.now() - 3_600_000;
for (const name of readdirSync(out)) {
  const path = join(out, name);
  if (!made.has(name) && statSync(path).mtimeMs < hourAgo) rmSync(path, { force: true });
}
