// Provider faults at the HTTP level (msw, the real openai SDK in between) and scripts that misbehave.
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api } from "../../convex/_generated/api.js";
import { chatCompletions, OPENAI_TEST_BASE_URL, reply } from "../../test/msw/openai.ts";
import type { RunRecord } from "../records.ts";
import { compileOrThrow, embeddedExecutor, lineDoc, llmNode, transformNode } from "./testing.ts";

const modules = import.meta.glob("../../convex/**/*.ts");
const server = setupServer();
const saved = { ...process.env };

beforeAll(() => {
  server.listen({ onUnhandledRequest: "error" });
  process.env.OPENAI_API_KEY = "sk-test-000000000000000000000000";
  process.env.OPENAI_BASE_URL = OPENAI_TEST_BASE_URL;
  process.env.OPENAI_TIMEOUT_MS = "200";
});
afterEach(() => server.resetHandlers());
afterAll(() => {
  server.close();
  process.env = saved;
});

const jsonSchema = {
  properties: [
    { name: "title", type: "STR", required: true },
    { name: "score", type: "NUM", required: true },
  ],
};
const llmDoc = (outputFormat: "text" | "json" = "text") =>
  lineDoc(
    `llm-${outputFormat}`,
    [
      transformNode("prep", "return { topic: input.topic };"),
      llmNode(
        "ask",
        "Tell me about {{nodes.prep.topic}}",
        outputFormat === "json" ? { outputFormat, schema: jsonSchema } : {},
      ),
    ],
    [{ name: "topic", type: "string" }],
  );

let seq = 0;
async function run(doc: unknown, runOptions = {}, provider = "openai") {
  const { executor, backend } = embeddedExecutor(modules, runOptions, provider);
  const runId = `fault-${++seq}`;
  await executor.submit({
    runId,
    workspaceId: "ws",
    workflow: compileOrThrow(doc),
    input: { topic: "otters" },
  });
  const record = await executor.waitFor("ws", runId);
  const logs = await backend.query(api.cutover.logs.list, {
    apiKey: await backend.apiKeyFor("ws"),
    workspaceId: "ws",
    runId,
  });
  return { record, logs: logs.map((l) => l.message) };
}
const step = (record: RunRecord, nodeId: string) => record.steps.find((s) => s.nodeId === nodeId)!;

describe("provider faults through the openai SDK", () => {
  it("429 with Retry-After: waits as told, then the retry succeeds", async () => {
    server.use(chatCompletions(reply.rateLimited({ retryAfter: "0.05" }), reply.text("Otters hold hands.")));
    const { record, logs } = await run(llmDoc());
    expect(record.status).toBe("completed");
    expect(step(record, "ask")).toMatchObject({
      status: "completed",
      attempt: 2,
      output: "Otters hold hands.",
      error: null,
    });
    expect(logs).toContain("attempt 1 failed: PROVIDER_RATE_LIMIT; retrying in 50 ms");
  });

  it("429 without Retry-After: backs off and gives up after maxAttempts", async () => {
    server.use(chatCompletions(reply.rateLimited()));
    const { record, logs } = await run(llmDoc(), { maxAttempts: 3 });
    expect(record.status).toBe("failed");
    expect(record.error).toMatchObject({ code: "PROVIDER_RATE_LIMIT" });
    expect(step(record, "prep").status).toBe("completed");
    expect(step(record, "ask")).toMatchObject({
      status: "failed",
      attempt: 3,
      error: { code: "PROVIDER_RATE_LIMIT" },
    });
    expect(logs.filter((l) => l.includes("retrying in"))).toHaveLength(2);
    expect(record.steps.some((s) => s.nodeId === "output")).toBe(false);
    expect(record.output).toBeNull();
  });

  it("500 is retried", async () => {
    server.use(chatCompletions(reply.serverError(500), reply.text("fine now")));
    const { record } = await run(llmDoc());
    expect(record.status).toBe("completed");
    expect(step(record, "ask")).toMatchObject({ attempt: 2, output: "fine now" });
  });

  it("a timeout is retried and, when it persists, fails the step with PROVIDER_TIMEOUT", async () => {
    server.use(chatCompletions(reply.delayed(1000, reply.text("too late"))));
    const { record } = await run(llmDoc(), { maxAttempts: 2 });
    expect(record.status).toBe("failed");
    expect(step(record, "ask")).toMatchObject({
      status: "failed",
      attempt: 2,
      error: { code: "PROVIDER_TIMEOUT" },
    });
  });

  it("a malformed body fails the step without a retry", async () => {
    server.use(chatCompletions(reply.malformedBody()));
    const { record } = await run(llmDoc());
    expect(record.status).toBe("failed");
    const ask = step(record, "ask");
    expect(ask.status).toBe("failed");
    expect(ask.error!.code).toMatch(/^PROVIDER_/);
    expect(record.error!.code).toBe(ask.error!.code);
  });

  it("JSON that is not JSON, or violates the node's schema, fails with a clear code", async () => {
    server.use(chatCompletions(reply.text("{not json")));
    const notJson = await run(llmDoc("json"));
    expect(step(notJson.record, "ask")).toMatchObject({
      status: "failed",
      attempt: 1,
      error: { code: "PROVIDER_MALFORMED_OUTPUT" },
    });
    server.use(chatCompletions(reply.json({ title: "Otters" })));
    const violating = await run(llmDoc("json"));
    expect(violating.record.status).toBe("failed");
    expect(step(violating.record, "ask")).toMatchObject({
      status: "failed",
      error: { code: "PROVIDER_SCHEMA_VIOLATION" },
    });
    server.use(chatCompletions(reply.json({ title: "Otters", score: 0.9 })));
    const good = await run(llmDoc("json"));
    expect(good.record.output).toEqual({ title: "Otters", score: 0.9 });
  });
});

describe("scripts that misbehave", () => {
  const scriptDoc = (script: string) =>
    lineDoc(
      "script",
      [transformNode("ok", "return 1;"), transformNode("bad", script)],
      [{ name: "topic", type: "string" }],
    );

  for (const [what, script, code] of [
    ["throws", 'throw new Error("boom");', "SCRIPT_ERROR"],
    ["loops forever", "while (true) {}", "SCRIPT_TIMEOUT"],
    ["exhausts memory", "const a = []; while (true) a.push(new Array(1e5).fill(1));", "SCRIPT_MEMORY"],
  ] as const) {
    it(`a transform that ${what} fails its step with ${code}; the run fails cleanly`, async () => {
      const { record } = await run(
        scriptDoc(script),
        { scriptTimeoutMs: 500, scriptMemoryBytes: 8 * 1024 * 1024 },
        "mock",
      );
      expect(record.status).toBe("failed");
      expect(record.error).toMatchObject({ code });
      expect(step(record, "ok")).toMatchObject({ status: "completed", output: 1 });
      expect(step(record, "bad")).toMatchObject({ status: "failed", attempt: 1, error: { code } });
      expect(record.finishedAt).not.toBeNull();
    });
  }
});
