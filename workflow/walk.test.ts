import { describe, expect, it } from "vitest";
import type {
  CompiledNode,
  CompiledNodeType,
  CompiledWorkflow,
  Incoming,
  LlmConfig,
  NodeConfig,
} from "./compiled.ts";
import { stepLabel } from "./compiled.ts";
import { NodeError } from "./errors.ts";
import type { LlmProvider, LlmRequest, LlmResult } from "./provider.ts";
import type { NodeEnv, NodeOutcome, StepRunner } from "./steps.ts";
import { walkWorkflow } from "./walk.ts";

// --- fixtures built by hand: node(id, type, config, incoming edges, extra template dependencies)
function node(
  id: string,
  type: CompiledNodeType,
  config: NodeConfig,
  from: Array<string | [string, "true" | "false"]> = [],
  extraDeps: string[] = [],
): CompiledNode {
  const incoming: Incoming[] = from
    .map((f) => (typeof f === "string" ? { from: f, handle: null } : { from: f[0], handle: f[1] }))
    .sort((a, b) =>
      a.from === b.from ? String(a.handle).localeCompare(String(b.handle)) : a.from < b.from ? -1 : 1,
    );
  const dependsOn = [...new Set([...incoming.map((e) => e.from), ...extraDeps])].sort();
  return { id, type, label: stepLabel(id, type), config, dependsOn, incoming };
}
const transform = (script: string) => ({ script });
const llm = (prompt: string): LlmConfig => ({ prompt, model: "gpt-4o-mini", outputFormat: "text" });
function workflow(nodes: CompiledNode[], outputNodeId = "out"): CompiledWorkflow {
  return {
    workflowId: "wf",
    workflowVersionId: "v1",
    profile: "dag",
    topologicallySortedNodes: nodes,
    outputNodeId,
    inputSchema: {},
    secrets: [],
  };
}

// --- a tiny deterministic provider: answers with the prompt, usage from its length
class EchoProvider implements LlmProvider {
  readonly name = "echo";
  delays = new Map<string, number>();
  async complete(request: LlmRequest): Promise<LlmResult> {
    const wait = this.delays.get(request.prompt);
    if (wait) await new Promise((r) => setTimeout(r, wait));
    const input = request.prompt.length;
    return {
      output: `echo:${request.prompt}`,
      tokens: { input, output: 3, total: input + 3 },
      costUsd: (input + 3) / 1e6,
      model: request.model,
      settings: { model: request.model, api: "chat", outputFormat: request.outputFormat },
    };
  }
}

// --- an in-memory step runner: records every step, measures how many run at once, can delay steps
interface StepEntry {
  label: string;
  status: "completed" | "failed" | "skipped";
  outcome?: NodeOutcome;
  error?: unknown;
}
class MemoryRunner implements StepRunner {
  entries: StepEntry[] = [];
  started: string[] = [];
  inFlight = new Set<string>();
  maxInFlight = 0;
  maxMapItemsInFlight = 0;
  constructor(private readonly delayMs: (label: string) => number = () => 0) {}

  async runStep(label: string, _node: CompiledNode, work: () => Promise<NodeOutcome>): Promise<NodeOutcome> {
    this.started.push(label);
    this.inFlight.add(label);
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight.size);
    const items = [...this.inFlight].filter((l) => /-map-\d+$/.test(l)).length;
    this.maxMapItemsInFlight = Math.max(this.maxMapItemsInFlight, items);
    try {
      const wait = this.delayMs(label);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const outcome = await work();
      this.entries.push({ label, status: "completed", outcome });
      return outcome;
    } catch (error) {
      this.entries.push({ label, status: "failed", error });
      throw error;
    } finally {
      this.inFlight.delete(label);
    }
  }
  async skipStep(label: string): Promise<void> {
    this.entries.push({ label, status: "skipped" });
  }
  entry(label: string): StepEntry | undefined {
    return this.entries.find((e) => e.label === label);
  }
  /** Step label → what it recorded, independent of completion order. */
  summary(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const e of [...this.entries].sort((a, b) => (a.label < b.label ? -1 : 1))) {
      out[e.label] =
        e.status === "completed" ? { output: e.outcome!.output, input: e.outcome!.input } : e.status;
    }
    return out;
  }
}

function env(provider: LlmProvider = new EchoProvider(), signal?: AbortSignal): NodeEnv {
  return {
    provider,
    http: { allowHosts: [], timeoutMs: 1000, maxResponseBytes: 1024 },
    secret: () => undefined,
    signal,
  };
}

async function rejection(p: Promise<unknown>): Promise<NodeError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(NodeError);
    return err as NodeError;
  }
  throw new Error("expected the walk to fail");
}

describe("walkWorkflow", () => {
  it("runs a sequential chain, each node seeing its predecessors' results", async () => {
    const wf = workflow([
      node("in", "input", {}),
      node("t1", "transform", transform("return input.n + 1"), ["in"]),
      node("t2", "transform", transform("return results.t1 * 2 + nodes.in.n"), ["t1"]),
      node("out", "output", {}, ["t2"]),
    ]);
    const runner = new MemoryRunner();
    const result = await walkWorkflow(wf, { n: 3 }, runner, env());
    expect(result).toEqual({ output: 11, results: { in: { n: 3 }, t1: 4, t2: 11, out: 11 }, skipped: [] });
    expect(runner.started).toEqual([
      "node-in-input",
      "node-t1-transform",
      "node-t2-transform",
      "node-out-output",
    ]);
    expect(runner.maxInFlight).toBe(1);
  });

  it("runs independent siblings in parallel, bounded by parallelism", async () => {
    const wf = workflow([
      node("in", "input", {}),
      node("a", "llm", llm("A {{input.x}}"), ["in"]),
      node("b", "llm", llm("B {{input.x}}"), ["in"]),
      node("c", "llm", llm("C {{input.x}}"), ["in"]),
      node("out", "output", {}, ["a", "b", "c"]),
    ]);
    const slow = (label: string) => (label.includes("-llm") ? 20 : 0);
    const wide = new MemoryRunner(slow);
    const result = await walkWorkflow(wf, { x: 1 }, wide, env());
    expect(wide.maxInFlight).toBe(3);
    expect(result.output).toEqual({ a: "echo:A 1", b: "echo:B 1", c: "echo:C 1" });

    const narrow = new MemoryRunner(slow);
    const again = await walkWorkflow(wf, { x: 1 }, narrow, env(), { parallelism: 2 });
    expect(narrow.maxInFlight).toBe(2);
    expect(again).toEqual(result);
  });

  it("joins a diamond only after both sides finished", async () => {
    const wf = workflow([
      node("in", "input", {}),
      node("left", "transform", transform("return input.v + 'L'"), ["in"]),
      node("right", "transform", transform("return input.v + 'R'"), ["in"]),
      node("join", "transform", transform("return [results.left, results.right, Object.keys(results)]"), [
        "left",
        "right",
      ]),
      node("out", "output", {}, ["join"]),
    ]);
    const runner = new MemoryRunner((l) => (l.includes("left") ? 25 : 0));
    const { output } = await walkWorkflow(wf, { v: "x" }, runner, env());
    // Keys arrive in topological order although `right` finished first.
    expect(output).toEqual(["xL", "xR", ["in", "left", "right"]]);
    expect(runner.started.indexOf("node-join-transform")).toBeGreaterThan(
      runner.started.indexOf("node-left-transform"),
    );
  });

  describe("branches", () => {
    const branchy = workflow([
      node("in", "input", {}),
      node("br", "branch", { condition: "input.n > 2" }, ["in"]),
      node("big", "transform", transform("return 'big ' + input.n"), [["br", "true"]]),
      node("bigger", "transform", transform("return results.big + '!'"), ["big"]),
      node("small", "transform", transform("return 'small ' + input.n"), [["br", "false"]]),
      node("out", "output", {}, ["bigger", "small"]),
    ]);

    it("takes the true handle and skips the false side", async () => {
      const runner = new MemoryRunner();
      const result = await walkWorkflow(branchy, { n: 5 }, runner, env());
      expect(result.output).toBe("big 5!");
      expect(result.skipped).toEqual(["small"]);
      expect(result.results).toEqual({
        in: { n: 5 },
        br: true,
        big: "big 5",
        bigger: "big 5!",
        out: "big 5!",
      });
      expect(runner.entry("node-small-transform")?.status).toBe("skipped");
      expect(runner.entry("node-out-output")?.outcome?.input).toEqual({ sources: ["bigger"] });
    });

    it("takes the false handle and propagates the skip down the true side", async () => {
      const runner = new MemoryRunner();
      const result = await walkWorkflow(branchy, { n: 1 }, runner, env());
      expect(result.output).toBe("small 1");
      expect(result.skipped).toEqual(["big", "bigger"]);
      expect("big" in result.results || "bigger" in result.results).toBe(false);
      expect(runner.entries.filter((e) => e.status === "skipped").map((e) => e.label)).toEqual([
        "node-big-transform",
        "node-bigger-transform",
      ]);
    });

    it("skips a node only when every incoming edge is inactive, and skips the output too", async () => {
      const wf = workflow([
        node("in", "input", {}),
        node("br", "branch", { condition: "false" }, ["in"]),
        node("t", "transform", transform("return 1"), [["br", "true"]]),
        node("mix", "transform", transform("return typeof results.t"), ["t", "in"]),
        node("out", "output", {}, ["t"]),
      ]);
      const result = await walkWorkflow(wf, {}, new MemoryRunner(), env());
      expect(result.results.mix).toBe("undefined");
      expect(result.skipped).toEqual(["t", "out"]);
      expect(result.output).toBeNull();
    });
  });

  it("gives the output node an object keyed by its several active sources", async () => {
    const wf = workflow([
      node("in", "input", {}),
      node("z", "transform", transform("return 'zed'"), ["in"]),
      node("a", "transform", transform("return { n: 1 }"), ["in"]),
      node("out", "output", {}, ["z", "a"]),
    ]);
    const { output } = await walkWorkflow(wf, {}, new MemoryRunner(), env());
    expect(output).toEqual({ a: { n: 1 }, z: "zed" });
    expect(Object.keys(output as object)).toEqual(["a", "z"]);
  });

  it("shows a node only its ancestors' results, never a sibling that happened to finish", async () => {
    const wf = workflow([
      node("in", "input", {}),
      node("fast", "transform", transform("return 'fast'"), ["in"]),
      node("slow", "transform", transform("return Object.keys(results)"), ["in"]),
      node("out", "output", {}, ["fast", "slow"]),
    ]);
    const runner = new MemoryRunner((l) => (l.includes("slow") ? 20 : 0));
    const { results } = await walkWorkflow(wf, {}, runner, env());
    expect(results.slow).toEqual(["in"]);
  });

  it("shows exactly the transitive ancestors, in topological order, past a skipped node and a wide finished layer", async () => {
    const wide = Array.from({ length: 30 }, (_, k) =>
      node(`w${k}`, "transform", transform("return Object.keys(results)"), ["in"]),
    );
    const keys = transform("return Object.keys(results)");
    const wf = workflow([
      node("in", "input", {}),
      node("br", "branch", { condition: "false" }, ["in"]),
      node("gone", "transform", transform("return 'never'"), [["br", "true"]]),
      ...wide,
      node("top", "transform", transform("return 'top'"), ["in"]),
      node("left", "transform", keys, ["top"]),
      node("right", "transform", keys, ["top"]),
      node("join", "transform", keys, ["right", "left", "gone"]),
      node("tail", "transform", keys, ["join"]),
      node("out", "output", {}, ["tail"]),
    ]);
    // The wide layer starts first and finishes in scrambled order, long before the join starts.
    const runner = new MemoryRunner((l) => (l.startsWith("node-w") ? (Number(l.slice(6, -10)) * 7) % 5 : 0));
    const { results, skipped } = await walkWorkflow(wf, {}, runner, env(), { parallelism: 4 });
    expect(skipped).toEqual(["gone"]);
    for (const w of wide) expect(results[w.id]).toEqual(["in"]);
    expect(results.left).toEqual(["in", "top"]);
    expect(results.join).toEqual(["in", "br", "top", "left", "right"]);
    expect(results.tail).toEqual(["in", "br", "top", "left", "right", "join"]);
    expect(runner.started.indexOf("node-join-transform")).toBeGreaterThan(
      runner.started.indexOf("node-w29-transform"),
    );
  });

  describe("map", () => {
    const mapped = (concurrency: number, task: "llm" | "transform") =>
      workflow([
        node("in", "input", {}),
        node(
          "m",
          "map",
          {
            items: "input.list",
            task:
              task === "llm"
                ? { type: "llm", config: llm("item {{index}}: {{item}}") }
                : { type: "transform", config: transform("return item * 10 + index") },
            concurrency,
          },
          ["in"],
        ),
        node("out", "output", {}, ["m"]),
      ]);

    it("keeps input order while later items finish first, with concurrency respected", async () => {
      const list = [1, 2, 3, 4, 5, 6];
      // Item i waits (6 - i) * 5 ms: the last items finish first.
      const runner = new MemoryRunner((l) => {
        const m = /-map-(\d+)$/.exec(l);
        return m ? (6 - Number(m[1])) * 5 : 0;
      });
      const { output } = await walkWorkflow(mapped(2, "transform"), { list }, runner, env());
      expect(output).toEqual([10, 21, 32, 43, 54, 65]);
      expect(runner.maxMapItemsInFlight).toBe(2);
      const itemSteps = runner.started.filter((l) => l.includes("-map-"));
      expect(itemSteps).toEqual(list.map((_, i) => `node-m-map-${i}`));
      // The map's own step runs after every item.
      expect(runner.started.at(-2)).toBe("node-m-map");
    });

    it("keeps usage on the item steps and none on the map step", async () => {
      const runner = new MemoryRunner((l) => (l.includes("-map-") ? 5 : 0));
      const { output } = await walkWorkflow(mapped(8, "llm"), { list: ["a", "b", "c"] }, runner, env());
      expect(output).toEqual(["echo:item 0: a", "echo:item 1: b", "echo:item 2: c"]);
      expect(runner.maxMapItemsInFlight).toBe(3);
      const own = runner.entry("node-m-map")!.outcome!;
      expect(own.tokens).toBeNull();
      expect(own.costUsd).toBe(0);
      expect(own.input).toEqual({ items: ["a", "b", "c"] });
      const item = runner.entry("node-m-map-1")!.outcome!;
      expect(item.tokens).toEqual({ input: 9, output: 3, total: 12 });
      expect(item.input).toMatchObject({ nodeId: "m", prompt: "item 1: b" });
    });

    it("maps an empty array to an empty array", async () => {
      const { output } = await walkWorkflow(mapped(2, "transform"), { list: [] }, new MemoryRunner(), env());
      expect(output).toEqual([]);
    });

    it("fails the map's own step with MAP_ITEMS_NOT_ARRAY when items is not an array", async () => {
      const runner = new MemoryRunner();
      const err = await rejection(walkWorkflow(mapped(2, "transform"), { list: "abc" }, runner, env()));
      expect(err.code).toBe("MAP_ITEMS_NOT_ARRAY");
      expect(err.message).toContain('"m"');
      expect(runner.entry("node-m-map")?.status).toBe("failed");
    });

    it("stops starting items after one fails and throws the lowest failing index", async () => {
      const wf = workflow([
        node("in", "input", {}),
        node(
          "m",
          "map",
          {
            items: "input.list",
            task: {
              type: "transform",
              config: transform("if (item < 0) throw new Error('bad item ' + index); return item"),
            },
            concurrency: 2,
          },
          ["in"],
        ),
        node("out", "output", {}, ["m"]),
      ]);
      // Items 1 and 2 fail; item 2 fails first in time.
      const runner = new MemoryRunner((l) => (l.endsWith("-map-1") ? 20 : 0));
      const err = await rejection(walkWorkflow(wf, { list: [1, -1, -2, 4, 5, 6] }, runner, env()));
      expect(err.code).toBe("SCRIPT_ERROR");
      expect(err.message).toContain("bad item 1");
      expect(runner.started).not.toContain("node-m-map-5");
      expect(runner.started).not.toContain("node-m-map");
    });
  });

  describe("failure", () => {
    it("stops starting nodes, lets in-flight ones settle and rethrows the NodeError", async () => {
      const wf = workflow([
        node("in", "input", {}),
        node("boom", "transform", transform("throw new Error('broken')"), ["in"]),
        node("sib", "llm", llm("sibling"), ["in"]),
        node("after", "transform", transform("return 1"), ["boom"]),
        node("out", "output", {}, ["after", "sib"]),
      ]);
      const runner = new MemoryRunner((l) => (l.includes("sib") ? 20 : 0));
      const err = await rejection(walkWorkflow(wf, {}, runner, env()));
      expect(err.code).toBe("SCRIPT_ERROR");
      expect(err.message).toContain("broken");
      expect(runner.entry("node-boom-transform")?.status).toBe("failed");
      // The sibling in flight finished and its outcome stays observable.
      expect(runner.entry("node-sib-llm")?.outcome?.output).toBe("echo:sibling");
      expect(runner.started).not.toContain("node-after-transform");
      expect(runner.started).not.toContain("node-out-output");
    });

    it("throws the failure of the earliest node in topological order, whatever failed first in time", async () => {
      const wf = workflow([
        node("in", "input", {}),
        node("first", "transform", transform("throw new Error('first')"), ["in"]),
        node("second", "transform", transform("throw new Error('second')"), ["in"]),
        node("out", "output", {}, ["first", "second"]),
      ]);
      for (const slow of ["first", "second"]) {
        const runner = new MemoryRunner((l) => (l.includes(slow) ? 15 : 0));
        expect((await rejection(walkWorkflow(wf, {}, runner, env()))).message).toContain("first");
      }
    });

    it("throws CANCELED between steps once the signal aborts", async () => {
      const controller = new AbortController();
      const wf = workflow([
        node("in", "input", {}),
        node("t1", "transform", transform("return 1"), ["in"]),
        node("t2", "transform", transform("return 2"), ["t1"]),
        node("out", "output", {}, ["t2"]),
      ]);
      const runner = new MemoryRunner();
      const abortAfterT1: StepRunner = {
        runStep: async (label, n, work) => {
          const outcome = await runner.runStep(label, n, work);
          if (label === "node-t1-transform") controller.abort();
          return outcome;
        },
        skipStep: (label) => runner.skipStep(label),
      };
      const err = await rejection(
        walkWorkflow(wf, {}, abortAfterT1, env(new EchoProvider(), controller.signal)),
      );
      expect(err.code).toBe("CANCELED");
      expect(runner.started).toEqual(["node-in-input", "node-t1-transform"]);
    });

    it("rejects a compiled document whose dependencies are not sorted before the node", async () => {
      const wf = workflow(
        [node("t", "transform", transform("return 1"), ["in"]), node("in", "input", {})],
        "t",
      );
      expect((await rejection(walkWorkflow(wf, {}, new MemoryRunner(), env()))).code).toBe("INTERNAL");
    });
  });

  describe("determinism", () => {
    const wide = workflow([
      node("in", "input", {}),
      node("a", "llm", llm("a {{input.q}}"), ["in"]),
      node("b", "transform", transform("return Object.keys(results).concat([input.q])"), ["in"]),
      node("br", "branch", { condition: "input.q.length > 1" }, ["in"]),
      node("c", "transform", transform("return [results.a, results.b, Object.keys(results)]"), ["a", "b"]),
      node("yes", "llm", llm("yes {{nodes.c}}"), [["br", "true"]]),
      node("no", "transform", transform("return 'no'"), [["br", "false"]]),
      node(
        "m",
        "map",
        { items: "results.b", task: { type: "llm", config: llm("{{item}}/{{index}}") }, concurrency: 3 },
        ["b"],
      ),
      node("out", "output", {}, ["c", "yes", "no", "m"]),
    ]);

    it("records the same steps, scopes and results whatever the completion timing", async () => {
      const timings: Array<(label: string) => number> = [
        () => 0,
        (l) => (l.length * 7) % 13,
        (l) => 20 - ((l.length * 7) % 13),
        (l) => (l.includes("llm") ? 15 : 0),
      ];
      const seen = [];
      for (const delay of timings) {
        const runner = new MemoryRunner(delay);
        const result = await walkWorkflow(wide, { q: "hey" }, runner, env(), { parallelism: 3 });
        seen.push({ result, steps: runner.summary() });
      }
      for (const s of seen.slice(1)) expect(s).toEqual(seen[0]);
      expect(JSON.stringify(seen[0].result.results)).toBe(JSON.stringify(seen[1].result.results));
      expect(seen[0].result.skipped).toEqual(["no"]);
    });

    it("reaches the same answer when steps are replayed from memoized outcomes", async () => {
      const first = new MemoryRunner((l) => (l.length * 3) % 7);
      const live = await walkWorkflow(wide, { q: "hey" }, first, env());
      const memo = new Map(first.entries.map((e) => [e.label, e]));
      let called = 0;
      const replay: StepRunner = {
        runStep: async (label) => {
          called++;
          const e = memo.get(label);
          if (e?.status !== "completed") throw new Error(`no memoized outcome for ${label}`);
          return JSON.parse(JSON.stringify(e.outcome));
        },
        skipStep: async () => {},
      };
      const provider: LlmProvider = {
        name: "never",
        complete: () => Promise.reject(new Error("a replay must not call the provider")),
      };
      expect(await walkWorkflow(wide, { q: "hey" }, replay, env(provider))).toEqual(live);
      expect(called).toBe(first.entries.filter((e) => e.status === "completed").length);
    });
  });
});
