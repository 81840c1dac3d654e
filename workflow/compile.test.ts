import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { canonicalJson, sha256 } from "../lib/canonical.ts";
import { chain, edge, generateGraph, llmData, node } from "../test/graphs.ts";
import { type CompileResult, compileWorkflow, slug, ValidationCode } from "./compile.ts";
import type { HttpConfig, MapConfig } from "./compiled.ts";

function compiled(result: CompileResult) {
  if (!result.ok) throw new Error(`expected a valid graph, got ${JSON.stringify(result.errors, null, 2)}`);
  return result.compiled;
}
function errors(result: CompileResult) {
  if (result.ok) throw new Error("expected errors");
  return result.errors;
}

const example = (name: string) => JSON.parse(readFileSync(`examples/${name}.json`, "utf8"));

describe("compileWorkflow: compiled output", () => {
  it("compiles ai to llm with labels, sorted dependencies and incoming edges", () => {
    const wf = compiled(compileWorkflow(example("branch")));
    expect(wf.workflowId).toBe("branch");
    expect(wf.outputNodeId).toBe("output");
    expect(wf.topologicallySortedNodes.map((n) => n.label)).toEqual([
      "node-input-input",
      "node-classify-llm",
      "node-isUrgent-branch",
      "node-escalate-llm",
      "node-reply-llm",
      "node-output-output",
    ]);
    const escalate = wf.topologicallySortedNodes.find((n) => n.id === "escalate")!;
    expect(escalate.incoming).toEqual([{ from: "isUrgent", handle: "true" }]);
    // Template references ({{nodes.classify…}}) are dependencies too, so the walk waits for them.
    expect(escalate.dependsOn).toEqual(["classify", "isUrgent"]);
    const output = wf.topologicallySortedNodes.at(-1)!;
    expect(output.incoming).toEqual([
      { from: "escalate", handle: null },
      { from: "reply", handle: null },
    ]);
  });

  it("gives the same bytes and version for the same graph however its lists are ordered", () => {
    const doc = example("branch");
    const shuffled = { ...doc, nodes: [...doc.nodes].reverse(), edges: [...doc.edges].reverse() };
    const a = compiled(compileWorkflow(doc));
    const b = compiled(compileWorkflow(shuffled));
    expect(canonicalJson(b)).toBe(canonicalJson(a));
    const { workflowVersionId, ...rest } = a;
    expect(workflowVersionId).toBe(`wfv_${sha256(canonicalJson(rest)).slice(0, 24)}`);
  });

  it("changes the version when anything the executors run changes, not when positions or labels do", () => {
    const doc = example("summary");
    const base = compiled(compileWorkflow(doc)).workflowVersionId;
    const moved = structuredClone(doc);
    moved.nodes[1].position = { x: 1, y: 2 };
    moved.nodes[1].data.label = "Renamed";
    expect(compiled(compileWorkflow(moved)).workflowVersionId).toBe(base);
    const edited = structuredClone(doc);
    edited.nodes[1].data.temperature = 0.3;
    expect(compiled(compileWorkflow(edited)).workflowVersionId).not.toBe(base);
  });

  it("derives the workflow id from the name when the graph has none", () => {
    const { id: _id, ...doc } = example("summary");
    expect(compiled(compileWorkflow(doc)).workflowId).toBe("article-summary");
    expect(slug("  Support triage! (v2) ")).toBe("support-triage-v2");
    expect(slug("???")).toBe("workflow");
  });

  it("builds the input schema from variables", () => {
    expect(compiled(compileWorkflow(example("summary"))).inputSchema).toEqual({
      type: "object",
      properties: { article: { type: "string" }, maxWords: { type: "number", default: 80 } },
      required: ["article"],
      additionalProperties: true,
    });
  });

  it("compiles a json llm node's UI props to a JSON Schema", () => {
    const wf = compiled(compileWorkflow(example("extract")));
    const config = wf.topologicallySortedNodes[1].config as { schema: any; outputFormat: string };
    expect(config.outputFormat).toBe("json");
    expect(config.schema.required).toEqual(["customerName", "intent", "items", "urgent"]);
    expect(config.schema.properties.items.items.properties.quantity).toEqual({ type: "number" });
  });

  it("compiles map tasks given inline or under data, defaulting concurrency to 4", () => {
    const inline = chain([
      node("each", "map", { items: "input.list", task: { type: "transform", script: "return item * 2;" } }),
    ]);
    const nested = chain([
      node("each", "map", {
        items: "input.list",
        concurrency: 7,
        task: { type: "ai", data: { prompt: "Tag {{item.text}} (#{{index}})", model: "gpt-4o-mini" } },
      }),
    ]);
    const a = compiled(compileWorkflow(inline)).topologicallySortedNodes[1].config as MapConfig;
    expect(a).toEqual({
      items: "input.list",
      concurrency: 4,
      task: { type: "transform", config: { script: "return item * 2;" } },
    });
    const b = compiled(compileWorkflow(nested)).topologicallySortedNodes[1].config as MapConfig;
    expect(b.concurrency).toBe(7);
    expect(b.task).toEqual({
      type: "llm",
      config: { prompt: "Tag {{item.text}} (#{{index}})", model: "gpt-4o-mini", outputFormat: "text" },
    });
  });
});

describe("compileWorkflow: http nodes and secrets", () => {
  const httpGraph = (data: Record<string, unknown>) => chain([node("fetch", "http", data)]);
  afterEach(() => {
    delete process.env.CUTOVER_HTTP_ALLOW_HOSTS;
  });

  it("moves secret header values out of the compiled bytes into named references", () => {
    const result = compileWorkflow(
      httpGraph({
        method: "post",
        url: "https://api.example.com/v1/items/{{input.id}}?q={{input.q}}",
        headers: {
          Authorization: "Bearer abcdefgh12345678",
          "X-Api-Key": "k-123",
          "X-Trace": "sk-live0123456789abcdefXYZ",
          Accept: "application/json",
          "X-User": "{{input.user}}",
        },
        body: { name: "{{input.name}}" },
      }),
      { allowHosts: ["api.example.com"] },
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const config = result.compiled.topologicallySortedNodes[1].config as HttpConfig;
    expect(config.headers).toEqual({
      Accept: "application/json",
      Authorization: { $secret: "FETCH_AUTHORIZATION" },
      "X-Api-Key": { $secret: "FETCH_X_API_KEY" },
      "X-Trace": { $secret: "FETCH_X_TRACE" },
      "X-User": "{{input.user}}",
    });
    expect(config.method).toBe("POST");
    expect(config.sideEffecting).toBe(true);
    expect(result.compiled.secrets).toEqual(["FETCH_AUTHORIZATION", "FETCH_X_API_KEY", "FETCH_X_TRACE"]);
    expect(result.secretValues).toEqual({
      FETCH_AUTHORIZATION: "Bearer abcdefgh12345678",
      FETCH_X_API_KEY: "k-123",
      FETCH_X_TRACE: "sk-live0123456789abcdefXYZ",
    });
    const bytes = canonicalJson(result.compiled);
    for (const value of Object.values(result.secretValues)) expect(bytes).not.toContain(value);
  });

  it("marks GET as not side-effecting and reads the allow-list from the environment at call time", () => {
    const doc = httpGraph({ url: "https://svc.internal.test/status" });
    expect(errors(compileWorkflow(doc))[0].code).toBe(ValidationCode.HTTP_HOST_NOT_ALLOWED);
    process.env.CUTOVER_HTTP_ALLOW_HOSTS = "other.test, *.internal.test";
    const config = compiled(compileWorkflow(doc)).topologicallySortedNodes[1].config as HttpConfig;
    expect(config).toEqual({
      method: "GET",
      url: "https://svc.internal.test/status",
      headers: {},
      sideEffecting: false,
    });
  });

  it("rejects templated hosts, other schemes, inline credentials and secrets in the URL", () => {
    const codes = (url: string) =>
      errors(compileWorkflow(httpGraph({ url }), { allowHosts: ["a.test"] })).map((e) => [e.code, e.message]);
    expect(codes("https://{{input.host}}/x")[0][1]).toContain("must be literal");
    expect(codes("ftp://a.test/x")[0][1]).toContain("must use http or https");
    expect(codes("https://user:pw@a.test/")[0][1]).toContain("credentials");
    expect(codes("https://a.test/?key=sk-abcdefghijklmnop1234")[0][0]).toBe("SECRET_INLINE");
    expect(codes("not a url")[0][0]).toBe("HTTP_BAD_URL");
  });
});

describe("compileWorkflow: reporting", () => {
  it("reports every problem at once, each naming its node or edge", () => {
    const doc = {
      name: "Broken",
      nodes: [
        node("input", "input"),
        node("a", "ai", { prompt: "{{nodes.ghost}}", model: "gpt-99" }),
        node("b", "transform", { script: "return (" }),
        node("c", "branch", {}),
        node("d", "widget"),
      ],
      edges: [
        edge("input", "a"),
        edge("a", "b"),
        edge("b", "c"),
        edge("c", "d", "maybe"),
        edge("d", "nowhere"),
      ],
    };
    const found = errors(compileWorkflow(doc));
    expect(found.map((e) => e.code).sort()).toEqual(
      [
        "BRANCH_BAD_HANDLE",
        "BRANCH_NO_CONDITION",
        "EDGE_UNKNOWN_TARGET",
        "MISSING_OUTPUT_NODE",
        "MODEL_NOT_IN_CATALOG",
        "SCRIPT_SYNTAX",
        "TEMPLATE_UNKNOWN_NODE",
        "UNKNOWN_NODE_TYPE",
      ].sort(),
    );
    const byCode = Object.fromEntries(found.map((e) => [e.code, e]));
    expect(byCode.MODEL_NOT_IN_CATALOG).toMatchObject({ path: "nodes[1].data.model" });
    expect(byCode.MODEL_NOT_IN_CATALOG.message).toContain('node "a"');
    expect(byCode.BRANCH_BAD_HANDLE.message).toContain('edge "e-c-d-maybe"');
    expect(byCode.SCRIPT_SYNTAX.path).toBe("nodes[2].data.script");
  });

  it("lists the nodes of a cycle in order, including cycles made by template references", () => {
    const doc = chain([
      node("a", "transform", { script: "return 1;" }),
      node("b", "ai", llmData("Use {{nodes.c}}")),
      node("c", "transform", { script: "return 2;" }),
    ]);
    const cycle = errors(compileWorkflow(doc)).find((e) => e.code === ValidationCode.CYCLE)!;
    expect(cycle.message).toContain('"b" → "c" → "b"');
  });

  it("compiles a generated 5,000-node graph (no recursion or quadratic blow-up on the way)", () => {
    const wf = compiled(compileWorkflow(generateGraph(5000)));
    expect(wf.topologicallySortedNodes).toHaveLength(5000);
    const seen = new Set<string>();
    for (const n of wf.topologicallySortedNodes) {
      for (const dep of n.dependsOn) expect(seen.has(dep)).toBe(true);
      seen.add(n.id);
    }
  });

  it("stops listing after MAX_ISSUES and says how many more there were", () => {
    const nodes = [node("input", "input"), node("output", "output")];
    for (let i = 0; i < 700; i++) nodes.push(node(`x${i}`, "gadget"));
    const found = errors(compileWorkflow({ name: "many", nodes, edges: [edge("input", "output")] }));
    expect(found).toHaveLength(501);
    expect(found.at(-1)).toMatchObject({
      code: "TOO_MANY_ERRORS",
      message: "200 more issues not listed (first 500 shown)",
    });
  });
});

it("every ValidationCode value equals its key", () => {
  for (const [k, v] of Object.entries(ValidationCode)) expect(v).toBe(k);
});
