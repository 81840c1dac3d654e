// What does a legacy AI node send, and what does it answer? The legacy action's call and its envelope.
import type { CompiledNode, LegacyAiConfig } from "../compiled.ts";
import { ErrorCode, NodeError } from "../errors.ts";
import type { NodeScope } from "../nodes/scope.ts";
import type { LegacyAnswer, LlmRequest } from "../provider.ts";
import type { NodeEnv, NodeOutcome } from "../steps.ts";
import { asReturnedByConvex } from "./convex-values.ts";
import { usesChatCompletions } from "./endpoint.ts";
import { legacyPrompt } from "./prompt.ts";

/** The legacy AI node's output: what the action returned, as Convex hands it back (keys sorted). */
export interface LegacyEnvelope extends LegacyAnswer {
  model: string;
  /** The wall clock when the action answered (Date.now()). */
  timestamp: number;
}

/** Returns what the provider answered for a recorded envelope: its text and, for JSON nodes, the parsed object. */
export function legacyAnswerOf(envelope: unknown): LegacyAnswer {
  const e = (envelope ?? {}) as Partial<LegacyEnvelope>;
  return {
    output_text: typeof e.output_text === "string" ? e.output_text : "",
    ...(e.output_parsed !== undefined && { output_parsed: e.output_parsed }),
  };
}

/** Returns the request a legacy AI node makes after a step that output `previous`. */
export function legacyRequest(node: CompiledNode, previous: unknown): LlmRequest {
  const config = node.config as LegacyAiConfig;
  const request: LlmRequest = {
    nodeId: node.id,
    model: config.model,
    prompt: legacyPrompt(previous, config.prompt),
    outputFormat: config.outputFormat,
    api: usesChatCompletions(config.model) ? "chat" : "responses",
    profile: "legacy",
  };
  if (config.schema !== undefined) request.schema = config.schema;
  if (config.uiProps !== undefined) request.uiProps = config.uiProps;
  return request;
}

/**
 * Runs a legacy AI node: its input is the output of the node before it in the chain. Any failure fails
 * the node for good (the legacy retries nothing). The output is the envelope the legacy action returns.
 */
export async function runLegacyAi(node: CompiledNode, scope: NodeScope, env: NodeEnv): Promise<NodeOutcome> {
  const previousId = node.dependsOn[0];
  const previous = previousId === undefined ? undefined : scope.results[previousId];
  const request = legacyRequest(node, previous);
  let result: Awaited<ReturnType<NodeEnv["provider"]["complete"]>>;
  try {
    result = await env.provider.complete(request, env.signal);
  } catch (err) {
    throw finalError(err);
  }
  const answer = result.output as LegacyAnswer;
  const envelope: LegacyEnvelope = {
    output_text: answer.output_text,
    ...(answer.output_parsed !== undefined && { output_parsed: answer.output_parsed }),
    model: request.model,
    timestamp: Date.now(),
  };
  return {
    output: asReturnedByConvex(envelope),
    input: request,
    tokens: result.tokens,
    costUsd: result.costUsd,
    model: result.model,
    settings: result.settings,
  };
}

/** Returns the error as one no executor retries: the legacy stops at the first error. */
function finalError(err: unknown): NodeError {
  if (err instanceof NodeError) {
    if (!err.retryable) return err;
    return new NodeError(err.code, err.message, { retryable: false, details: err.details, cause: err.cause });
  }
  return new NodeError(ErrorCode.INTERNAL, err instanceof Error ? err.message : String(err), { cause: err });
}
