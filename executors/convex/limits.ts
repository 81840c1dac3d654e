// Which Convex limits does the embedded runtime enforce? convex-test's transaction limits, plus the 1 MiB document size it does not check.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { SchemaDefinition } from "convex/server";
import { convexTest } from "convex-test";

/** Convex's largest document (https://docs.convex.dev/production/state/limits): 1 MiB. */
export const MAX_DOCUMENT_BYTES = 1 << 20;

/** The first words of the error a write of a larger document throws (production: "Value is too large"). */
export const DOCUMENT_TOO_LARGE = "Document is too large";

interface Tracker {
  _current(): { enforce: boolean } | undefined;
  trackWrite(bytes: number): void;
}

let installed: Promise<void> | undefined;

/**
 * Makes convex-test's metrics tracker refuse a write whose document is over 1 MiB, in every test
 * runtime created with `transactionLimits` (the tracker is told each written document's size, after
 * the write, inside the transaction: throwing there rolls the mutation back, as production refuses it).
 * convex-test ships the tracker as its own module; it is loaded by path because the package's exports
 * do not list it.
 */
export function enforceDocumentSize(): Promise<void> {
  installed ??= (async () => {
    const entry = createRequire(import.meta.url).resolve("convex-test");
    const url = pathToFileURL(join(dirname(entry), "transactionMetrics.js")).href;
    const { TransactionMetricsTracker } = (await import(url)) as {
      TransactionMetricsTracker: { prototype: Tracker };
    };
    const proto = TransactionMetricsTracker.prototype;
    const trackWrite = proto.trackWrite;
    proto.trackWrite = function (this: Tracker, bytes: number) {
      if (bytes > MAX_DOCUMENT_BYTES && this._current()?.enforce) {
        throw new Error(
          `${DOCUMENT_TOO_LARGE}: ${bytes} bytes, over the ${MAX_DOCUMENT_BYTES}-byte (1 MiB) maximum. ` +
            "This is a Convex limit: https://docs.convex.dev/production/state/limits",
        );
      }
      trackWrite.call(this, bytes);
    };
  })();
  return installed;
}

/** Starts loading the document-size check now, so it is in place before the first function runs. */
const ready = enforceDocumentSize();

/**
 * Returns a convex-test runtime with Convex's limits on: transaction reads and writes, documents read
 * and written, scheduled functions and their arguments, files (convex-test's `transactionLimits: true`),
 * and 1 MiB documents. `whenReady` resolves once the document check is installed.
 */
export function convexTestWithLimits<S extends SchemaDefinition<any, boolean>>(
  schema: S,
  modules: Record<string, () => Promise<any>>,
) {
  return convexTest({ schema, modules, transactionLimits: true });
}

/** Resolves once the 1 MiB document check is installed (it starts when this module loads). */
export const whenLimitsReady = (): Promise<void> => ready;
