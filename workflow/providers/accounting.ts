// What did a call use and cost, and with which settings? Shared by every provider so records agree.
import type { Tokens } from "../../executors/records.ts";
import { costOf, findModel } from "../catalog.ts";
import type { LlmRequest, LlmSettings } from "../provider.ts";

/** Returns the settings a request runs with (defaults made explicit, so records compare equal). */
export function settingsOf(request: LlmRequest): LlmSettings {
  const settings: LlmSettings = {
    model: request.model,
    api: request.api ?? "chat",
    outputFormat: request.outputFormat,
  };
  if (request.temperature !== undefined) settings.temperature = request.temperature;
  return settings;
}

/** Returns a rough token count for text (≈ 4 characters per token, at least 1). */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Returns usage with `total` filled in when the provider left it out. */
export function tokens(input: number, output: number, total?: number): Tokens {
  return { input, output, total: total ?? input + output };
}

/**
 * Returns the call's USD cost. The API reports dated snapshots ("gpt-4o-mini-2024-07-18") the catalog
 * does not list, so the reported model is priced when the catalog knows it, else the requested one.
 */
export function priceCall(reportedModel: string, requestedModel: string, usage: Tokens): number {
  return costOf(findModel(reportedModel) ? reportedModel : requestedModel, usage);
}
