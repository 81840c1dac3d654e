// Does every logged error carry its message and code? Errors as a log line shows them, including those that
// crossed Inngest's step boundary (issue 14: retries logged only `{ name: "NodeError" }`).
import { describe, expect, it } from "vitest";
import { toInngestError } from "../executors/inngest/step-error.ts";
import { ErrorCode, NodeError } from "../workflow/errors.ts";
import { loggableError, withLoggableErrors } from "./log.ts";

describe("errors in logs", () => {
  it("an Inngest step error (retried or not) keeps its code and message", () => {
    const retried = toInngestError(new NodeError(ErrorCode.PROVIDER_SERVER_ERROR, "HTTP 500"));
    expect(withLoggableErrors({ err: retried, runId: "r1" })).toEqual({
      err: { type: retried.name, code: "PROVIDER_SERVER_ERROR", message: "PROVIDER_SERVER_ERROR: HTTP 500" },
      runId: "r1",
    });
    const final = loggableError(toInngestError(new NodeError(ErrorCode.SCRIPT_ERROR, "no luck")));
    expect(final).toMatchObject({ code: "SCRIPT_ERROR", message: "SCRIPT_ERROR: no luck" });
  });

  it("a serialised copy keeps the code its message starts with; an errno error its own code; others INTERNAL", () => {
    const copy = new Error("NODE_TIMEOUT: took too long");
    expect(loggableError(copy).code).toBe("NODE_TIMEOUT");
    const errno = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(loggableError(errno)).toEqual({
      type: "Error",
      code: "ECONNREFUSED",
      message: "connect ECONNREFUSED",
    });
    expect(loggableError(new TypeError("x is undefined")).code).toBe("INTERNAL");
    expect(withLoggableErrors("plain text")).toBe("plain text");
  });
});
