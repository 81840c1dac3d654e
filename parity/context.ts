// What does every check of one comparison need to know? The policy, its path rules ready to match, the graph.
import type { CompiledWorkflow } from "../workflow/compiled.ts";
import { type Pattern, parsePattern, RuleCursor } from "./paths.ts";
import type { ParityPolicy } from "./policy.ts";

export interface Context {
  readonly policy: ParityPolicy;
  /** Ignore rules at the record's root (null: none). */
  readonly ignore: RuleCursor | null;
  /** Noise rules at the record's root (null: none). */
  readonly noise: RuleCursor | null;
  readonly graph?: CompiledWorkflow;
}

// Policies are reused across many pairs: parse their rules once.
const parsed = new WeakMap<readonly string[], Pattern[]>();

function rules(paths: readonly string[]): Pattern[] {
  let out = parsed.get(paths);
  if (!out) {
    out = paths.map(parsePattern);
    parsed.set(paths, out);
  }
  return out;
}

/** Returns the context of one comparison; throws when a path rule cannot be read. */
export function makeContext(policy: ParityPolicy, graph?: CompiledWorkflow): Context {
  return {
    policy,
    ignore: RuleCursor.start(rules(policy.ignorePaths)),
    noise: RuleCursor.start(rules(policy.noisePaths)),
    graph,
  };
}
