import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../compile.ts";
import type { LegacyAiConfig } from "../compiled.ts";

const refDir = join(import.meta.dirname, "..", "..", "..", "shared", "legacy-reference");
const references = readdirSync(refDir).filter((f) => f.endsWith(".json") && !f.endsWith(".legacy.json"));
const read = (f: string) => JSON.parse(readFileSync(join(refDir, f), "utf8"));

/** A document shaped as inferpipe's builder saves it, with these nodes and edges. */
function doc(nodes: unknown[], edges: unknown[] = []) {
  return {
    _id: "jd7test",
    _creationTime: 1758200000000.5,
    name: "Untitled Workflow",
    status: "draft",
    userId: "user_1",
    nodes,
    edges,
    createdAt: 1758200000000,
    updatedAt: 1758200000000,
  };
}
const input = (x = 100, data: Record<string, unknown> = { textInput: "" }) => ({
  id: "input-1",
  type: "input",
  position: { x, y: 200 },
  data,
});
const ai = (id: string, x: number, data: Record<string, unknown> = {}) => ({
  id,
  type: "ai",
  position: { x, y: 200 },
  data: { prompt: `prompt of ${id}`, model: "gpt-4o-mini", outputFormat: "text", ...data },
});
const edge = (source: string, target: string) => ({ id: `xy-edge__${source}-${target}`, source, target });
const codes = (issues: { code: string }[]) => issues.map((i) => i.code);

describe("the legacy profile's compiler", () => {
  it.each(references)("accepts %s as stored, as the legacy profile, keyed by its _id", (file) => {
    const d = read(file);
    const result = compileWorkflow(d);
    expect(result.ok, JSON.stringify(!result.ok && result.errors)).toBe(true);
    if (!result.ok) return;
    expect(result.profile).toBe("legacy");
    expect(result.compiled.profile).toBe("legacy");
    expect(result.compiled.workflowId).toBe(d._id);
    expect(result.compiled.topologicallySortedNodes[0].type).toBe("input");
  });

  it("orders AI nodes by x (ties keep document order), ignoring edges, as one chain", () => {
    const result = compileWorkflow(
      doc(
        [input(), ai("c", 900), ai("a", 500), ai("b", 500), ai("d", 100)],
        [edge("input-1", "c"), edge("c", "a")],
      ),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const nodes = result.compiled.topologicallySortedNodes;
    expect(nodes.map((n) => n.id)).toEqual(["input-1", "d", "a", "b", "c"]);
    expect(nodes.map((n) => n.dependsOn)).toEqual([[], ["input-1"], ["d"], ["a"], ["b"]]);
    expect(nodes.slice(1).map((n) => n.label)).toEqual(["node-d-ai", "node-a-ai", "node-b-ai", "node-c-ai"]);
    expect(result.compiled.outputNodeId).toBe("c");
    expect(codes(result.warnings)).toContain("EDGE_ORDER_IGNORED");
  });

  it("applies the builder's defaults: prompt, model, text format, input text", () => {
    const result = compileWorkflow(
      doc(
        [
          input(100, { textInput: "" }),
          { id: "ai-1", type: "ai", position: { x: 500, y: 0 }, data: { outputFormat: "yaml" } },
        ],
        [edge("input-1", "ai-1")],
      ),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [first, second] = result.compiled.topologicallySortedNodes;
    expect(first.config).toEqual({ defaultInput: { text: "Default input text" } });
    expect(second.config).toEqual({ prompt: "Default prompt", model: "gpt-4o-mini", outputFormat: "text" });
    expect(codes(result.warnings).filter((c) => c === "LEGACY_DEFAULT_USED")).toHaveLength(3);
  });

  it("warns, never refuses, where the legacy runs: unconnected nodes, cycles, audio and unknown models, odd schemas", () => {
    const result = compileWorkflow(
      doc(
        [
          input(),
          ai("a", 300, { model: "gpt-4o-transcribe" }),
          ai("b", 500, { model: "gpt-9-imaginary" }),
          ai("c", 700, {
            outputFormat: "json",
            schema: {
              name: "s",
              properties: [
                { id: "1", name: "tags", type: "ARR", required: true, properties: [] },
                { id: "2", name: "kind", type: "ENUM", required: true, properties: [] },
                { id: "3", name: "meta", type: "OBJ", required: true, properties: [] },
              ],
            },
          }),
          ai("d", 900, { outputFormat: "json" }),
          { id: "note-1", type: "note", position: { x: 0, y: 0 }, data: {} },
        ],
        [edge("a", "b"), edge("b", "a")],
      ),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const found = codes(result.warnings);
    for (const code of [
      "NODE_NOT_CONNECTED",
      "CYCLE_IGNORED",
      "MODEL_NOT_FOR_TEXT",
      "MODEL_UNPRICED",
      "NODE_IGNORED",
    ])
      expect(found, code).toContain(code);
    expect(found.filter((c) => c === "LEGACY_DEFAULT_USED").length).toBeGreaterThanOrEqual(4);
    const c = result.compiled.topologicallySortedNodes.find((n) => n.id === "c")!.config as LegacyAiConfig;
    expect(c.schema).toMatchObject({
      properties: {
        tags: { type: "array" },
        kind: { type: "string", enum: ["A", "B"] },
        meta: { type: "object" },
      },
      required: ["tags", "kind", "meta"],
    });
    const d = result.compiled.topologicallySortedNodes.find((n) => n.id === "d")!.config as LegacyAiConfig;
    expect(d.schema).toMatchObject({ type: "object", properties: {}, additionalProperties: false });
  });

  it("refuses what the legacy refuses: no input node", () => {
    const result = compileWorkflow(doc([ai("a", 100)]));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.profile).toBe("legacy");
    expect(codes(result.errors)).toEqual(["MISSING_INPUT_NODE"]);
  });

  it("keeps dag semantics for documents using this project's node types", () => {
    const result = compileWorkflow(
      doc([input(), ai("a", 300), { id: "out", type: "output", position: { x: 500, y: 0 }, data: {} }]),
    );
    expect(result.profile).toBe("dag");
  });

  it("is deterministic: the same document gives the same bytes and version", () => {
    const a = compileWorkflow(read(references[0]));
    const b = compileWorkflow(read(references[0]));
    expect(a.ok && b.ok && a.compiled.workflowVersionId === b.compiled.workflowVersionId).toBe(true);
  });
});
