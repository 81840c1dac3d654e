// What did the HTTP call answer? Renders the request, enforces the allow-list, timeout and size cap.
import { isHostAllowed } from "../allow-hosts.ts";
import type { CompiledNode, HttpConfig, SecretRef } from "../compiled.ts";
import { ErrorCode, NodeError } from "../errors.ts";
import { scrubSecrets, secretForms } from "../secrets.ts";
import type { HttpPolicy, NodeEnv, NodeOutcome } from "../steps.ts";
import { renderTemplate } from "../template.ts";
import { type NodeScope, plainOutcome } from "./scope.ts";

/** What an http node worked on, as recorded: secret header values appear only as `[secret:NAME]`. */
export interface HttpRequestView {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * Returns `{ status, body }` (JSON bodies parsed, others as text). Redirects are not followed: a 3xx is
 * an HTTP_STATUS failure, so a redirect can never lead past the allow-list.
 */
export async function runHttp(node: CompiledNode, scope: NodeScope, env: NodeEnv): Promise<NodeOutcome> {
  const config = node.config as HttpConfig;
  const method = config.method.toUpperCase();
  const url = allowedUrl(node.id, renderTemplate(config.url, scope), env.http);
  const headers: Record<string, string> = {};
  const shownHeaders: Record<string, string> = {};
  // The secret values this request carries: whatever the server sends back is scrubbed of them before it
  // becomes the node's output, so an echoed credential never reaches the next node's scope (a prompt, a
  // script), the record, the results or a log.
  const sent: string[] = [];
  for (const [name, value] of Object.entries(config.headers ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (isSecretRef(value)) {
      const secret = env.secret(value.$secret);
      if (secret === undefined) {
        throw new NodeError(
          ErrorCode.SECRET_MISSING,
          `http node "${node.id}": header "${name}" needs secret "${value.$secret}", which the workspace's secret store does not hold (CUTOVER_SECRET_<WORKSPACE>__${value.$secret} where the run executes)`,
        );
      }
      headers[name] = secret;
      sent.push(...secretForms(secret));
      shownHeaders[name] = `[secret:${value.$secret}]`;
    } else {
      headers[name] = renderTemplate(value, scope);
      shownHeaders[name] = headers[name];
    }
  }
  const renderedBody = method === "GET" || method === "HEAD" ? undefined : renderValue(config.body, scope);
  let payload: string | undefined;
  if (typeof renderedBody === "string") payload = renderedBody;
  else if (renderedBody !== undefined) {
    payload = JSON.stringify(renderedBody);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
      headers["content-type"] = "application/json";
      shownHeaders["content-type"] = "application/json";
    }
  }
  const view: HttpRequestView = { method, url: url.href, headers: shownHeaders };
  if (renderedBody !== undefined) view.body = renderedBody;

  const sideEffecting = config.sideEffecting ?? method !== "GET";
  if (sideEffecting && env.sideEffectOutputs)
    return replaySideEffect(node.id, method, view, env.sideEffectOutputs);
  let response: { status: number; body: unknown };
  try {
    response = await send(node.id, url, { method, headers, body: payload }, env);
  } catch (err) {
    if (err instanceof NodeError && sent.length > 0) {
      const message = scrubSecrets(err.message, sent);
      if (message !== err.message) {
        throw new NodeError(err.code, message, {
          retryable: err.retryable,
          ...(err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }),
          ...(err.details && { details: scrubSecrets(err.details, sent) }),
        });
      }
    }
    throw err;
  }
  const outcome = plainOutcome({ status: response.status, body: scrubSecrets(response.body, sent) }, view);
  outcome.sideEffecting = sideEffecting;
  return outcome;
}

/** Returns the primary's recorded outcome of a side-effecting call, for a shadow that must not make it. */
function replaySideEffect(
  nodeId: string,
  method: string,
  view: HttpRequestView,
  recorded: Readonly<Record<string, unknown>>,
): NodeOutcome {
  if (!Object.hasOwn(recorded, nodeId)) {
    throw new NodeError(
      ErrorCode.SIDE_EFFECT_SUPPRESSED,
      `http node "${nodeId}" (${method}) changes the world, so a shadow never calls it, and the primary recorded no output to replay`,
    );
  }
  const outcome = plainOutcome(recorded[nodeId], view);
  outcome.sideEffecting = true;
  return outcome;
}

/** Returns the parsed URL when its scheme is http(s) and its host is allow-listed; HTTP_NOT_ALLOWED otherwise. */
export function allowedUrl(nodeId: string, text: string, policy: HttpPolicy): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new NodeError(ErrorCode.HTTP_NOT_ALLOWED, `http node "${nodeId}": "${text}" is not a valid URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new NodeError(
      ErrorCode.HTTP_NOT_ALLOWED,
      `http node "${nodeId}": scheme ${url.protocol} is not allowed`,
    );
  }
  if (!isHostAllowed(url.hostname, policy.allowHosts)) {
    throw new NodeError(
      ErrorCode.HTTP_NOT_ALLOWED,
      `http node "${nodeId}": host ${url.hostname} is not in the allow-list`,
    );
  }
  return url;
}

async function send(
  nodeId: string,
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string },
  env: NodeEnv,
): Promise<{ status: number; body: unknown }> {
  const policy = env.http;
  const timeout = AbortSignal.timeout(policy.timeoutMs);
  const signal = env.signal ? AbortSignal.any([timeout, env.signal]) : timeout;
  const doFetch = policy.fetch ?? globalThis.fetch;
  const whyAborted = (err: unknown): NodeError => {
    if (env.signal?.aborted) return new NodeError(ErrorCode.CANCELED, `http node "${nodeId}": run canceled`);
    if (timeout.aborted) {
      return new NodeError(
        ErrorCode.HTTP_TIMEOUT,
        `http node "${nodeId}": ${init.method} ${url.host} took longer than ${policy.timeoutMs} ms`,
        { retryable: true },
      );
    }
    return new NodeError(
      ErrorCode.HTTP_NETWORK,
      `http node "${nodeId}": ${init.method} ${url.host} failed: ${(err as Error)?.message ?? err}`,
      { retryable: true },
    );
  };

  let response: Response;
  try {
    response = await doFetch(url, { ...init, signal, redirect: "manual" });
  } catch (err) {
    throw whyAborted(err);
  }
  let text: string;
  try {
    text = await readCapped(nodeId, response, policy.maxResponseBytes);
  } catch (err) {
    if (err instanceof NodeError) throw err;
    throw whyAborted(err);
  }
  if (response.status < 200 || response.status > 299) {
    const retryable = response.status >= 500 || response.status === 429;
    const retryAfterMs = retryAfter(response.headers.get("retry-after"));
    const location = response.headers.get("location");
    throw new NodeError(
      ErrorCode.HTTP_STATUS,
      `http node "${nodeId}": ${init.method} ${url.host}${url.pathname} answered ${response.status}` +
        (location && response.status >= 300 && response.status < 400 ? ` (redirect not followed)` : ""),
      { retryable, retryAfterMs, details: { status: response.status } },
    );
  }
  return { status: response.status, body: parseBody(text, response.headers.get("content-type")) };
}

/** Reads the body as a stream, giving up (HTTP_TOO_LARGE) as soon as it passes the cap. */
async function readCapped(nodeId: string, response: Response, maxBytes: number): Promise<string> {
  const tooLarge = () =>
    new NodeError(
      ErrorCode.HTTP_TOO_LARGE,
      `http node "${nodeId}": response is larger than ${maxBytes} bytes`,
    );
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    // Not awaited: cancelling only releases the connection, and some fetch shims never settle it.
    response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** JSON bodies (by content type) are parsed; a body that claims JSON but does not parse stays text. */
function parseBody(text: string, contentType: string | null): unknown {
  if (contentType && /[/+]json\b/i.test(contentType) && text.trim() !== "") {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Renders templates in every string of a body (strings, and strings nested in objects and arrays). */
function renderValue(value: unknown, scope: NodeScope): unknown {
  if (typeof value === "string") return renderTemplate(value, scope);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, scope)]));
  }
  return value;
}

function isSecretRef(value: unknown): value is SecretRef {
  return !!value && typeof value === "object" && typeof (value as SecretRef).$secret === "string";
}
