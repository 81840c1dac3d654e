// What does a value look like after a Convex function returned it? Convex's own conversion, both ways.
import { convexToJson, jsonToConvex, type Value } from "convex/values";
import { ErrorCode, NodeError } from "../errors.ts";

/**
 * Returns `value` as a Convex action's caller receives it: keys sorted, undefined fields dropped, field
 * names checked. Throws NodeError PROVIDER_MALFORMED_OUTPUT where Convex would refuse to return it
 * (a field name starting with `$`, a non-ASCII field name), as the legacy action would fail there.
 */
export function asReturnedByConvex<T>(value: T): T {
  try {
    return jsonToConvex(convexToJson(value as Value)) as T;
  } catch (err) {
    throw new NodeError(
      ErrorCode.PROVIDER_MALFORMED_OUTPUT,
      `Convex cannot return this value: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
    );
  }
}
