// What may a run's nodes touch when Inngest runs them? The provider the event names, the http allow-list, the workspace's secrets.
import { allowHostsFromEnv } from "../../workflow/allow-hosts.ts";
import { ErrorCode, NodeError } from "../../workflow/errors.ts";
import { createProvider } from "../../workflow/providers/index.ts";
import { createCassetteProvider } from "../../workflow/providers/replay.ts";
import { workspaceSecrets } from "../../workflow/secrets.ts";
import type { NodeEnv } from "../../workflow/steps.ts";
import type { ExecuteEventData } from "./events.ts";

export interface NodeEnvOptions {
  /** The provider for events that name none. */
  defaultProvider?: string;
  /**
   * Secret values by variable name (`CUTOVER_SECRET_<WORKSPACE>__<NAME>`, see workflow/secrets.ts), read
   * before the serving process's environment: the embedded runner of `cutover run`.
   */
  secretOverlay?: Record<string, string>;
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
        // The deployment's configuration, read per run: the same list the Convex executor reads.
        allowHosts: allowHostsFromEnv(),
        timeoutMs: HTTP_TIMEOUT_MS,
        maxResponseBytes: HTTP_MAX_RESPONSE_BYTES,
      },
      // The run's own workspace's secrets only (the event's workspaceId), never another variable.
      secret: workspaceSecrets(data.workspaceId, { overlay: options.secretOverlay }),
      // A shadow never performs side effects, even when the router sent nothing to replay.
      ...(data.shadow ? { sideEffectOutputs: data.sideEffectOutputs ?? {} } : {}),
    };
  };
}
