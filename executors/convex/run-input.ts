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
