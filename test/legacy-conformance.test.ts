// Does cutover do what inferpipe's legacy executor does? Every recorded reference graph on both executors, against the recording.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Executor } from "../executors/executor.ts";
import { createExecutor } from "../executors/factory.ts";
import { RunRecord } from "../executors/records.ts";
import { fakeOpenAi, type SeenRequest } from "../regress/fake-openai.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import { defaultRunInput } from "../workflow/legacy/input-task.ts";
import { maskWallClock } from "../workflow/legacy/prompt.ts";

/** The reference recordings sit beside the checkout (`../shared`); other recordings of the same kind may be added there. */
const dir = join(import.meta.dirname, "..", "..", "shared", "legacy-reference");
const graphs = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith(".legacy.json"))
      .map((f) => f.replace(/\.legacy\.json$/, ""))
      .sort()
  : [];

interface RecordedStep {
  id: string;
  output: unknown;
  requests?: SeenRequest[];
}

const server = setupServer();
const saved = { key: process.env.OPENAI_API_KEY, base: process.env.OPENAI_BASE_URL };
let executors: Record<"convex" | "inngest", Executor>;

beforeAll(() => {
  server.listen({ onUnhandledRequest: "error" });
  process.env.OPENAI_API_KEY = "sk-test-legacy-conformance";
  process.env.OPENAI_BASE_URL = "https://openai.test/v1";
  const quiet = { env: {}, announce: () => {} };
  executors = { convex: createExecutor("convex", quiet), inngest: createExecutor("inngest", quiet) };
});

afterAll(() => {
  server.close();
  for (const [name, value] of [
    ["OPENAI_API_KEY", saved.key],
    ["OPENAI_BASE_URL", saved.base],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** Returns a value with every `timestamp` (at any depth, and inside JSON text) made equal: the wall clock is the one allowed difference. */
function unclocked(value: unknown): unknown {
  if (typeof value === "string") return maskWallClock(value);
  if (Array.isArray(value)) return value.map(unclocked);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === "timestamp" && typeof v === "number" ? "#" : unclocked(v),
      ]),
    );
  }
  return value;
}

/** Returns the prompt text of a request body on either API. */
function promptOf(body: Record<string, any>): string {
  if (Array.isArray(body.messages)) return body.messages.map((m: any) => m.content).join("\n");
  return body.input[0].content[0].text;
}

async function runRecorded(executor: Executor, name: string) {
  const doc = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8"));
  const compiled = compileWorkflow(doc);
  if (!compiled.ok) throw new Error(`${name} does not compile: ${JSON.stringify(compiled.errors)}`);
  expect(compiled.compiled.profile).toBe("legacy");
  const fake = fakeOpenAi();
  server.resetHandlers(...fake.handlers);
  const runId = `legacy-${name}-${executor.name}`;
  await executor.submit({
    runId,
    workspaceId: "legacy-conformance",
    workflow: compiled.compiled,
    input: defaultRunInput(compiled.compiled),
    provider: "openai",
  });
  const record = RunRecord.parse(await executor.waitFor("legacy-conformance", runId, { timeoutMs: 60_000 }));
  return { record, requests: fake.requests };
}

describe("legacy conformance: both executors against the recordings of inferpipe's legacy executor", () => {
  it("finds the reference recordings", () => {
    expect(graphs.length).toBeGreaterThanOrEqual(5);
  });

  for (const executorName of ["convex", "inngest"] as const) {
    it.each(graphs)(
      `%s on ${executorName}: the same requests, step by step, and the same outputs`,
      async (name) => {
        const recording = JSON.parse(readFileSync(join(dir, `${name}.legacy.json`), "utf8"));
        const expected: RecordedStep[] = recording.builder.steps ?? [];
        const refused = compileWorkflow(JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")));
        if (!recording.builder.ok && !refused.ok) {
          // The legacy refused to start (no input node): so does cutover, before anything runs.
          expect(refused.errors.map((e) => e.code)).toContain("MISSING_INPUT_NODE");
          return;
        }
        const { record, requests } = await runRecorded(executors[executorName], name);

        expect(record.status, JSON.stringify(record.error)).toBe(
          recording.builder.ok ? "completed" : "failed",
        );
        expect(record.steps.map((s) => s.nodeId)).toEqual(expected.map((s) => s.id));
        expect(record.steps.map((s) => s.status)).toEqual(expected.map(() => "completed"));
        // Every request, in order: endpoint, body (schema and suffix included), prompt text up to the clock.
        const recordedRequests = expected.flatMap((s) => s.requests ?? []);
        expect(requests.map((r) => r.path)).toEqual(recordedRequests.map((r) => r.path));
        requests.forEach((sent, i) => {
          const recorded = recordedRequests[i];
          expect(maskWallClock(promptOf(sent.body))).toBe(maskWallClock(promptOf(recorded.body)));
          expect(unclocked(sent.body)).toEqual(unclocked(recorded.body));
        });
        // Every step's output, and the run's output (the last step's).
        record.steps.forEach((step, i) => {
          expect(unclocked(step.output)).toEqual(unclocked(expected[i].output));
          // Key order matters: the next prompt is built from this object's JSON text.
          expect(JSON.stringify(unclocked(step.output))).toBe(JSON.stringify(unclocked(expected[i].output)));
        });
        expect(unclocked(record.output)).toEqual(unclocked(expected.at(-1)!.output));
        if (executorName === "inngest") {
          // One durable step per AI node and no other: the input step is recorded without one.
          expect(record.steps.filter((s) => s.type === "ai").map((s) => s.name)).toEqual(
            expected.slice(1).map((s) => `node-${s.id}-ai`),
          );
        }
      },
    );
  }
});
