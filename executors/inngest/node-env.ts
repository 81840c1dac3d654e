// What may a run's nodes touch when Inngest runs them? The provider the event names, the http allow-list, secrets by name.
import { allowHostsFromEnv } from "../../workflow/allow-hosts.ts";
import { ErrorCode, NodeError } from "../../workflow/errors.ts";
import { createProvider } from "../../workflow/providers/index.ts";
import { createCassetteProvider } from "../../workflow/providers/replay.ts";
import type { NodeEnv } from "../../workflow/steps.ts";
import type { ExecuteEventData } from "./events.ts";

export interface NodeEnvOptions {
  /** The provider for events that name none. */
  defaultProvider?: string;
  /** Hosts http nodes may call; CUTOVER_HTTP_ALLOW_HOSTS when absent. */
  httpAllowHosts?: readonly string[];
  /** Secret values by name; the serving process's environment when absent. */
  secrets?: Record<string, string>;
}

/** Same limits as the legacy executor, so http nodes behave alike on both. */
const HTTP_TIMEOUT_MS = 30_000;
const HTTP_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Returns the function that builds each run's NodeEnv from its event data. */
export function nodeEnvFactory(options: NodeEnvOptions = {}): (data: ExecuteEventData) => NodeEnv {
  return (data) => {
    const spec = data.provider ?? options.defaultProvider ?? "mock";
    let provider: NodeEnv["provider"];
    try {
      provider = data.replay
        ? createCassetteProvider(
            data.replay,
            `the primary's answers for ${data.shadow?.pairId ?? data.runId}`,
          )
        : createProvider(spec);
    } catch (err) {
      throw new NodeError(ErrorCode.PROVIDER_CONFIG, (err as Error).message);
    }
    return {
      provider,
      http: {
        allowHosts: options.httpAllowHosts ?? allowHostsFromEnv(),
        timeoutMs: HTTP_TIMEOUT_MS,
        maxResponseBytes: HTTP_MAX_RESPONSE_BYTES,
      },
      secret: (name) => options.secrets?.[name] ?? process.env[name],
      // A shadow never performs side effects, even when the router sent nothing to replay.
      ...(data.shadow ? { sideEffectOutputs: data.sideEffectOutputs ?? {} } : {}),
    };
  };
}
