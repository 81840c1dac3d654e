// What does an llm node ask, and what did it cost? Renders the prompt and calls the provider.
import type { CompiledNode, LlmConfig } from "../compiled.ts";
import type { LlmRequest } from "../provider.ts";
import type { NodeEnv, NodeOutcome } from "../steps.ts";
import { renderTemplate } from "../template.ts";
import type { NodeScope } from "./scope.ts";

/** Returns the request an llm config makes in this scope (prompt and system rendered). */
export function llmRequest(nodeId: string, config: LlmConfig, scope: NodeScope): LlmRequest {
  const request: LlmRequest = {
    nodeId,
    model: config.model,
    prompt: renderTemplate(config.prompt, scope),
    outputFormat: config.outputFormat,
  };
  // Absent fields stay absent so the request's canonical form (and replay key) does not change shape.
  if (config.system !== undefined) request.system = renderTemplate(config.system, scope);
  if (config.schema !== undefined) request.schema = config.schema;
  if (config.temperature !== undefined) request.temperature = config.temperature;
  if (config.api !== undefined) request.api = config.api;
  return request;
}

/** Returns the provider's answer with its usage; the step input is the request sent. */
export async function runLlmConfig(
  nodeId: string,
  config: LlmConfig,
  scope: NodeScope,
  env: NodeEnv,
): Promise<NodeOutcome> {
  const request = llmRequest(nodeId, config, scope);
  const result = await env.provider.complete(request, env.signal);
  return {
    output: result.output,
    input: request,
    tokens: result.tokens,
    costUsd: result.costUsd,
    model: result.model,
    settings: result.settings,
  };
}

/** Runs an llm node. */
export async function runLlm(node: CompiledNode, scope: NodeScope, env: NodeEnv): Promise<NodeOutcome> {
  return runLlmConfig(node.id, node.config as LlmConfig, scope, env);
}
