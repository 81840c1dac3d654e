import { describe, expect, it } from "vitest";
import type { MapConfig } from "../compiled.ts";
import type { NodeOutcome } from "../steps.ts";
import { MAX_RUN_STEPS, mapChunkSize, mapItems, runMap, runMapItems } from "./map.ts";
import { EchoProvider, nodeFailure, testEnv, testNode } from "./test-kit.ts";

const scope = { input: { docs: ["x", "yy", "zzz"] }, results: { in: { docs: ["x", "yy", "zzz"] } } };
const mapNode = (config: Partial<MapConfig>) =>
  testNode(
    "m",
    "map",
    {
      items: "input.docs",
      task: { type: "transform", config: { script: "return item.length" } },
      concurrency: 2,
      ...config,
    },
    ["in"],
  );

describe("map node", () => {
  it("runs a transform task per item with item and index in scope", async () => {
    const node = mapNode({ task: { type: "transform", config: { script: "return index + ':' + item" } } });
    const outcome = await runMap(node, scope, testEnv());
    expect(outcome.output).toEqual(["0:x", "1:yy", "2:zzz"]);
    expect(outcome.input).toEqual({ items: ["x", "yy", "zzz"] });
    expect([outcome.tokens, outcome.costUsd]).toEqual([null, 0]);
  });

  it("runs an llm task per item with {{item}} and {{index}} rendered", async () => {
    const provider = new EchoProvider();
    const node = mapNode({
      task: { type: "llm", config: { prompt: "#{{index}} {{item}}", model: "m", outputFormat: "text" } },
    });
    const outcome = await runMap(node, scope, testEnv(provider));
    expect(outcome.output).toEqual(["echo:#0 x", "echo:#1 yy", "echo:#2 zzz"]);
    expect(provider.requests.map((r) => [r.nodeId, r.prompt])).toEqual([
      ["m", "#0 x"],
      ["m", "#1 yy"],
      ["m", "#2 zzz"],
    ]);
  });

  it("rejects an items expression that is not an array, naming the node and what it got", async () => {
    for (const [items, got] of [
      ["input.docs[0]", "string"],
      ["input.nope", "undefined"],
      ["null", "null"],
      ["({ length: 2 })", "object"],
    ]) {
      const err = await nodeFailure(mapItems(mapNode({ items }), scope, testEnv()));
      expect(err.code).toBe("MAP_ITEMS_NOT_ARRAY");
      expect(err.message).toContain(`"m"`);
      expect(err.message).toContain(got);
    }
  });

  it("keeps at most `concurrency` items in flight and returns outcomes in input order", async () => {
    let inFlight = 0;
    let max = 0;
    const items = [50, 10, 40, 0, 30, 20];
    const outcomes = await runMapItems(
      mapNode({ concurrency: 3, task: { type: "transform", config: { script: "return item * 2" } } }),
      items,
      scope,
      testEnv(),
      async (index, work) => {
        inFlight++;
        max = Math.max(max, inFlight);
        await new Promise((r) => setTimeout(r, items[index] / 5));
        try {
          return await work();
        } finally {
          inFlight--;
        }
      },
    );
    expect(max).toBe(3);
    expect(outcomes.map((o: NodeOutcome) => o.input)).toEqual(items.map((item, index) => ({ item, index })));
    expect(outcomes.map((o: NodeOutcome) => o.output)).toEqual(items.map((item) => item * 2));
  });

  it("starts nothing after the run is canceled", async () => {
    const controller = new AbortController();
    controller.abort();
    const started: number[] = [];
    const err = await nodeFailure(
      runMapItems(mapNode({}), [1, 2, 3], scope, { ...testEnv(), signal: controller.signal }, (i, work) => {
        started.push(i);
        return work();
      }),
    );
    expect(err.code).toBe("CANCELED");
    expect(started).toEqual([]);
  });
});

describe("mapChunkSize", () => {
  it("keeps a step per item while the run's steps fit, and chunks so they stay within MAX_RUN_STEPS", () => {
    expect(MAX_RUN_STEPS).toBeLessThan(1_000);
    // 3 nodes (input, map, output): room for 897 item steps.
    expect(mapChunkSize(897, 3, 1)).toBe(1);
    expect(mapChunkSize(898, 3, 1)).toBe(2);
    expect(mapChunkSize(1_500, 3, 1)).toBe(2);
    expect(mapChunkSize(10_000, 3, 1)).toBe(12);
    expect(mapChunkSize(100_000, 3, 1)).toBe(112);
    // Two maps share the room.
    expect(mapChunkSize(600, 4, 2)).toBe(2);
    // No room at all: one chunk of everything.
    expect(mapChunkSize(50, 950, 1)).toBe(50);
    for (const n of [1, 899, 5_000, 10_000, 123_457]) {
      const size = mapChunkSize(n, 3, 1);
      expect(Math.ceil(n / size) + 3).toBeLessThanOrEqual(MAX_RUN_STEPS);
    }
  });
});
