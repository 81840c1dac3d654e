// How do runs execute with no deployment? The same convex/ functions inside convex-test, in this process.
import type { convexTest } from "convex-test";
import { internal } from "../../convex/_generated/api.js";
import schema from "../../convex/schema.ts";
import type { ConvexBackend } from "./backend.ts";
import { convexTestWithLimits, whenLimitsReady } from "./limits.ts";
import { convexModules } from "./modules.ts";
import { trustedRunCalls } from "./run-calls.ts";

/**
 * Returns a backend running Convex's official in-process runtime over a fresh, in-memory database.
 * `runs.startCompiled` schedules the executing action with `ctx.scheduler.runAfter(0, ...)`; convex-test fires
 * scheduled functions on real timers, so the action runs in the background exactly as the scheduler
 * would run it on a deployment. Runs start through the internal functions (this process is the
 * deployment); `apiKeyFor` issues a workspace key on first use for callers of the public functions.
 */
export function createEmbeddedBackend(
  modules: Record<string, () => Promise<unknown>> = convexModules,
  pollMs = 10,
): ConvexBackend & { readonly t: ReturnType<typeof convexTest> } {
  // Convex's limits on, as on a deployment (limits.ts): a run that would fail there fails here.
  const t = convexTestWithLimits(schema, memoized(modules));
  const keys = new Map<string, Promise<string>>();
  return {
    t,
    description: "embedded (convex-test)",
    pollMs,
    // convex-test types its args as rest parameters; the backend shape always passes exactly one.
    query: (ref, args) => (t.query as any)(ref, args),
    mutation: (ref, args) => (t.mutation as any)(ref, args),
    whenIdle: () => t.finishInProgressScheduledFunctions(),
    // This process is the deployment: it calls the internal run functions, as the router's actions do.
    runs: trustedRunCalls({
      query: (ref, args) => (t.query as any)(ref, args),
      mutation: (ref, args) => (t.mutation as any)(ref, args),
      storeText: (text) => t.run((ctx) => ctx.storage.store(new Blob([text], { type: "application/json" }))),
    }),
    apiKeyFor(workspaceId) {
      let key = keys.get(workspaceId);
      if (!key) {
        key = t
          .action(internal.cutover.apiKeys.issue, { workspaceId, name: "embedded-operator" })
          .then((r) => r.key);
        keys.set(workspaceId, key);
      }
      return key;
    },
  };
}

/**
 * convex-test calls a module's loader on every function call. A dynamic import() of a loaded module
 * still goes through the loader's resolve hooks (tsx answers them on another thread, ~1 ms each), so
 * each loader runs once and its promise is kept.
 */
function memoized(modules: Record<string, () => Promise<unknown>>): Record<string, () => Promise<any>> {
  return Object.fromEntries(
    Object.entries(modules).map(([path, load]) => {
      let loaded: Promise<unknown> | undefined;
      return [path, () => (loaded ??= whenLimitsReady().then(load).then(withValidatorsExportedOnce))];
    }),
  );
}

/**
 * convex-test also asks each function for its argument and return validators on every call, and
 * each answer rebuilds and serialises them (a tenth of a step's cost in the runtime). A deployment
 * reads them once, when the functions are pushed; so does this: each function's first answer is kept.
 */
function withValidatorsExportedOnce(module: unknown): unknown {
  for (const fn of Object.values(module as Record<string, unknown>)) {
    if (typeof fn !== "function" || typeof (fn as unknown as ExportsValidators).exportArgs !== "function")
      continue;
    const f = fn as unknown as ExportsValidators;
    if (exportedOnce.has(f)) continue;
    exportedOnce.add(f);
    f.exportArgs = once(f.exportArgs);
    f.exportReturns = once(f.exportReturns);
  }
  return module;
}

interface ExportsValidators {
  exportArgs: () => string;
  exportReturns: () => string;
}

/** Functions already wrapped (modules are shared by every embedded runtime in the process). */
const exportedOnce = new WeakSet<ExportsValidators>();

function once(f: () => string): () => string {
  let value: string | undefined;
  return () => (value ??= f());
}
