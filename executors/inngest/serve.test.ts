import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { canonicalJson } from "../../lib/canonical.ts";
import { SERVE_PATH, ServeConfigError, startInngestServer } from "./serve.ts";

const KEY_HEX = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
const SIGNING_KEY = `signkey-test-${KEY_HEX}`;
const FN_ID = "inferpipe-execute-workflow";

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** An execution request as Inngest sends one: event data lacking the graph, so the function fails fast. */
function callBody() {
  const event = { name: "inferpipe/workflow.execute", data: { runId: "r1" }, id: "e1", ts: Date.now() };
  return canonicalJson({
    ctx: {
      attempt: 0,
      run_id: "01RUN",
      stack: { stack: [], current: 0 },
      fn_id: FN_ID,
      disable_immediate_execution: false,
      use_api: false,
    },
    event,
    events: [event],
    steps: {},
    version: 1,
  });
}

function sign(body: string, key: string, ts = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac("sha256", key.replace(/^signkey-\w+-/, ""))
    .update(body + ts)
    .digest("hex");
  return `t=${ts}&s=${mac}`;
}

async function serveCloud() {
  const served = await startInngestServer({ port: 0, env: { INNGEST_SIGNING_KEY: SIGNING_KEY } });
  close = served.close;
  return served;
}

async function post(url: string, body: string, signature?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature) headers["x-inngest-signature"] = signature;
  const res = await fetch(`${url}?fnId=${FN_ID}&stepId=step`, { method: "POST", headers, body });
  return { status: res.status, text: await res.text() };
}

describe("serve-inngest", () => {
  it("refuses to start in cloud mode without a signing key", async () => {
    await expect(startInngestServer({ port: 0, env: {} })).rejects.toThrow(ServeConfigError);
    await expect(startInngestServer({ port: 0, env: {} })).rejects.toThrow(
      /INNGEST_SIGNING_KEY.*INNGEST_DEV=1/,
    );
  });

  it("starts in dev mode with INNGEST_DEV=1 and no key", async () => {
    const served = await startInngestServer({ port: 0, env: { INNGEST_DEV: "1" } });
    close = served.close;
    expect(served.mode).toBe("dev");
    expect(served.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+${SERVE_PATH}$`));
  });

  it("rejects an unsigned request in cloud mode", async () => {
    const { url } = await serveCloud();
    const res = await post(url, callBody());
    expect(res.status).toBe(401);
    expect(res.text).not.toMatch(/INPUT_INVALID/);
  });

  it("rejects a request signed with another key", async () => {
    const { url } = await serveCloud();
    const body = callBody();
    const res = await post(url, body, sign(body, `signkey-test-${"0".repeat(64)}`));
    expect(res.status).toBe(401);
    expect(res.text).not.toMatch(/INPUT_INVALID/);
  });

  it("rejects a correctly signed request whose body was altered", async () => {
    const { url } = await serveCloud();
    const body = callBody();
    const res = await post(url, body.replace('"r1"', '"r2"'), sign(body, SIGNING_KEY));
    expect(res.status).toBe(401);
  });

  it("runs the function for a correctly signed request", async () => {
    const { url } = await serveCloud();
    const body = callBody();
    const res = await post(url, body, sign(body, SIGNING_KEY));
    // Past the signature check the function itself answers: the event lacks its graph, a non-retriable failure.
    expect(res.status).toBe(400);
    expect(res.text).toMatch(
      /INPUT_INVALID: inferpipe\/workflow.execute event is missing workspaceId, workflowId, workflowVersionId, graph/,
    );
  });

  it("answers 404 off the serve path", async () => {
    const { url } = await serveCloud();
    const res = await fetch(url.replace(SERVE_PATH, "/elsewhere"));
    expect(res.status).toBe(404);
  });
});
