// What does the legacy executor's action do with one run? Walk the compiled graph, record it, end it.
import { setMaxListeners } from "node:events";
import { redact } from "../../lib/redact.ts";
import { allowHostsFromEnv } from "../../workflow/allow-hosts.ts";
import type { CompiledNode } from "../../workflow/compiled.ts";
import { ErrorCode, NodeError, toRecordError } from "../../workflow/errors.ts";
import { prepareInput } from "../../workflow/input.ts";
import { createProvider } from "../../workflow/providers/index.ts";
import { createCassetteProvider } from "../../workflow/providers/replay.ts";
import { secretForms } from "../../workflow/secrets.ts";
import type { NodeEnv, NodeOutcome, StepRunner } from "../../workflow/steps.ts";
import { walkWorkflow } from "../../workflow/walk.ts";
import { PayloadRef } from "../records.ts";
import { canceledError, isCancel, raceAbort } from "./backoff.ts";
import { persistPayload, scrub, secretsAt } from "./payloads.ts";
import type { ExecutionPort } from "./port.ts";
import { pathsUnder, RecordingStepRunner } from "./recording-runner.ts";

/** Limits for http nodes on the legacy executor (the allow-list is the deployment's CUTOVER_HTTP_ALLOW_HOSTS). */
const HTTP_TIMEOUT_MS = 30_000;
const HTTP_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Executes a queued run to its end and records it through the port: completed with the output node's
 * value, failed with the first failing step's error (completed steps kept), failed RUN_TIMEOUT past
 * the deadline, or canceled when a cancel request is seen between steps. Never throws for a run's
 * own failure; returns without doing anything when the run is missing, canceled or already started.
 */
export async function executeRun(
  port: ExecutionPort,
  inputJson: string,
  { continuation = false }: { continuation?: boolean } = {},
): Promise<void> {
  const loaded = await port.load();
  if (!loaded) return;
  const startedAt = continuation ? (loaded.startedAt ?? Date.now()) : Date.now();
  if (!(continuation ? await port.resume() : await port.markStarted(startedAt))) return;
  const { workflow, options } = loaded;
  // The legacy runs one Convex action per AI node, as its builder does: each action replays what
  // earlier actions completed, runs the next AI node, and hands the rest of the run to a new action.
  // Each action then has the whole deadline (it is an action's limit), not what the run has left.
  const stepwise = workflow.profile === "legacy";
  const deadlineFrom = stepwise ? Date.now() : startedAt;
  const controller = new AbortController();
  // Every step in flight listens to the run's signal; a wide fan-out is not a leak.
  setMaxListeners(0, controller.signal);
  const deadline = setTimeout(
    () =>
      controller.abort(
        new NodeError(
          ErrorCode.RUN_TIMEOUT,
          `${stepwise ? "a step of the run" : "run"} exceeded its deadline of ${options.timeoutMs} ms`,
        ),
      ),
    Math.max(0, deadlineFrom + options.timeoutMs - Date.now()),
  );
  const stopPolling = pollForCancel(port, controller, options.cancelPollMs);
  const rawInput = JSON.parse(inputJson) as unknown;
  const secrets = secretsAt(rawInput, pathsUnder("input", options.redactPaths));
  const recorder = new RecordingStepRunner(port, options, controller, secrets);
  const runner = stepwise ? new OneAiStepPerAction(recorder, await completedOutcomes(port)) : recorder;
  try {
    const input = prepareInput(workflow, rawInput);
    const env: NodeEnv = {
      provider: loaded.replay
        ? createCassetteProvider(loaded.replay, "the primary's recorded answers")
        : createProvider(loaded.provider),
      http: {
        // The deployment's configuration, read where the run executes: the list the Inngest side reads.
        allowHosts: allowHostsFromEnv(),
        timeoutMs: HTTP_TIMEOUT_MS,
        maxResponseBytes: HTTP_MAX_RESPONSE_BYTES,
      },
      // Every value resolved joins the run's scrub list, which the recorder applies to everything it keeps.
      secret: (name) => {
        const value = port.secret(name);
        if (value !== undefined)
          for (const form of secretForms(value)) if (!secrets.includes(form)) secrets.push(form);
        return value;
      },
      signal: controller.signal,
      ...(loaded.sideEffectOutputs && { sideEffectOutputs: loaded.sideEffectOutputs }),
      sandbox: {
        ...(options.scriptTimeoutMs !== undefined && { timeoutMs: options.scriptTimeoutMs }),
        ...(options.scriptMemoryBytes !== undefined && { memoryBytes: options.scriptMemoryBytes }),
      },
      // Scripts read the pair's clock when the router gave one, else the run's start (a continuation reads
      // the same), and Math.random is seeded by the run (a shadow by its primary), as on Inngest.
      script: {
        ...(loaded.seedRunId !== undefined && { runId: loaded.seedRunId }),
        startedAtMs: options.scriptClockMs ?? startedAt,
      },
    };
    const { output } = await raceAbort(
      walkWorkflow(workflow, input, runner, env, { parallelism: options.parallelism }),
      controller.signal,
    );
    const outputJson = await persistPayload(output, {
      redactPaths: pathsUnder("output", options.redactPaths),
      secrets,
      thresholdBytes: options.payloadThresholdBytes,
      store: (text) => port.storeBlob(text),
    });
    await port.finishRun({ status: "completed", outputJson, at: Date.now() });
  } catch (err) {
    if (err instanceof ContinueInNextAction && !controller.signal.aborted) {
      await port.continueLater();
      return;
    }
    // The deadline or a cancel stopped the run when the signal fired first; otherwise a step failed
    // and the steps still in flight are abandoned before the run is ended.
    const cause = controller.signal.aborted ? controller.signal.reason : err;
    if (!controller.signal.aborted) {
      controller.abort(new NodeError(ErrorCode.CANCELED, `abandoned: ${toRecordError(err).message}`));
    }
    await recorder.settled();
    await port.finishRun({
      status: isCancel(cause) ? "canceled" : "failed",
      error: scrub(redact(toRecordError(cause)), secrets),
      at: Date.now(),
    });
  } finally {
    clearTimeout(deadline);
    stopPolling();
  }
}

/** Aborts the run with CANCELED when a cancel request appears; returns the function that stops looking. */
function pollForCancel(port: ExecutionPort, controller: AbortController, everyMs: number): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy || controller.signal.aborted) return;
    busy = true;
    port
      .isCancelRequested()
      .then((asked) => {
        if (asked && !controller.signal.aborted) controller.abort(canceledError());
      })
      .catch(() => {})
      .finally(() => {
        busy = false;
      });
  }, everyMs);
  return () => clearInterval(timer);
}

/** Thrown to stop an action's walk once it has run its AI node: the run goes on in the next action. */
class ContinueInNextAction extends Error {}

/**
 * The step runner of a step-by-step run: steps earlier actions completed answer from their records,
 * at most one AI node runs (through the recording runner), and the next AI node ends the action.
 */
class OneAiStepPerAction implements StepRunner {
  private ranAi = false;
  constructor(
    private readonly recorder: RecordingStepRunner,
    private readonly done: ReadonlyMap<string, NodeOutcome>,
  ) {}

  async runStep(label: string, node: CompiledNode, work: () => Promise<NodeOutcome>): Promise<NodeOutcome> {
    const recorded = this.done.get(label);
    if (recorded) return recorded;
    if (node.type === "ai") {
      if (this.ranAi) throw new ContinueInNextAction();
      this.ranAi = true;
    }
    return this.recorder.runStep(label, node, work);
  }

  skipStep(label: string, node: CompiledNode): Promise<void> {
    return this.recorder.skipStep(label, node);
  }
}

/** Returns the outcomes earlier actions of this run recorded, by step name, read back from Convex. */
async function completedOutcomes(port: ExecutionPort): Promise<Map<string, NodeOutcome>> {
  const read = async (json: string | undefined): Promise<unknown> => {
    if (json === undefined) return null;
    const value = JSON.parse(json) as unknown;
    const ref = PayloadRef.safeParse(value);
    return ref.success ? JSON.parse(await port.loadBlob(ref.data.$ref)) : value;
  };
  const out = new Map<string, NodeOutcome>();
  for (const step of await port.completedSteps()) {
    out.set(step.name, {
      input: await read(step.inputJson),
      output: await read(step.outputJson),
      tokens: step.tokens ?? null,
      costUsd: step.costUsd,
      model: step.model ?? null,
      ...(step.settings !== undefined && { settings: step.settings as NodeOutcome["settings"] }),
    });
  }
  return out;
}
