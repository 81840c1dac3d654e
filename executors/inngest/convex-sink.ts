// Where do mirrored Inngest runs go in production? The Convex runs/steps/logs tables, through convex/mirror.ts.
import type { FunctionReference } from "convex/server";
import { internal } from "../../convex/_generated/api";
import type { MirrorLogRow, MirrorRunRow, MirrorSink, MirrorStepRow } from "./mirror.ts";

/**
 * What the sink needs of a Convex client: ConvexHttpClient with an admin key, convex-test's `t`, or an
 * action's ctx as `{ mutation: (ref, args) => ctx.runMutation(ref, args) }`.
 */
export interface ConvexMutator {
  mutation(ref: FunctionReference<"mutation", "internal">, args: any): Promise<unknown>;
}

/** A MirrorSink over the Convex tables: each write is an internal upsert that redacts before it stores. */
export class ConvexMirrorSink implements MirrorSink {
  constructor(private readonly client: ConvexMutator) {}

  async upsertRun(row: MirrorRunRow): Promise<void> {
    await this.client.mutation(internal.cutover.mirror.upsertRun, row);
  }

  async upsertStep(row: MirrorStepRow): Promise<void> {
    await this.client.mutation(internal.cutover.mirror.upsertStep, row);
  }

  async appendLogOnce(row: MirrorLogRow): Promise<void> {
    await this.client.mutation(internal.cutover.mirror.appendLogOnce, row);
  }
}
