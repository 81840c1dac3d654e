// What does a workflow look like as inferpipe's builder stores it? Zod schemas for that document.
import { z } from "zod";

/** The builder's UI-prop schema for `outputFormat: "json"` nodes. */
export type UiProp = {
  name: string;
  type: "STR" | "NUM" | "BOOL" | "ENUM" | "OBJ" | "ARR";
  description?: string;
  required?: boolean;
  properties?: UiProp[];
  enum?: string[];
  items?: UiProp;
};

export const UiProp: z.ZodType<UiProp> = z.lazy(() =>
  z.object({
    name: z.string().min(1),
    type: z.enum(["STR", "NUM", "BOOL", "ENUM", "OBJ", "ARR"]),
    description: z.string().optional(),
    required: z.boolean().optional(),
    properties: z.array(UiProp).optional(),
    enum: z.array(z.string()).optional(),
    items: UiProp.optional(),
  }),
);

export const NODE_TYPES = ["input", "ai", "llm", "transform", "branch", "map", "http", "output"] as const;

export const BuilderNode = z.object({
  id: z.string().min(1),
  // Unknown types are a validation finding of their own (UNKNOWN_NODE_TYPE), not a schema failure.
  type: z.string().min(1),
  position: z.object({ x: z.number(), y: z.number() }),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type BuilderNode = z.infer<typeof BuilderNode>;

export const BuilderEdge = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  target: z.string().min(1),
  sourceHandle: z.string().nullish(),
  targetHandle: z.string().nullish(),
});
export type BuilderEdge = z.infer<typeof BuilderEdge>;

export const Variable = z.object({
  name: z.string().min(1),
  type: z.string().min(1),
  defaultValue: z.unknown().optional(),
});
export type Variable = z.infer<typeof Variable>;

export const BuilderGraph = z.object({
  /** The Convex document id when exported from inferpipe; otherwise the compiler derives one from the name. */
  id: z.string().min(1).optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  nodes: z.array(BuilderNode),
  edges: z.array(BuilderEdge),
  variables: z.array(Variable).optional(),
});
export type BuilderGraph = z.infer<typeof BuilderGraph>;
