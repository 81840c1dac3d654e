import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { canonicalJson } from "../../lib/canonical.ts";
import { redact } from "../../lib/redact.ts";
import { chatCompletions, OPENAI_TEST_BASE_URL, reply } from "../../test/msw/openai.ts";
import { ErrorCode, NodeError } from "../errors.ts";
import type { LlmRequest } from "../provider.ts";
import { createProvider } from "./index.ts";
import { createMockProvider } from "./mock.ts";
import { createRecordingProvider } from "./record.ts";
import { createReplayProvider } from "./replay.ts";
import { requestKey } from "./request-key.ts";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

let dir: string;
let cassette: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cutover-cassette-"));
  cassette = join(dir, "nested", "run.cassette.json");
});
afterEach(async () => {
  server.resetHandlers();
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

const summary: LlmRequest = {
  nodeId: "summarise",
  model: "gpt-4o-mini",
  prompt: "Summarise the incident report for the weekly review.",
  outputFormat: "text",
};
const extract: LlmRequest = {
  nodeId: "extract",
  model: "gpt-4o",
  prompt: "Extract the ticket.",
  outputFormat: "json",
  schema: { type: "object", properties: { title: { type: "string" } }, required: ["title"] },
};

async function rejection(promise: Promise<unknown>): Promise<NodeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NodeError);
  return err as NodeError;
}

describe("requestKey", () => {
  it("keys on the node and every answer-changing field, treating a missing api as chat", () => {
    const key = requestKey(summary);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(requestKey({ ...summary, api: "chat" })).toBe(key);
    expect(requestKey({ ...summary, nodeId: "other" })).not.toBe(key);
    expect(requestKey({ ...summary, temperature: 0.5 })).not.toBe(key);
    expect(requestKey({ ...summary, api: "responses" })).not.toBe(key);
    expect(requestKey({ ...extract, schema: { type: "object" } })).not.toBe(requestKey(extract));
  });
});

describe("record, then replay", () => {
  it("replays exactly what was recorded, from a cassette with sorted keys", async () => {
    const recorder = createProvider(`record-mock:${cassette}`);
    const recorded = [await recorder.complete(summary), await recorder.complete(extract)];
    expect(recorded[0]).toEqual(await createMockProvider().complete(summary));

    const replay = createProvider(`replay:${cassette}`);
    expect(await replay.complete(summary)).toEqual(recorded[0]);
    expect(await replay.complete({ ...extract })).toEqual(recorded[1]);

    const text = await readFile(cassette, "utf8");
    const file = JSON.parse(text);
    expect(file.version).toBe(1);
    expect(Object.keys(file.entries).sort()).toEqual([requestKey(summary), requestKey(extract)].sort());
    expect(file.entries[requestKey(extract)].request.nodeId).toBe("extract");
    expect(text).toBe(`${canonicalJson(file, 2)}\n`);
  });

  it("writes the same bytes when the same answers are recorded again, leaving no temp files", async () => {
    await createProvider(`record-mock:${cassette}`).complete(summary);
    const first = await readFile(cassette, "utf8");
    await createProvider(`record-mock:${cassette}`).complete(summary);
    expect(await readFile(cassette, "utf8")).toBe(first);
    expect(await readdir(join(dir, "nested"))).toEqual(["run.cassette.json"]);
  });

  it("keeps every entry when many calls record into one cassette at once", async () => {
    const recorder = createRecordingProvider(createMockProvider(), cassette);
    const other = createRecordingProvider(createMockProvider(), cassette);
    const requests = Array.from({ length: 12 }, (_, i) => ({ ...summary, nodeId: `n${i}` }));
    await Promise.all(requests.map((r, i) => (i % 2 ? recorder : other).complete(r)));
    const file = JSON.parse(await readFile(cassette, "utf8"));
    expect(Object.keys(file.entries)).toHaveLength(12);
  });

  it("records answers from openai, then replays them with no network at all", async () => {
    vi.stubEnv("OPENAI_API_KEY", "sk-test-abcdefghijklmnopqrstuvwxyz");
    vi.stubEnv("OPENAI_BASE_URL", OPENAI_TEST_BASE_URL);
    server.use(
      chatCompletions(reply.text("Incident: a disk filled up.", { usage: { input: 40, output: 8 } })),
    );
    const live = await createProvider(`record:${cassette}`).complete(summary);
    expect(live.output).toBe("Incident: a disk filled up.");

    server.resetHandlers(); // any request now fails the test (onUnhandledRequest: "error")
    vi.stubEnv("OPENAI_API_KEY", "");
    const replayed = await createProvider(`replay:${cassette}`).complete(summary);
    expect(replayed).toEqual(live);
    expect(replayed.tokens).toEqual({ input: 40, output: 8, total: 48 });
  });

  it("redacts secrets in the cassette (request and answer) yet still replays the unredacted request", async () => {
    const secretive: LlmRequest = {
      ...summary,
      system: "Use header Authorization: Bearer abcdefgh12345678 when calling back.",
      prompt: "Key for the tool: sk-live-abcdefghijklmnopqrstuvwx. Summarise the incident.",
    };
    const recorded = await createProvider(`record-mock:${cassette}`).complete(secretive);
    const text = await readFile(cassette, "utf8");
    expect(text).not.toContain("abcdefghijklmnopqrstuvwx");
    expect(text).not.toContain("abcdefgh12345678");
    expect(text).toContain("[REDACTED]");
    expect(text).toContain("Summarise the incident.");
    // The key comes from the request as asked, so the same (secret-bearing) request still hits; the
    // answer comes back as stored: redacted wherever it echoed a secret.
    expect(await createProvider(`replay:${cassette}`).complete(secretive)).toEqual(redact(recorded));
  });
});

describe("replay misses and bad cassettes", () => {
  it("names the node, model, key, cassette and prompt on a miss", async () => {
    await createProvider(`record-mock:${cassette}`).complete(summary);
    const request = { ...extract, prompt: "Extract the invoice number from the scanned letter." };
    const err = await rejection(createReplayProvider(cassette).complete(request));
    expect(err.code).toBe(ErrorCode.REPLAY_MISS);
    expect(err.retryable).toBe(false);
    for (const part of [
      'node "extract"',
      'model "gpt-4o"',
      requestKey(request),
      cassette,
      "Extract the invoice number",
    ]) {
      expect(err.message).toContain(part);
    }
    expect(err.message).toContain('no entry for node "extract"');
  });

  it("says when the node was recorded but the request has changed since", async () => {
    await createProvider(`record-mock:${cassette}`).complete(summary);
    const err = await rejection(
      createReplayProvider(cassette).complete({ ...summary, prompt: "Summarise it differently." }),
    );
    expect(err.code).toBe(ErrorCode.REPLAY_MISS);
    expect(err.message).toContain('1 entry for node "summarise"');
    expect(err.message).toContain("gpt-4o-mini");
  });

  it("refuses a missing, non-JSON or wrong-version cassette, naming the file", async () => {
    const missing = await rejection(createReplayProvider(join(dir, "none.json")).complete(summary));
    expect(missing.code).toBe(ErrorCode.PROVIDER_CONFIG);
    expect(missing.message).toContain(join(dir, "none.json"));

    const junk = join(dir, "junk.json");
    await writeFile(junk, "{ not json");
    expect((await rejection(createReplayProvider(junk).complete(summary))).message).toMatch(
      /junk\.json.*not JSON/,
    );

    const future = join(dir, "future.json");
    await writeFile(future, JSON.stringify({ version: 2, entries: {} }));
    const wrong = await rejection(createReplayProvider(future).complete(summary));
    expect(wrong.code).toBe(ErrorCode.PROVIDER_CONFIG);
    expect(wrong.message).toContain("version");
  });

  it("hands out copies, so a caller changing its result cannot change the next replay", async () => {
    await createProvider(`record-mock:${cassette}`).complete(extract);
    const replay = createReplayProvider(cassette);
    const first = await replay.complete(extract);
    (first.output as Record<string, unknown>).title = "changed";
    expect(((await replay.complete(extract)).output as Record<string, unknown>).title).not.toBe("changed");
  });
});
