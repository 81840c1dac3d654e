// How does a Convex run keep each step? The StepRunner that records attempts, retries, and stops on cancel.

import type { RunOptions } from "../../convex/cutover/runOptions.ts";
import { redact } from "../../lib/redact.ts";
import type { CompiledNode } from "../../workflow/compiled.ts";
import { ErrorCode, NodeError, toRecordError } from "../../workflow/errors.ts";
import type { NodeOutcome, StepRunner } from "../../workflow/steps.ts";
import { backoffDelay, canceledError, raceAbort, sleep } from "./backoff.ts";
import { persistPayload, scrub } from "./payloads.ts";
import type { ExecutionPort } from "./port.ts";

/** Redaction paths are written against `{ input, output }`; returns those under `root` without it. */
export function pathsUnder(root: "input" | "output", paths: readonly string[]): string[] {
  return paths.filter((p) => p.startsWith(`${root}.`)).map((p) => p.slice(root.length + 1));
}

/**
 * Records every step through the port: `running` when an attempt starts, then `completed`, `failed`
 * (with the error, and a retry after backoff when the error is retryable and attempts remain) or
 * `canceled` (the run was stopped while the attempt was in flight). The controller is the run's:
 * aborting it stops every step; a cancel request seen by the port aborts it.
 */
export class RecordingStepRunner implements StepRunner {
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly port: ExecutionPort,
    private readonly options: RunOptions,
    private readonly controller: AbortController,
    /** Secret strings from the run's input (see secretsAt), scrubbed from everything recorded. */
    private readonly secrets: readonly string[] = [],
    private readonly random: () => number = Math.random,
  ) {}

  runStep(label: string, node: CompiledNode, work: () => Promise<NodeOutcome>): Promise<NodeOutcome> {
    const p = this.attempts(label, node, work);
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  async skipStep(label: string, node: CompiledNode): Promise<void> {
    await this.port.skipStep({ name: label, nodeId: node.id, type: node.type, at: Date.now() });
  }

  /** Resolves once every step in flight has recorded how it ended. */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private async attempts(label: string, node: CompiledNode, work: () => Promise<NodeOutcome>) {
    const signal = this.controller.signal;
    let stepRef: string | undefined;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw signal.reason;
      const began = await this.port.beginStep({
        name: label,
        nodeId: node.id,
        type: node.type,
        stepRef,
        attempt,
        at: Date.now(),
      });
      if (began === null) {
        this.controller.abort(canceledError());
        throw signal.reason;
      }
      stepRef = began;
      const id = { stepRef, name: label };
      try {
        const outcome = await raceAbort(work(), signal);
        const stopAsked = await this.port.finishStep({
          ...id,
          status: "completed",
          attempt,
          at: Date.now(),
          inputJson: await this.persist(outcome.input, "input"),
          outputJson: await this.persist(outcome.output, "output"),
          tokens: outcome.tokens ?? undefined,
          costUsd: outcome.costUsd,
          model: outcome.model ?? undefined,
          settings: outcome.settings,
        });
        // The step is kept; the steps after it do not start.
        if (stopAsked) this.controller.abort(canceledError());
        return outcome;
      } catch (err) {
        if (signal.aborted) {
          // The run stopped while this attempt was in flight: past its deadline the step failed with
          // RUN_TIMEOUT; otherwise (canceled, or a sibling failed) it was abandoned.
          const reason = signal.reason;
          const timedOut = reason instanceof NodeError && reason.code === ErrorCode.RUN_TIMEOUT;
          await this.port.finishStep({
            ...id,
            status: timedOut ? "failed" : "canceled",
            attempt,
            at: Date.now(),
            error: scrub(redact(toRecordError(reason)), this.secrets),
            costUsd: 0,
          });
          throw reason;
        }
        const error = scrub(redact(toRecordError(err)), this.secrets);
        const retryable = err instanceof NodeError && err.retryable && attempt < this.options.maxAttempts;
        const retryInMs = retryable
          ? backoffDelay(attempt, this.options, (err as NodeError).retryAfterMs, this.random)
          : undefined;
        await this.port.finishStep({
          ...id,
          status: "failed",
          attempt,
          at: Date.now(),
          error,
          costUsd: 0,
          retryInMs,
        });
        if (retryInMs === undefined) throw err;
        await sleep(retryInMs, signal);
      }
    }
  }

  private persist(value: unknown, root: "input" | "output"): Promise<string> {
    return persistPayload(value, {
      redactPaths: pathsUnder(root, this.options.redactPaths),
      secrets: this.secrets,
      thresholdBytes: this.options.payloadThresholdBytes,
      store: (text) => this.port.storeBlob(text),
    });
  }
}
