import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { convexModules } from "./modules.ts";

describe("embedded modules map", () => {
  it("lists every convex/**/*.ts file and the generated api and server", () => {
    const dir = join(import.meta.dirname, "../../convex");
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter(
      (f) =>
        f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".d.ts") && !f.startsWith("_generated"),
    );
    const expected = [
      ...files.map((f) => `../../convex/${f}`),
      "../../convex/_generated/api.js",
      "../../convex/_generated/server.js",
    ].sort();
    expect(Object.keys(convexModules).sort()).toEqual(expected);
  });
});
