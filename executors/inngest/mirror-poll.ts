// What does one pass of the production mirror do? Reads each run still open in the mirror from the Inngest REST API and copies it into Convex.
import pLimit from "p-limit";
import { internal } from "../../convex/_generated/api";
import { log } from "../../lib/log.ts";
import { isTerminal } from "../records.ts";
import { type ConvexIndexClient, ConvexRunIndex } from "./convex-index.ts";
import { ConvexMirrorSink } from "./convex-sink.ts";
import { InngestExecutor } from "./executor.ts";
import { mirrorRun } from "./mirror.ts";
import { ConvexBlobStore, MemoryBlobStore } from "./payload.ts";
import type { InngestRestClient } from "./rest.ts";

export interface MirrorPassOptions {
  /** Defaults to a client configured from INNGEST_API_BASE / INNGEST_SIGNING_KEY. */
  rest?: InngestRestClient;
  /** Runs read per pass, least recently polled first (the rest wait for the next pass). */
  batch?: number;
  /** Runs mirrored at once. */
  concurrency?: number;
  /** A run still open this long after it was submitted is given up on (Inngest's own limits end runs far sooner). */
  maxOpenMs?: number;
  now?: () => number;
}

export interface MirrorPassResult {
  polled: number;
  /** Runs that reached a terminal state (or were given up on) and left the poller's list. */
  closed: number;
  failed: number;
}

/** Payloads above this are kept as hash references: Convex documents hold at most 1 MiB. */
const MIRROR_INLINE_BYTES = 256 * 1024;

/** Returns what one pass did: every open run it read was mirrored (or failed, and stays open for the next pass). */
export async function mirrorOpenRuns(
  client: ConvexIndexClient,
  options: MirrorPassOptions = {},
): Promise<MirrorPassResult> {
  const logger = log("inngest-mirror");
  const now = options.now ?? Date.now;
  const maxOpenMs = options.maxOpenMs ?? 7 * 24 * 3_600_000;
  const entries: { workspaceId: string; runId: string; createdAt: number }[] = await client.query(
    internal.cutover.mirror.openEntries,
    { limit: options.batch ?? 50 },
  );
  const executor = new InngestExecutor({
    ...(options.rest && { rest: options.rest }),
    // The poller only reads: recording a run it already knows must not kick another chain.
    index: new ConvexRunIndex(client, { kickMirror: false }),
    // Step payloads the function kept by reference live in the deployment's file storage when the serving
    // host writes there (ConvexBlobStore); a client without actions (tests) keeps them in memory.
    payloads: {
      blobs: client.action
        ? new ConvexBlobStore({ action: (ref, args) => client.action!(ref, args) })
        : new MemoryBlobStore(),
      thresholdBytes: MIRROR_INLINE_BYTES,
    },
  });
  const sink = new ConvexMirrorSink(client);
  const result: MirrorPassResult = { polled: entries.length, closed: 0, failed: 0 };
  const limit = pLimit(options.concurrency ?? 4);
  await Promise.all(
    entries.map(({ workspaceId, runId, createdAt }) =>
      limit(async () => {
        let open = true;
        try {
          const record = await mirrorRun(executor, sink, workspaceId, runId);
          open = record !== null && !isTerminal(record.status);
        } catch (err) {
          // One unreadable run must not stop the others; it is tried again next pass.
          result.failed++;
          logger.warn({ runId, err }, "mirroring a run failed");
        }
        if (open && now() - createdAt > maxOpenMs) {
          logger.warn({ runId }, "giving up mirroring a run that has been open too long");
          open = false;
        }
        if (!open) result.closed++;
        await client.mutation(internal.cutover.mirror.markPolled, { workspaceId, runId, open, at: now() });
      }),
    ),
  );
  return result;
}
