import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", ".cutover/**"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Tests that build SQLite files or run the embedded engines use their own temp CUTOVER_HOME.
    env: { CUTOVER_LOG_LEVEL: "silent" },
  },
});
