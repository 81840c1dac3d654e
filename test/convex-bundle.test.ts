// Do the node actions run a transform when bundled the way `npx convex deploy` bundles them? Convex's own bundler, convex.json's external packages, and the bundled code run in convex-test.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { createEmbeddedBackend } from "../executors/convex/embedded-backend.ts";
import { ConvexExecutor } from "../executors/convex/executor.ts";
import { compileOrThrow, lineDoc, transformNode } from "../executors/convex/testing.ts";

const root = join(import.meta.dirname, "..");
const convexDir = join(root, "convex");
const modules = import.meta.glob("../convex/**/*.ts");

/** The files deploy bundles for the Node.js runtime: those starting with "use node". */
function nodeEntryPoints(): string[] {
  const files = readdirSync(convexDir, { recursive: true, encoding: "utf8" }).filter(
    (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.startsWith("_generated"),
  );
  return files
    .map((f) => join(convexDir, f))
    .filter((f) => /^\s*["']use node["'];/.test(readFileSync(f, "utf8")));
}

/**
 * Bundles the node actions the way `npx convex deploy` does. Convex's `bundle` (convex/dist/esm/bundler)
 * imports packages its CLI bundle carries inside itself (chalk, find-up, sentry), so it cannot be loaded
 * here; this calls esbuild with the options of its `innerEsbuild` (convex 1.48.0,
 * dist/esm/bundler/debugBundle.js) for the Node.js runtime — platform node, esm, esnext, conditions
 * convex/module, splitting with chunks in `_deps/node`, minified syntax and identifiers — with Convex's
 * own wasm and server-only plugins (loaded from the package) and its external-packages rule: a bare
 * import of a package that convex.json's `node.externalPackages` lists and package.json depends on is
 * left external. Writes the output beside a node_modules holding the external packages (as the
 * deployment installs them).
 */
async function bundleLikeDeploy(): Promise<{ out: string; paths: string[]; externals: string[] }> {
  const esbuild = (await import("esbuild")).default;
  const dist = join(root, "node_modules/convex/dist/esm/bundler");
  const { wasmPlugin } = await import(pathToFileURL(join(dist, "wasm.js")).href);
  const { serverOnlyPlugin } = await import(pathToFileURL(join(dist, "serverOnly.js")).href);
  const projectConfig = JSON.parse(readFileSync(join(root, "convex.json"), "utf8"));
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const deps = new Set(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }));
  const allowed = new Set<string>(projectConfig.node.externalPackages.filter((n: string) => deps.has(n)));
  const externals = new Set<string>();
  const externalPlugin = {
    name: "convex-node-externals",
    setup(build: any) {
      build.onResolve({ namespace: "file", filter: /.*/ }, (args: { path: string }) => {
        if (args.path.startsWith(".") || args.path.startsWith("/") || args.path.startsWith("node:"))
          return null;
        const parts = args.path.split("/");
        const name = args.path.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
        if (!allowed.has(name)) return null;
        externals.add(name);
        return { path: args.path, external: true };
      });
    },
  };
  const result = await esbuild.build({
    entryPoints: nodeEntryPoints(),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "esnext",
    jsx: "automatic",
    outdir: "out",
    outbase: convexDir,
    conditions: ["convex", "module"],
    plugins: [serverOnlyPlugin, externalPlugin, wasmPlugin],
    write: false,
    sourcemap: false,
    splitting: true,
    chunkNames: join("_deps", "node", "[hash]"),
    treeShaking: true,
    minifySyntax: true,
    minifyIdentifiers: true,
    minifyWhitespace: false,
    keepNames: true,
    define: { "process.env.NODE_ENV": '"production"' },
    metafile: true,
    logLevel: "error",
  });
  const out = mkdtempSync(join(tmpdir(), "cutover-bundle-"));
  const paths: string[] = [];
  for (const file of result.outputFiles) {
    const rel = relative("out", relative(process.cwd(), file.path)).split("\\").join("/");
    const target = join(out, "convex", rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.text);
    paths.push(rel);
  }
  // The deployment installs the external packages beside the bundle; here they are this repository's.
  symlinkSync(join(root, "node_modules"), join(out, "node_modules"), "dir");
  return { out, paths, externals: [...externals] };
}

describe("the node actions, bundled as deploy bundles them", () => {
  it("keep quickjs-emscripten external and the sandbox worker's source inside, and run a transform", async () => {
    const { out, paths, externals } = await bundleLikeDeploy();
    expect(externals).toContain("quickjs-emscripten");
    expect(paths).toContain("cutover/execute.js");
    const bundled = readFileSync(join(out, "convex", "cutover", "execute.js"), "utf8");
    // The worker's source rides inside the bundle (the .mjs file beside it is not deployed).
    const all = paths.map((p) => readFileSync(join(out, "convex", p), "utf8")).join("\n");
    expect(all).toContain("Where does a user's script run? In this worker thread");
    expect(bundled.length).toBeGreaterThan(0);

    // convex-test over the same functions, the node actions' modules swapped for their bundled output.
    const swapped: Record<string, () => Promise<unknown>> = { ...modules };
    for (const entry of nodeEntryPoints()) {
      const key = `../${relative(root, entry).split("\\").join("/")}`;
      const built = join(out, "convex", relative(convexDir, entry).replace(/\.ts$/, ".js"));
      expect(swapped[key]).toBeDefined();
      swapped[key] = () => import(pathToFileURL(built).href);
    }
    const backend = createEmbeddedBackend(swapped, 5);
    const executor = new ConvexExecutor({ backend, runOptions: { backoffBaseMs: 2, backoffMaxMs: 20 } });
    const workflow = compileOrThrow(
      lineDoc(
        "bundled",
        [transformNode("t", "return { doubled: input.n * 2, items: [1, 2, 3].map((x) => x + input.n) };")],
        [{ name: "n", type: "number" }],
      ),
    );
    await executor.submit({ runId: "bundled-1", workspaceId: "ws", workflow, input: { n: 21 } });
    const record = await executor.waitFor("ws", "bundled-1", { timeoutMs: 60_000 });
    expect(record.error).toBeNull();
    expect(record.status).toBe("completed");
    expect(record.output).toEqual({ doubled: 42, items: [22, 23, 24] });
  }, 120_000);

  it("carries the sandbox worker's current source (scripts/embed-sandbox-worker.mjs wrote it)", async () => {
    const { SANDBOX_WORKER_SOURCE } = await import("../workflow/sandbox-worker-source.ts");
    expect(SANDBOX_WORKER_SOURCE).toBe(readFileSync(join(root, "workflow/sandbox-worker.mjs"), "utf8"));
  });
});
