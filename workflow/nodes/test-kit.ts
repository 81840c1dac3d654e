// What do node tests share? A deterministic echo provider, an env without network, and node builders.
import type { CompiledNode, CompiledNodeType, NodeConfig } from "../compiled.ts";
import { stepLabel } from "../compiled.ts";
import { NodeError } from "../errors.ts";
import type { LlmProvider, LlmRequest, LlmResult } from "../provider.ts";
import type { NodeEnv } from "../steps.ts";

/** A provider that answers with its request: text echoes the prompt, json returns `{ prompt }`. */
export class EchoProvider implements LlmProvider {
  readonly name = "echo";
  readonly requests: LlmRequest[] = [];
  async complete(request: LlmRequest): Promise<LlmResult> {
    this.requests.push(request);
    const input = request.prompt.length + (request.system?.length ?? 0);
    return {
      output: request.outputFormat === "json" ? { prompt: request.prompt } : `echo:${request.prompt}`,
      tokens: { input, output: 2, total: input + 2 },
      costUsd: (input + 2) / 1e6,
      model: `${request.model}-2024`,
      settings: {
        model: request.model,
        temperature: request.temperature,
        api: request.api ?? "chat",
        outputFormat: request.outputFormat,
      },
    };
  }
}

/** Returns an env with the echo provider, no allowed hosts and no secrets. */
export function testEnv(provider: LlmProvider = new EchoProvider()): NodeEnv {
  return {
    provider,
    http: { allowHosts: [], timeoutMs: 1000, maxResponseBytes: 1024 },
    secret: () => undefined,
  };
}

/** Returns a compiled node whose incoming edges come from `from` (plain edges). */
export function testNode(
  id: string,
  type: CompiledNodeType,
  config: NodeConfig,
  from: string[] = [],
): CompiledNode {
  const sorted = [...from].sort();
  return {
    id,
    type,
    label: stepLabel(id, type),
    config,
    dependsOn: sorted,
    incoming: sorted.map((f) => ({ from: f, handle: null })),
  };
}

/** Returns the NodeError a promise rejects with (fails the test when it resolves or throws something else). */
export async function nodeFailure(p: Promise<unknown>): Promise<NodeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof NodeError) return err;
    throw err;
  }
  throw new Error("expected a NodeError");
}
