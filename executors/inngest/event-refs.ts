// How does a run's event stay under Inngest's event size limit? Its largest fields go by reference to the blob store.
import { canonicalJson, sha256 } from "../../lib/canonical.ts";
import type { CompiledWorkflow } from "../../workflow/compiled.ts";
import type { PayloadRef } from "../records.ts";
import type { EventRefs, ExecuteEventData } from "./events.ts";
import { type InngestLimits, jsonBytes } from "./limits.ts";
import type { BlobStore } from "./payload.ts";

/** Room left in the event for what Inngest adds to it (`ts`, `v`, `user`) and JSON spacing. */
const EVENT_MARGIN_BYTES = 4 * 1024;

/** The fields moved first: the compiled graph (large graphs), then the cassette, the input, replayed side effects. */
const MOVABLE = ["graph", "replay", "input", "sideEffectOutputs"] as const;

/**
 * Returns the event data with its largest fields sent by reference while the event (name, id and data)
 * would pass the limit: the compiled graph first (the function fetches it by its workflowVersionId's
 * blob), then the replay cassette, the input and the replayed side-effect outputs. Data that fits is
 * returned as it is. An event still too large after all four moved is the caller's to refuse.
 */
export async function fitEvent(
  event: { name: string; id?: string; data: ExecuteEventData },
  limits: Pick<InngestLimits, "eventBytes">,
  blobs: BlobStore,
): Promise<ExecuteEventData> {
  const target = Math.max(0, limits.eventBytes - EVENT_MARGIN_BYTES);
  if (jsonBytes(event) <= target) return event.data;
  const data: ExecuteEventData = { ...event.data, refs: { ...event.data.refs } };
  for (const field of MOVABLE) {
    if (jsonBytes({ ...event, data }) <= target) break;
    const value = data[field];
    if (value === undefined) continue;
    (data.refs as EventRefs)[field] = await putBlob(value, blobs);
    delete data[field];
  }
  return data;
}

/** Returns the event data with every field sent by reference loaded back (and each blob's hash checked). */
export async function resolveEventData(data: ExecuteEventData, blobs: BlobStore): Promise<ExecuteEventData> {
  if (!data.refs || Object.keys(data.refs).length === 0) return data;
  const out: ExecuteEventData = { ...data };
  for (const field of MOVABLE) {
    const ref = data.refs[field];
    if (!ref) continue;
    const value = field === "graph" ? await graphFor(ref, blobs) : await getBlob(ref, blobs);
    (out as unknown as Record<string, unknown>)[field] = value;
  }
  if (out.graph && out.graph.workflowVersionId !== data.workflowVersionId) {
    throw new Error(
      `the graph sent by reference is version ${out.graph.workflowVersionId}, not the event's ${data.workflowVersionId}`,
    );
  }
  return out;
}

async function putBlob(value: unknown, blobs: BlobStore): Promise<PayloadRef> {
  const json = canonicalJson(value);
  const hash = sha256(json);
  await blobs.put(hash, json);
  return { $ref: `blob:${hash}`, bytes: Buffer.byteLength(json, "utf8"), sha256: hash };
}

async function getBlob(ref: PayloadRef, blobs: BlobStore): Promise<unknown> {
  const json = await blobs.get(ref.sha256);
  if (json === undefined) {
    throw new Error(`event field ${ref.$ref} (${ref.bytes} bytes) is missing from the blob store`);
  }
  if (sha256(json) !== ref.sha256) throw new Error(`event field ${ref.$ref} does not match its hash`);
  return JSON.parse(json);
}

/** Compiled graphs by blob hash: the same version is fetched once per process, not once per execution. */
const graphs = new Map<string, Promise<CompiledWorkflow>>();
const MAX_GRAPHS = 64;

function graphFor(ref: PayloadRef, blobs: BlobStore): Promise<CompiledWorkflow> {
  let found = graphs.get(ref.sha256);
  if (!found) {
    found = getBlob(ref, blobs) as Promise<CompiledWorkflow>;
    found.catch(() => graphs.delete(ref.sha256));
    if (graphs.size >= MAX_GRAPHS) graphs.delete(graphs.keys().next().value as string);
    graphs.set(ref.sha256, found);
  }
  return found;
}
