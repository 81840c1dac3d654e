import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore, StoreConfigError } from "./index.ts";

const home = mkdtempSync(join(tmpdir(), "cutover-open-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("openStore", () => {
  it("opens the SQLite file under CUTOVER_HOME without CONVEX_URL", async () => {
    const store = openStore({ CUTOVER_HOME: home });
    expect(await store.listFlags()).toEqual([]);
    await store.close();
    expect(existsSync(join(home, "state.db"))).toBe(true);
  });

  it("refuses CONVEX_URL without a deploy key, and a malformed URL, with a clear message", () => {
    expect(() => openStore({ CONVEX_URL: "https://happy-otter-123.convex.cloud" })).toThrow(StoreConfigError);
    expect(() => openStore({ CONVEX_URL: "https://happy-otter-123.convex.cloud" })).toThrow(
      /CONVEX_DEPLOY_KEY/,
    );
    expect(() => openStore({ CONVEX_URL: "not a url", CONVEX_DEPLOY_KEY: "k" })).toThrow(StoreConfigError);
  });
});
