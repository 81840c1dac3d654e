// Attack (an accident as much as an attack): a prompt holding a secret-looking string. The primary's step
// input is recorded redacted, the shadow asks with the prompt as rendered: keyed on different forms, the
// replay missed (a false REPLAY_MISS mismatch). Every writer and every lookup keys through requestKey,
// which hashes the redacted form.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runShadowPairs } from "../../cli/shadow.ts";
import type { Executor } from "../../executors/executor.ts";
import { createExecutor } from "../../executors/factory.ts";
import type { RunRecord, StepRecord } from "../../executors/records.ts";
import { redact } from "../../lib/redact.ts";
import { cassetteFromPrimary } from "../../shadow/primary-cassette.ts";
import type { ControlStore } from "../../store/port.ts";
import { openSqliteStore } from "../../store/sqlite.ts";
import { compileWorkflow } from "../../workflow/compile.ts";
import type { LlmRequest, LlmResult } from "../../workflow/provider.ts";
import { createRecordingProvider } from "../../workflow/providers/record.ts";
import { createCassetteProvider, createReplayProvider } from "../../workflow/providers/replay.ts";
import { requestKey } from "../../workflow/providers/request-key.ts";
import { chain, llmData, node } from "../graphs.ts";

const KEY = "sk-abcdefghijklmnopqrstuvwxyz123456";
const request: LlmRequest = {
  nodeId: "summarize",
  model: "gpt-4o-mini",
  prompt: `Explain why ${KEY} must not be committed`,
  system: `Never repeat Bearer ${KEY}`,
  outputFormat: "text",
};
const answer: LlmResult = {
  output: "because",
  tokens: { input: 10, output: 1, total: 11 },
  costUsd: 0.00001,
  model: "gpt-4o-mini",
  settings: { model: "gpt-4o-mini", api: "chat", outputFormat: "text" },
};

describe("replay keys are computed on the redacted form on both sides", () => {
  it("the request as asked and the request as recorded have one key", () => {
    expect(redact(request).prompt).not.toContain(KEY);
    expect(requestKey(request)).toBe(requestKey(redact(request)));
    // Still a key of the question: another prompt is another key.
    expect(requestKey({ ...request, prompt: "Explain something else" })).not.toBe(requestKey(request));
  });

  it("a shadow replaying the primary's recorded (redacted) step answers without a miss", async () => {
    const step = {
      nodeId: "summarize",
      name: "node-summarize-llm",
      status: "completed",
      input: redact(request),
      output: answer.output,
      tokens: answer.tokens,
      costUsd: answer.costUsd,
      model: answer.model,
    } as unknown as StepRecord;
    const cassette = cassetteFromPrimary({ steps: [step] } as unknown as RunRecord);
    const provider = createCassetteProvider(cassette, "the primary's recorded answers");
    await expect(provider.complete(request)).resolves.toMatchObject({
      output: "because",
      tokens: answer.tokens,
    });
  });

  it("a recorded cassette file replays the secret-holding prompt, and stores no secret", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cutover-replay-redaction-"));
    try {
      const path = join(dir, "c.json");
      const inner = { name: "fixed", complete: async () => structuredClone(answer) };
      await createRecordingProvider(inner, path).complete(request);
      await expect(createReplayProvider(path).complete(request)).resolves.toMatchObject({
        output: "because",
      });
      const { readFile } = await import("node:fs/promises");
      expect(await readFile(path, "utf8")).not.toContain(KEY);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a shadow pair whose prompt holds sk-… matches end to end", () => {
  let home: string;
  let store: ControlStore;
  let executors: Record<"convex" | "inngest", Executor>;

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), "cutover-replay-redaction-e2e-"));
    store = openSqliteStore({ path: join(home, "state.db") });
    const quiet = { env: {}, announce: () => {}, runOptions: {} };
    executors = { convex: createExecutor("convex", quiet), inngest: createExecutor("inngest", quiet) };
  });

  afterAll(async () => {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  });

  it.each(["convex", "inngest"] as const)(
    "with %s as primary, replaying: no REPLAY_MISS",
    async (primary) => {
      const compiled = compileWorkflow({
        ...chain([node("summarize", "llm", llmData("Summarize: {{input.text}}"))]),
        name: "Secretive",
        id: "secretive",
        variables: [{ name: "text", type: "string" }],
      });
      if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
      const [pair] = await runShadowPairs(
        store,
        { workflow: compiled.compiled, secretValues: {}, input: { text: `the key is ${KEY}` } },
        {
          primary,
          provider: "mock",
          shadowProvider: "replay",
          workspaceId: "ws_sec",
          count: 1,
          deadlineMs: 60_000,
          executors,
          runIdPrefix: `sec_replay_${primary}`,
        },
      );
      expect(pair.shadow?.status).toBe("completed");
      expect(JSON.stringify(pair.shadow?.steps)).not.toContain("REPLAY_MISS");
      expect(pair.parity?.verdict).toBe("match");
    },
  );
});
