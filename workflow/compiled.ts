// What does the executor run? The compiled workflow contract: deterministic, secret-free, topologically sorted.

/**
 * Node types after compilation. In the `dag` profile the builder's `ai` is compiled to `llm`; in the
 * `legacy` profile an `ai` node keeps its type and runs the legacy executor's AI call (workflow/legacy/).
 */
export type CompiledNodeType = "input" | "llm" | "ai" | "transform" | "branch" | "map" | "http" | "output";

/**
 * How a workflow runs: `legacy` is what inferpipe's executor does today with the documents its builder
 * saves (input and ai nodes, AI nodes in x order, edges ignored); `dag` is this project's graph semantics.
 */
export type ExecutionProfile = "legacy" | "dag";

/** A JSON Schema (the subset the builder's UI props produce). */
export type JsonSchema = Record<string, unknown>;

/** A secret kept out of the compiled bytes: resolved by name at run time. */
export type SecretRef = { $secret: string };

export interface LlmConfig {
  prompt: string;
  model: string;
  outputFormat: "text" | "json";
  /** JSON Schema converted from the builder's UI props; present when outputFormat is "json". */
  schema?: JsonSchema;
  temperature?: number;
  system?: string;
  /** Which OpenAI API the node calls; chat completions unless the builder says otherwise. */
  api?: "chat" | "responses";
}
export interface TransformConfig {
  script: string;
}
export interface BranchConfig {
  condition: string;
}
export interface MapConfig {
  /** An expression (same scope as transform) yielding the array to map over. */
  items: string;
  task: { type: "llm"; config: LlmConfig } | { type: "transform"; config: TransformConfig };
  concurrency: number;
}
export interface HttpConfig {
  method: string;
  url: string;
  headers: Record<string, string | SecretRef>;
  body?: unknown;
  /** Non-GET calls change the world: they never run in a shadow (the primary's result is replayed). */
  sideEffecting: boolean;
}
export type EmptyConfig = Record<string, never>;

/** A legacy `ai` node, with the builder's defaults already applied (workflow/legacy/README.md). */
export interface LegacyAiConfig {
  prompt: string;
  model: string;
  outputFormat: "text" | "json";
  /** json only: the builder's UI props as saved (the legacy builds its validator from them at call time). */
  uiProps?: unknown[];
  /** json only: the JSON Schema the legacy sends for those props. */
  schema?: JsonSchema;
}
/** A legacy input node: what the run starts with when the caller gives no input. */
export interface LegacyInputConfig {
  defaultInput: { text: unknown };
}

export type NodeConfig =
  | LlmConfig
  | LegacyAiConfig
  | LegacyInputConfig
  | TransformConfig
  | BranchConfig
  | MapConfig
  | HttpConfig
  | EmptyConfig;

/** One incoming edge: which node it comes from and, for edges leaving a branch, the handle. */
export interface Incoming {
  from: string;
  handle: "true" | "false" | null;
}

export interface CompiledNode {
  id: string;
  type: CompiledNodeType;
  /** The step name on both executors: `node-<id>-<type>`. */
  label: string;
  config: NodeConfig;
  /** Ids of the nodes this one depends on, sorted. */
  dependsOn: string[];
  /** The edges into this node, sorted by source id then handle (an addition to the contract's fields). */
  incoming: Incoming[];
}

export interface CompiledWorkflow {
  workflowId: string;
  /** Which semantics both executors give the nodes (an addition to the contract's fields). */
  profile: ExecutionProfile;
  /** A hash of the compiled bytes without this field: same graph → same id. */
  workflowVersionId: string;
  topologicallySortedNodes: CompiledNode[];
  /** The node whose value is the run's output (legacy: the last node in execution order). */
  outputNodeId: string;
  /** JSON Schema of the run input, built from the builder's variables (defaults included). */
  inputSchema: JsonSchema;
  /** Names of the secrets the workflow needs at run time (values never appear here). */
  secrets: string[];
}

/** Returns the step name both executors use for a node. */
export function stepLabel(id: string, type: CompiledNodeType): string {
  return `node-${id}-${type}`;
}

/** Returns the step name of one item of a map node. */
export function mapItemLabel(id: string, index: number): string {
  return `node-${id}-map-${index}`;
}

/** Returns the step name of a chunk of a map node's items, `first` to `last` inclusive (0-based). */
export function mapChunkLabel(id: string, first: number, last: number): string {
  return `node-${id}-map-${first}-${last}`;
}
