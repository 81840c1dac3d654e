// Attack (issue 9 item 8, first point): a server that echoes a secret header back put the secret's value in
// the run record, the parity results, state.db and the next LLM prompt. Every secret value a run resolves
// is now scrubbed by value from what the server answers, before that answer becomes the node's output
// (workflow/nodes/http.ts), so it never reaches the next node's scope; the Convex recorder also scrubs
// everything it keeps with the run's resolved values.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareRun } from "../../cli/run.ts";
import { runShadowPairs } from "../../cli/shadow.ts";
import { createExecutor } from "../../executors/factory.ts";
import type { ControlStore } from "../../store/port.ts";
import { openSqliteStore } from "../../store/sqlite.ts";
import { secretForms } from "../../workflow/secrets.ts";
import { chain, node } from "../graphs.ts";

/** Neither the key pattern nor the value patterns of lib/redact.ts would catch it: only its value can. */
const TOKEN = "q9ZtT4kLm2Xw8RvB6nHc0pYs";
const SECRET = `Bearer ${TOKEN}`;
const API_KEY = "plain-looking-value-7f3a9c2e";

const server = setupServer(
  http.get("https://echo.example.com/echo", ({ request }) =>
    HttpResponse.json({
      // What an echo server (httpbin's /headers) answers: the headers it got, and prose around them.
      headers: Object.fromEntries(request.headers.entries()),
      note: `you sent ${request.headers.get("authorization")} and ${request.headers.get("x-custom-auth")}`,
      tokenOnly: request.headers.get("authorization")?.replace(/^Bearer /, ""),
      [`key-${request.headers.get("x-custom-auth")}`]: true,
    }),
  ),
);

let home: string;
let store: ControlStore;
let workflowPath: string;
const saved: Record<string, string | undefined> = {};

beforeAll(() => {
  server.listen({ onUnhandledRequest: "error" });
  for (const [k, v] of Object.entries({
    CUTOVER_HTTP_ALLOW_HOSTS: "echo.example.com",
    CUTOVER_LOG_LEVEL: "silent",
  })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  home = mkdtempSync(join(tmpdir(), "cutover-echo-"));
  store = openSqliteStore({ path: join(home, "state.db") });
  workflowPath = join(home, "echo.json");
  writeFileSync(
    workflowPath,
    JSON.stringify(
      chain([
        node("fetch", "http", {
          method: "GET",
          url: "https://echo.example.com/echo",
          headers: { Authorization: SECRET, "X-Custom-Auth": API_KEY },
        }),
        node("summarize", "llm", {
          model: "gpt-4o-mini",
          prompt: "The server said: {{nodes.fetch.body.note}} / {{nodes.fetch.body.tokenOnly}}",
        }),
      ]),
    ),
  );
});
afterAll(async () => {
  server.close();
  await store.close();
  rmSync(home, { recursive: true, force: true });
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  for (const k of Object.keys(process.env)) if (k.startsWith("CUTOVER_SECRET_ECHO")) delete process.env[k];
});

/** Every stored or printed byte must be free of every form of the secrets. */
function expectClean(label: string, bytes: string | Buffer) {
  const text = typeof bytes === "string" ? bytes : bytes.toString("latin1");
  for (const form of [...secretForms(SECRET), API_KEY])
    expect(text, `${label} holds ${form}`).not.toContain(form);
}

describe("a secret header echoed back by the server", () => {
  it.each(["convex", "inngest"] as const)(
    "never reaches the prompt, the records, the results, the printed pair or state.db (%s primary)",
    async (primary) => {
      const prepared = prepareRun(workflowPath, {
        executor: primary,
        provider: "mock",
        workspace: "echo_ws",
        input: "{}",
      });
      expect(Object.values(prepared.secretValues).sort()).toEqual([API_KEY, SECRET].sort());
      const pairs = await runShadowPairs(store, prepared, {
        primary,
        provider: "mock",
        shadowProvider: "replay",
        workspaceId: "echo_ws",
        count: 1,
        deadlineMs: 60_000,
        runIdPrefix: `echo_${primary}`,
      });
      const [pair] = pairs;
      // The request did carry the secrets (the run is real), and the echo came back scrubbed.
      const fetch = pair.primary.steps.find((s) => s.nodeId === "fetch")!;
      expect(fetch.status).toBe("completed");
      expect(JSON.stringify(fetch.output)).toContain("[REDACTED]");
      const prompt = JSON.stringify(pair.primary.steps.find((s) => s.nodeId === "summarize")?.input);
      expect(prompt).toContain("The server said: you sent [REDACTED] and [REDACTED] / [REDACTED]");
      expectClean("the printed pair", JSON.stringify(pairs));
      const pairId = (pair.parity as { pairId?: string }).pairId!;
      expectClean("the stored records", JSON.stringify(await store.getRunRecords(pairId, "echo_ws")));
      expectClean("the stored result", JSON.stringify(await store.getResult(pairId, "echo_ws")));
      for (const file of ["state.db", "state.db-wal", "state.db-shm"]) {
        const path = join(home, file);
        if (existsSync(path)) expectClean(file, readFileSync(path));
      }
    },
  );

  it.each(["convex", "inngest"] as const)("is scrubbed from a single run's record too (%s)", async (name) => {
    const prepared = prepareRun(workflowPath, {
      executor: name,
      provider: "mock",
      workspace: "echo_ws",
      input: "{}",
    });
    const executor = createExecutor(name, {
      env: {},
      announce: () => {},
      secrets: prepared.secretValues,
      secretsWorkspace: "echo_ws",
    });
    await executor.submit({
      runId: `single_${name}`,
      workspaceId: "echo_ws",
      workflow: prepared.workflow,
      input: {},
    });
    const record = await executor.waitFor("echo_ws", `single_${name}`);
    expect(record.status).toBe("completed");
    expectClean("the record", JSON.stringify(record));
  });
});
