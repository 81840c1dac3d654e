// What prompt text does the legacy send? The "Context from previous step" prefix, and which digits in it are wall clock.

/**
 * Returns the prompt the legacy sends for `prompt` after a step that output `previous`: the builder
 * passes `JSON.stringify(previous ?? {})` and the action prepends it, JSON-encoded once more, as context.
 */
export function legacyPrompt(previous: unknown, prompt: string): string {
  const previousOutput = JSON.stringify(previous ?? {});
  return `Context from previous step:\n${JSON.stringify(previousOutput, null, 2)}\n\n${prompt}`;
}

/** A `"timestamp":<number>` pair in JSON text, at any level of string encoding (`\"timestamp\":`, `\\\"timestamp\\\":` …). */
const WALL_CLOCK = /((?:\\*)"timestamp(?:\\*)":\s*)-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** Returns `text` with the digits of every `"timestamp":` value replaced by `#`: equal up to the wall clock. */
export function maskWallClock(text: string): string {
  return text.includes("timestamp") ? text.replace(WALL_CLOCK, "$1#") : text;
}
