// How do tests and benchmarks get builder graphs? Small constructors and a generator of large realistic graphs.

type Data = Record<string, unknown>;
export interface TestNode {
  id: string;
  type: string;
  position: { x: number; y: number };
  data: Data;
}
export interface TestEdge {
  id: string;
  source: string;
  target: string;
  sourceHandle?: string | null;
  targetHandle?: string | null;
}

/** Returns a builder node at a position derived from its index. */
export function node(id: string, type: string, data: Data = {}, index = 0): TestNode {
  return { id, type, position: { x: 240 * index, y: 120 }, data };
}

/** Returns an edge `e-<source>-<target>` (with the handle for edges leaving a branch). */
export function edge(source: string, target: string, sourceHandle: string | null = null): TestEdge {
  return {
    id: `e-${source}-${target}${sourceHandle ? `-${sourceHandle}` : ""}`,
    source,
    target,
    sourceHandle,
    targetHandle: null,
  };
}

/** Returns a valid graph: input → the given middle nodes in a chain → output. */
export function chain(middle: TestNode[], extra: Data = {}): Data {
  const nodes = [node("input", "input"), ...middle, node("output", "output")];
  const edges = nodes.slice(1).map((n, i) => edge(nodes[i].id, n.id));
  return { name: "Test graph", nodes, edges, ...extra };
}

/** Returns a valid graph: input → one map node "each" running `task` per item of `input.items` → output. */
export function mapOverItems(task: Data, concurrency = 8, extra: Data = {}): Data {
  return chain([node("each", "map", { items: "input.items", concurrency, task }, 1)], {
    name: "Map over input.items",
    variables: [{ name: "items", type: "array" }],
    ...extra,
  });
}

export const llmData = (prompt = "Summarize {{input.text}}", model = "gpt-4o-mini"): Data => ({
  prompt,
  model,
});

/**
 * Returns a valid graph of about `size` nodes shaped like real workflows: layers of llm, transform,
 * map and branch nodes, each reading one or two nodes of the previous layer through edges and
 * templates, all joined into one output.
 */
export function generateGraph(size: number, options: { width?: number; salt?: string } = {}): Data {
  const width = options.width ?? 8;
  // A salt makes every script text new, so V8 has compiled none of them before (a cold validation).
  const salt = options.salt ? ` // ${options.salt}` : "";
  const nodes: TestNode[] = [node("input", "input")];
  const edges: TestEdge[] = [];
  const branches = new Set<string>();
  const handle = (from: string) => (branches.has(from) ? "true" : null);
  let previous = ["input"];
  let n = 0;
  while (nodes.length < size - 1) {
    const layer: string[] = [];
    for (let w = 0; w < width && nodes.length < size - 1; w++, n++) {
      const id = `n${n}`;
      const from = previous[w % previous.length];
      const also = previous[(w + 1) % previous.length];
      const kind = n % 10;
      const ref = from === "input" ? "{{input.text}}" : `{{nodes.${from}}}`;
      if (kind < 4) {
        nodes.push(
          node(id, kind === 0 ? "ai" : "llm", {
            prompt: `Step ${n}: rewrite ${ref} given {{nodes.${also}.summary}}`,
            model: "gpt-4o-mini",
            outputFormat: kind === 3 ? "json" : "text",
            ...(kind === 3
              ? {
                  schema: {
                    properties: [
                      { name: "summary", type: "STR", required: true },
                      { name: "tags", type: "ARR", items: { name: "tag", type: "STR" } },
                    ],
                  },
                }
              : {}),
          }),
        );
      } else if (kind < 7) {
        nodes.push(
          node(id, "transform", { script: `const v = results["${from}"];\nreturn { n: ${n}, v };${salt}` }),
        );
      } else if (kind === 7) {
        nodes.push(
          node(id, "map", {
            items: `[results["${from}"], ${n}]${salt}`,
            task: { type: "transform", script: "return { item, index };" },
          }),
        );
      } else {
        // A branch whose true side continues and whose false side goes to the output.
        nodes.push(node(id, "branch", { condition: `results["${from}"] !== null && ${n} % 2 === 0${salt}` }));
        branches.add(id);
      }
      edges.push(edge(from, id, handle(from)));
      if (also !== from) edges.push(edge(also, id, handle(also)));
      layer.push(id);
    }
    previous = layer;
  }
  nodes.push(node("output", "output"));
  for (const id of previous) edges.push(edge(id, "output", handle(id)));
  const last = new Set(previous);
  for (const id of branches) if (!last.has(id)) edges.push(edge(id, "output", "false"));
  nodes.forEach((n, i) => {
    n.position = { x: 240 * Math.floor(i / width), y: 120 * (i % width) };
  });
  return { name: `Generated ${size}`, nodes, edges };
}
