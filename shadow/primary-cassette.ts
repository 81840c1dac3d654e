// What did the primary's provider answer? A replay cassette built from the primary's llm steps, for the shadow to replay.
import type { RunRecord, StepRecord } from "../executors/records.ts";
import { legacyAnswerOf } from "../workflow/legacy/ai-task.ts";
import type { LlmRequest } from "../workflow/provider.ts";
import type { Cassette } from "../workflow/providers/cassette.ts";
import { requestKey } from "../workflow/providers/request-key.ts";

/** Returns the llm request a step recorded as its input, or null when the step is no completed llm call. */
export function recordedRequest(step: StepRecord): LlmRequest | null {
  const input = step.input as Partial<LlmRequest> | null;
  if (step.status !== "completed" || !input || typeof input !== "object") return null;
  if (
    typeof input.nodeId !== "string" ||
    typeof input.model !== "string" ||
    typeof input.prompt !== "string"
  ) {
    return null;
  }
  return input as LlmRequest;
}

/**
 * Returns a version-1 cassette holding every llm answer the primary received, keyed by node and canonical
 * request (requestKey), so a shadow that asks the same questions gets the same answers and usage.
 */
export function cassetteFromPrimary(primary: RunRecord): Cassette {
  const entries: Cassette["entries"] = {};
  for (const step of primary.steps) {
    const request = recordedRequest(step);
    if (!request || !step.tokens) continue;
    entries[requestKey(request)] = {
      request,
      result: {
        // A legacy step keeps the action's envelope; the provider answered only its text and parsed object.
        output: request.profile === "legacy" ? legacyAnswerOf(step.output) : step.output,
        tokens: step.tokens,
        costUsd: step.costUsd,
        model: step.model ?? request.model,
        settings: {
          model: step.model ?? request.model,
          api: request.api ?? "chat",
          outputFormat: request.outputFormat,
          ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        },
      },
    };
  }
  return { version: 1, entries };
}
