// What does a legacy run start from? The caller's input, or `{ text: textInput || "Default input text" }`.
import type { CompiledWorkflow, LegacyInputConfig } from "../compiled.ts";

/** Returns the input a run of `workflow` starts with when its caller gives none: the legacy default, or `{}` for dag. */
export function defaultRunInput(workflow: CompiledWorkflow): unknown {
  if (workflow.profile !== "legacy") return {};
  const input = workflow.topologicallySortedNodes.find((n) => n.type === "input");
  return structuredClone((input?.config as LegacyInputConfig | undefined)?.defaultInput ?? {});
}
