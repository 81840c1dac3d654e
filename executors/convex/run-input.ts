// How does a run's input reach Convex whatever its size? Inline below the payload threshold, else in file storage, stored by the trusted caller.
import type { Id } from "../../convex/_generated/dataModel";
import { type RunOptions, resolveRunOptions } from "../../convex/cutover/runOptions.ts";
import { prefixed } from "../../convex/cutover/runs.ts";
import { persistPayload } from "./payloads.ts";

/** Stores text in the deployment's file storage; returns its storage id. */
export type StoreText = (text: string) => Promise<Id<"_storage">>;

/** The input fields of `runs.startCompiled`. */
export interface StartInput {
  inputJson?: string;
  inputRef?: Id<"_storage">;
  recordedInputJson?: string;
}

/**
 * Returns how to send an input to `runs.startCompiled`: as is when it and its redacted record fit under
 * the payload threshold, otherwise stored first — the unredacted input as a file (`inputRef`, read by
 * the executing action and deleted when the run ends) and the record's copy redacted and by reference
 * (`{ $ref, bytes, sha256 }`, as persistPayload keeps step payloads). A run document then stays small
 * (Convex refuses documents over 1 MiB) whatever the input. Without `store` (no file storage) the
 * input is sent as is.
 */
export async function startInput(
  inputJson: string,
  options: Partial<RunOptions> | undefined,
  store: StoreText | undefined,
): Promise<StartInput> {
  const resolved = resolveRunOptions(options ?? {});
  const threshold = resolved.payloadThresholdBytes;
  if (!store || Buffer.byteLength(inputJson, "utf8") <= threshold) return { inputJson };
  const recordedInputJson = await persistPayload(JSON.parse(inputJson), {
    redactPaths: prefixed("input", resolved.redactPaths),
    thresholdBytes: threshold,
    store: async (text) => `convex-storage:${await store(text)}`,
  });
  return { inputRef: await store(inputJson), recordedInputJson };
}

/** The start fields a shadow carries besides its input: the primary's LLM answers and side-effect outputs. */
export interface StartAttachments {
  replayJson?: string;
  replayRef?: Id<"_storage">;
  sideEffectOutputsJson?: string;
  sideEffectOutputsRef?: Id<"_storage">;
}

/**
 * Returns the replay cassette and side-effect outputs as `runs.startCompiled` takes them: inline up to the
 * payload threshold, otherwise stored first and sent as file-storage ids (a cassette of a wide run's
 * prompts is easily larger than a 1 MiB document). Without `store` they are sent as they are.
 */
export async function startAttachments(
  fields: { replayJson?: string; sideEffectOutputsJson?: string },
  options: Partial<RunOptions> | undefined,
  store: StoreText | undefined,
): Promise<StartAttachments> {
  const threshold = resolveRunOptions(options ?? {}).payloadThresholdBytes;
  const out: StartAttachments = {};
  const large = (text: string) => store !== undefined && Buffer.byteLength(text, "utf8") > threshold;
  if (fields.replayJson !== undefined) {
    if (large(fields.replayJson)) out.replayRef = await store!(fields.replayJson);
    else out.replayJson = fields.replayJson;
  }
  if (fields.sideEffectOutputsJson !== undefined) {
    if (large(fields.sideEffectOutputsJson))
      out.sideEffectOutputsRef = await store!(fields.sideEffectOutputsJson);
    else out.sideEffectOutputsJson = fields.sideEffectOutputsJson;
  }
  return out;
}
