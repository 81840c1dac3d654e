// Which Inngest run is behind a runId another process submitted? The RunIndex kept in Convex (convex/inngestRuns.ts).
import type { FunctionReference } from "convex/server";
import { internal } from "../../convex/_generated/api";
import type { CompiledWorkflow } from "../../workflow/compiled.ts";
import type { IndexedRun, RunIndex } from "./executor.ts";

/** What the index needs of a Convex client (ConvexHttpClient with an admin key, convex-test's `t`, an action's ctx). */
export interface ConvexIndexClient {
  query(ref: FunctionReference<"query", "internal">, args: any): Promise<any>;
  mutation(ref: FunctionReference<"mutation", "internal">, args: any): Promise<any>;
  /** Internal actions, where the client can call them (the mirror reads blobs through convex/inngestBlobs.ts). */
  action?(ref: FunctionReference<"action", "internal">, args: any): Promise<any>;
}

export interface ConvexRunIndexOptions {
  /** Start the mirror's poller when a run is first recorded (default true; off where no poller should run). */
  kickMirror?: boolean;
}

/**
 * A RunIndex any process can read: entries live in the `inngestRuns` table (input redacted), the
 * compiled workflow in `workflowVersions`. Recording a run also opens it for the mirror.
 */
export class ConvexRunIndex implements RunIndex {
  constructor(
    private readonly client: ConvexIndexClient,
    private readonly options: ConvexRunIndexOptions = {},
  ) {}

  async get(workspaceId: string, runId: string): Promise<IndexedRun | undefined> {
    const found: {
      eventId: string;
      inngestRunId?: string;
      provider?: string;
      metaJson: string;
      compiledJson: string;
    } | null = await this.client.query(internal.cutover.inngestRuns.get, { workspaceId, runId });
    if (!found) return undefined;
    const meta = JSON.parse(found.metaJson) as Omit<IndexedRun["meta"], "workflow">;
    return {
      eventId: found.eventId,
      ...(found.inngestRunId && { inngestRunId: found.inngestRunId }),
      ...(found.provider && { provider: found.provider }),
      meta: { ...meta, workflow: JSON.parse(found.compiledJson) as CompiledWorkflow },
    };
  }

  async set(entry: IndexedRun): Promise<void> {
    const { workflow, ...meta } = entry.meta;
    await this.client.mutation(internal.cutover.inngestRuns.put, {
      workspaceId: meta.workspaceId,
      runId: meta.runId,
      eventId: entry.eventId,
      ...(entry.inngestRunId && { inngestRunId: entry.inngestRunId }),
      ...(entry.provider && { provider: entry.provider }),
      metaJson: JSON.stringify(meta),
      workflowJson: JSON.stringify(workflow),
      kickMirror: this.options.kickMirror ?? true,
    });
  }
}
