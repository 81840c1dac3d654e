/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import { describe, expect, it } from "vitest";
import { internal } from "../../convex/_generated/api";
import schema from "../../convex/schema.ts";
import { canonicalJson, sha256 } from "../../lib/canonical.ts";
import { compileWorkflow } from "../../workflow/compile.ts";
import { EmbeddedInngestExecutor } from "./embedded.ts";
import { nodeEnvFactory } from "./node-env.ts";
import { ConvexBlobStore } from "./payload.ts";

const modules = import.meta.glob("../../convex/**/*.ts");

describe("ConvexBlobStore (convex/inngestBlobs.ts on convex-test)", () => {
  it("stores a blob once under its hash, reads it back, and refuses text that is not what the hash names", async () => {
    const t = convexTest(schema, modules);
    const store = new ConvexBlobStore(t);
    const json = canonicalJson({ big: "x".repeat(10_000) });
    const sha = sha256(json);
    await store.put(sha, json);
    await store.put(sha, json);
    expect(await new ConvexBlobStore(t).get(sha)).toBe(json);
    expect(await new ConvexBlobStore(t).get("0".repeat(64))).toBeUndefined();
    const rows = await t.run((ctx) => ctx.db.query("cutover_inngestBlobs").collect());
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ sha256: sha, bytes: json.length });
    await expect(t.action(internal.cutover.inngestBlobs.put, { sha256: sha, json: "{}" })).rejects.toThrow(
      /does not hash to/,
    );
  });

  it("keeps a run's 5 MB step output in file storage, where another instance reads it", async () => {
    const t = convexTest(schema, modules);
    const result = compileWorkflow({
      id: "big-output",
      name: "big output",
      variables: [],
      nodes: [
        { id: "input", type: "input", position: { x: 0, y: 0 }, data: {} },
        {
          id: "make",
          type: "transform",
          position: { x: 100, y: 0 },
          data: { script: "return { text: 'v'.repeat(5 * 1024 * 1024) };" },
        },
        { id: "output", type: "output", position: { x: 200, y: 0 }, data: {} },
      ],
      edges: [
        { id: "e1", source: "input", target: "make" },
        { id: "e2", source: "make", target: "output" },
      ],
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const executor = new EmbeddedInngestExecutor({
      env: nodeEnvFactory({ defaultProvider: "mock" }),
      retries: 0,
      blobs: new ConvexBlobStore(t),
    });
    await executor.submit({ runId: "r", workspaceId: "w", workflow: result.compiled, input: {} });
    const record = await executor.waitFor("w", "r");
    expect(record.status).toBe("completed");
    const ref = record.output as { sha256: string; bytes: number };
    expect(ref.bytes).toBeGreaterThan(5 * 1024 * 1024);
    // Another process's store (no shared cache) reads the same bytes from the deployment.
    const text = await new ConvexBlobStore(t).get(ref.sha256);
    expect(JSON.parse(text ?? "null").text).toHaveLength(5 * 1024 * 1024);
  }, 60_000);
});
