// Which provider does a spec name? Parses `--provider` style specs into LlmProviders.
import type { LlmProvider } from "../provider.ts";
import { createMockProvider, type MockProviderOptions } from "./mock.ts";
import { createOpenAiProvider } from "./openai.ts";
import { createRecordingProvider } from "./record.ts";
import { createReplayProvider } from "./replay.ts";

export { requestKey } from "./request-key.ts";

export const PROVIDER_SPEC_FORMS = [
  "mock",
  "mock:latency=<ms>",
  "mock:salt=<text>",
  "mock:latency=<ms>,salt=<text>",
  "openai",
  "replay:<cassette path>",
  "record:<cassette path>",
  "record-mock:<cassette path>",
] as const;

/** A provider spec that names no provider; the CLI reports it as a usage error (exit 2). */
export class ProviderSpecError extends Error {
  constructor(spec: string, why: string) {
    super(
      `unknown provider spec ${JSON.stringify(spec)}: ${why}; valid forms: ${PROVIDER_SPEC_FORMS.join(", ")}`,
    );
    this.name = "ProviderSpecError";
  }
}

function mockOptions(spec: string, text: string): MockProviderOptions {
  const options: MockProviderOptions = {};
  for (const pair of text.split(",")) {
    const at = pair.indexOf("=");
    const key = at < 0 ? pair : pair.slice(0, at);
    const value = at < 0 ? undefined : pair.slice(at + 1);
    if (value === undefined) throw new ProviderSpecError(spec, `mock option "${pair}" has no value`);
    if (key === "latency") {
      if (!/^\d+$/.test(value)) {
        throw new ProviderSpecError(spec, `latency must be a whole number of milliseconds, got "${value}"`);
      }
      options.latencyMs = Number(value);
    } else if (key === "salt") {
      if (value === "") throw new ProviderSpecError(spec, "salt is empty");
      options.salt = value;
    } else {
      throw new ProviderSpecError(spec, `mock has no option "${key}" (options: latency, salt)`);
    }
  }
  return options;
}

function cassettePath(spec: string, prefix: string): string {
  const path = spec.slice(prefix.length).trim();
  if (!path) throw new ProviderSpecError(spec, `${prefix} needs a cassette path`);
  return path;
}

/**
 * Returns the provider a spec names. Nothing is read or checked beyond the spec itself: environment
 * variables and cassette files are read at the first call. Throws ProviderSpecError for anything else.
 */
export function createProvider(spec: string): LlmProvider {
  if (spec === "mock") return createMockProvider();
  if (spec.startsWith("mock:")) return createMockProvider(mockOptions(spec, spec.slice("mock:".length)));
  if (spec === "openai") return createOpenAiProvider();
  if (spec.startsWith("replay:")) return createReplayProvider(cassettePath(spec, "replay:"));
  if (spec.startsWith("record:"))
    return createRecordingProvider(createOpenAiProvider(), cassettePath(spec, "record:"));
  if (spec.startsWith("record-mock:")) {
    return createRecordingProvider(createMockProvider(), cassettePath(spec, "record-mock:"));
  }
  throw new ProviderSpecError(spec, "no provider has that name");
}
