// What does an llm node ask of a provider, and what must come back? The provider port.
import type { Tokens } from "../executors/records.ts";
import type { JsonSchema } from "./compiled.ts";

/** One canonical request: the same question always has the same shape (and hash). */
export interface LlmRequest {
  /** The node asking (replay cassettes and shadow replay key on it together with the request). */
  nodeId: string;
  model: string;
  /** The rendered prompt. */
  prompt: string;
  system?: string;
  outputFormat: "text" | "json";
  schema?: JsonSchema;
  temperature?: number;
  api?: "chat" | "responses";
  /**
   * Set for a legacy AI node (workflow/legacy/): the provider sends what inferpipe's executor sends
   * (its libraries, its endpoint per model, `prompt` already carrying the previous step's context) and
   * answers `{ output_text, output_parsed? }` as the legacy action built them.
   */
  profile?: "legacy";
  /** Legacy JSON nodes: the builder's UI props the answer is validated against (as the legacy does, with zod). */
  uiProps?: unknown[];
}

/** What a legacy AI call answered, before the envelope's model and timestamp are added. */
export interface LegacyAnswer {
  output_text: string;
  output_parsed?: unknown;
}

/** The settings the call actually used, recorded with the step. */
export interface LlmSettings {
  model: string;
  temperature?: number;
  api: "chat" | "responses";
  outputFormat: "text" | "json";
}

export interface LlmResult {
  /** text → string; json → the parsed object, already validated against the node's schema; legacy → LegacyAnswer. */
  output: unknown;
  tokens: Tokens;
  /** null when the catalog has no price for the model (legacy profile only). */
  costUsd: number | null;
  model: string;
  settings: LlmSettings;
}

export interface LlmProvider {
  /** Short name for records and logs: "openai", "mock", "replay". */
  readonly name: string;
  /** Answers the request; throws NodeError (retryable or not) on failure. */
  complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResult>;
}
