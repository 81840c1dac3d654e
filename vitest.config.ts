import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", ".cutover/**"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Tests that build SQLite files or run the embedded engines use their own temp CUTOVER_HOME; every
    // other test (and every CLI it spawns) gets this one, so no test reads or writes the user's state.
    env: { CUTOVER_LOG_LEVEL: "silent", CUTOVER_HOME: mkdtempSync(join(tmpdir(), "cutover-vitest-")) },
  },
});
