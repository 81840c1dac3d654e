import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { canonicalJson } from "../../lib/canonical.ts";
import { SERVE_PATH, ServeConfigError, startInngestServer } from "./serve.ts";

const KEY_HEX = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
const SIGNING_KEY = `signkey-test-${KEY_HEX}`;
const FN_ID = "inferpipe-execute-workflow";
const ORIGIN = "https://cutover.test";

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
  const served = await startInngestServer({
    port: 0,
    env: { INNGEST_SIGNING_KEY: SIGNING_KEY, INNGEST_SERVE_ORIGIN: ORIGIN },
  });
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

  it("refuses to start in cloud mode without a serve origin, naming the option", async () => {
    const start = startInngestServer({ port: 0, env: { INNGEST_SIGNING_KEY: SIGNING_KEY } });
    await expect(start).rejects.toThrow(ServeConfigError);
    await expect(start).rejects.toThrow(/--serve-origin.*INNGEST_SERVE_ORIGIN/);
  });

  it.each([
    "cutover.test",
    "ftp://cutover.test",
    "https://cutover.test/api/inngest",
    "https://cutover.test?x=1",
    "https://user:pw@cutover.test",
  ])("refuses a serve origin that is not an http(s) origin: %s", async (origin) => {
    await expect(
      startInngestServer({ port: 0, serveOrigin: origin, env: { INNGEST_SIGNING_KEY: SIGNING_KEY } }),
    ).rejects.toThrow(/serve origin .* must be an http\(s\) origin/);
  });

  it("takes --serve-origin over INNGEST_SERVE_ORIGIN and registers only <origin>/api/inngest", async () => {
    const served = await startInngestServer({
      port: 0,
      serveOrigin: "https://flag.example:8443/",
      env: { INNGEST_SIGNING_KEY: SIGNING_KEY, INNGEST_SERVE_ORIGIN: ORIGIN },
    });
    close = served.close;
    expect(served.registerUrl).toBe(`https://flag.example:8443${SERVE_PATH}`);
  });

  it("refuses a body cap that is not a positive whole number", async () => {
    await expect(startInngestServer({ port: 0, maxBodyBytes: 0, env: { INNGEST_DEV: "1" } })).rejects.toThrow(
      ServeConfigError,
    );
  });

  it("starts in dev mode with INNGEST_DEV=1 and no key, registering the listening address", async () => {
    const served = await startInngestServer({ port: 0, env: { INNGEST_DEV: "1" } });
    close = served.close;
    expect(served.mode).toBe("dev");
    expect(served.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+${SERVE_PATH}$`));
    expect(served.registerUrl).toBe(served.url);
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
    expect(res.text).not.toMatch(/\bat .*:\d+:\d+/);
  });

  it("answers 404 off the serve path", async () => {
    const { url } = await serveCloud();
    const res = await fetch(url.replace(SERVE_PATH, "/elsewhere"));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: "Not found" });
  });
});
