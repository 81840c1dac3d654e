// Writes workflow/sandbox-worker-source.ts: the sandbox worker's source as a string, so a bundle that cannot carry
// workflow/sandbox-worker.mjs beside it (a Convex node action) still starts the worker. Run after editing the worker;
// test/convex-bundle.test.ts fails while the two differ.
import { readFileSync, writeFileSync } from "node:fs";

const source = readFileSync(new URL("../workflow/sandbox-worker.mjs", import.meta.url), "utf8");
const out = `// Which source does a bundled sandbox worker run? workflow/sandbox-worker.mjs as text, written by scripts/embed-sandbox-worker.mjs (do not edit).
export const SANDBOX_WORKER_SOURCE: string =
  ${JSON.stringify(source)};
`;
writeFileSync(new URL("../workflow/sandbox-worker-source.ts", import.meta.url), out);
