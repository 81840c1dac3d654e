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
}

/** The settings the call actually used, recorded with the step. */
export interface LlmSettings {
  model: string;
  temperature?: number;
  api: "chat" | "responses";
  outputFormat: "text" | "json";
}

export interface LlmResult {
  /** text → string; json → the parsed object, already validated against the node's schema. */
  output: unknown;
  tokens: Tokens;
  costUsd: number;
  model: string;
  settings: LlmSettings;
}

export interface LlmProvider {
  /** Short name for records and logs: "openai", "mock", "replay". */
  readonly name: string;
  /** Answers the request; throws NodeError (retryable or not) on failure. */
  complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResult>;
}
