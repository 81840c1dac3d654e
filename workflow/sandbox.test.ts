import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { NodeError } from "./errors.ts";
import { evaluateCondition, evaluateExpression, runScript, sandboxMemoryUsage } from "./sandbox.ts";
import { POOL_SIZE } from "./sandbox-pool.ts";

const scope = { input: { text: "hi", n: 3 }, results: { a: { list: [1, 2, 3] }, b: "done" } };

async function failure(p: Promise<unknown>): Promise<NodeError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(NodeError);
    return err as NodeError;
  }
  throw new Error("expected the script to fail");
}

describe("runScript", () => {
  it("returns the body's JSON value with input, results, nodes, item and index in scope", async () => {
    expect(await runScript("return input.n * 2", scope)).toBe(6);
    expect(await runScript("return results.a.list.map(x => x + input.n)", scope)).toEqual([4, 5, 6]);
    expect(await runScript("return nodes === results && nodes.b", scope)).toBe("done");
    expect(await runScript("return [item, index]", { ...scope, item: { k: 1 }, index: 4 })).toEqual([
      { k: 1 },
      4,
    ]);
    expect(await runScript("return typeof item", scope)).toBe("undefined");
    expect(await runScript("return null", scope)).toBeNull();
  });

  it("gives the script copies: changing its scope does not reach the caller", async () => {
    const mine = { input: { x: 1 }, results: { a: { y: 2 } } };
    await runScript("input.x = 99; results.a.y = 99; return 0", mine);
    expect(mine).toEqual({ input: { x: 1 }, results: { a: { y: 2 } } });
  });

  it("starts every call with fresh globals", async () => {
    await runScript("globalThis.leak = 42; Array.prototype.evil = 1; return 0", scope);
    expect(await runScript("return [typeof leak, typeof [].evil]", scope)).toEqual([
      "undefined",
      "undefined",
    ]);
  });

  it("fails a throwing script with SCRIPT_ERROR and the script's message", async () => {
    const err = await failure(runScript('throw new Error("no title found")', scope));
    expect(err.code).toBe("SCRIPT_ERROR");
    expect(err.message).toContain("no title found");
    expect(err.retryable).toBe(false);
    const typeErr = await failure(runScript("\nreturn input.missing.deep", scope));
    expect(typeErr.code).toBe("SCRIPT_ERROR");
    expect(typeErr.message).toMatch(/TypeError.*\(line 2\)/);
    expect((await failure(runScript('throw "plain text"', scope))).message).toBe("plain text");
    expect((await failure(runScript("throw { reason: 1 }", scope))).message).toBe('{"reason":1}');
    // A SyntaxError raised while running (JSON.parse) is the script's error, not a syntax error in it.
    expect((await failure(runScript("return JSON.parse('{')", scope))).code).toBe("SCRIPT_ERROR");
  });

  it("fails unparsable source with SCRIPT_SYNTAX naming the line", async () => {
    const err = await failure(runScript("const x = ;\nreturn x", scope));
    expect(err.code).toBe("SCRIPT_SYNTAX");
    expect(err.message).toMatch(/SyntaxError.*line 1/);
    expect((await failure(evaluateExpression("input.n >", scope))).code).toBe("SCRIPT_SYNTAX");
  });

  it("fails non-JSON results with SCRIPT_RESULT", async () => {
    for (const body of [
      "return () => 1",
      "return undefined",
      "",
      "const o = {}; o.self = o; return o",
      "return 10n",
      "return Symbol('s')",
      "return Promise.resolve(1)",
    ]) {
      expect((await failure(runScript(body, scope))).code, body).toBe("SCRIPT_RESULT");
    }
  });

  it("stops an infinite loop with SCRIPT_TIMEOUT, even when the script catches", async () => {
    expect((await failure(runScript("while (true) {}", scope, { timeoutMs: 50 }))).code).toBe(
      "SCRIPT_TIMEOUT",
    );
    const caught = runScript("for (;;) { try { while (true) {} } catch (e) {} }", scope, { timeoutMs: 50 });
    expect((await failure(caught)).code).toBe("SCRIPT_TIMEOUT");
    expect(await runScript("return 1", scope)).toBe(1);
  });

  it("stops a memory bomb with SCRIPT_MEMORY and keeps working", async () => {
    const bomb = "const a = []; for (;;) a.push(new Array(100000).fill(a.length)); return 1";
    const err = await failure(runScript(bomb, scope, { memoryBytes: 8 * 1024 * 1024, timeoutMs: 5000 }));
    expect(err.code).toBe("SCRIPT_MEMORY");
    expect((await failure(runScript("return new ArrayBuffer(1e9)", scope))).code).toBe("SCRIPT_MEMORY");
    expect(await runScript("return input.text", scope)).toBe("hi");
  });

  it("stops deep recursion with SCRIPT_MEMORY and keeps working", async () => {
    const err = await failure(runScript("function f(n) { return f(n + 1) + 1 } return f(0)", scope));
    expect(err.code).toBe("SCRIPT_MEMORY");
    expect(err.message).toMatch(/stack/);
    expect(await runScript("function f(n) { return n ? f(n - 1) + 1 : 0 } return f(200)", scope)).toBe(200);
  });

  it("stops native recursion (deeply nested data) with SCRIPT_MEMORY before the host stack runs out", async () => {
    const nest = "let a = []; for (let i = 0; i < 100000; i++) a = [a];";
    for (const body of [
      `${nest} return JSON.stringify(a).length`,
      `${nest} return a.toString().length`,
      "const a = []; a[0] = a; return String(a)",
      "return JSON.parse('['.repeat(100000) + ']'.repeat(100000))",
    ]) {
      expect((await failure(runScript(body, scope))).code, body).toBe("SCRIPT_MEMORY");
    }
    let deep: unknown = 1;
    // Too deep for the engine's JSON.parse (or, under a smaller host stack, for the host's stringify).
    for (let i = 0; i < 20000; i++) deep = [deep];
    expect((await failure(runScript("return 1", { input: deep, results: {} }))).code).toBe("SCRIPT_MEMORY");
    // A larger stack cannot be asked for: past the cap the host's stack would run out first.
    const capped = runScript(
      "let a = []; for (let i = 0; i < 100000; i++) a = [a]; return JSON.stringify(a).length",
      scope,
      {
        stackBytes: 64 * 1024 * 1024,
      },
    );
    expect((await failure(capped)).code).toBe("SCRIPT_MEMORY");
    expect(await runScript("return input.n", scope)).toBe(3);
  });

  it("holds a scope larger than the memory limit to the limit", async () => {
    const big = { input: "x".repeat(4 * 1024 * 1024), results: {} };
    const err = await failure(runScript("return input.length", big, { memoryBytes: 2 * 1024 * 1024 }));
    expect(err.code).toBe("SCRIPT_MEMORY");
  });
});

describe("no way out of the sandbox", () => {
  it("has no require, process, import, fetch, timers or host globals", async () => {
    const probe = `return [typeof require, typeof process, typeof fetch, typeof setTimeout, typeof setInterval,
      typeof module, typeof Buffer, typeof globalThis.global, typeof WebAssembly, typeof console]`;
    expect(await runScript(probe, scope)).toEqual(Array(10).fill("undefined"));
    expect((await failure(runScript("import fs from 'fs'; return 1", scope))).code).toBe("SCRIPT_SYNTAX");
  });

  it("finds only the sandbox's own realm through Function constructors", async () => {
    const escapes = [
      "return Function('return typeof process')()",
      "return (() => {}).constructor('return typeof require')()",
      "return input.constructor.constructor('return typeof process + typeof require')()",
      "return [].map.constructor('return this')() === globalThis ? 'own-global' : 'other'",
      "return Object.getPrototypeOf(function* () {}).constructor('yield typeof process')().next().value",
      "return eval('typeof process')",
    ];
    const answers = [];
    for (const body of escapes) answers.push(await runScript(body, scope));
    expect(answers).toEqual([
      "undefined",
      "undefined",
      "undefinedundefined",
      "own-global",
      "undefined",
      "undefined",
    ]);
  });

  it("exposes only standard built-ins on the global object", async () => {
    const names = (await runScript("return Object.getOwnPropertyNames(globalThis)", scope)) as string[];
    const standard = new Set(
      "Object Function Array Number parseFloat parseInt Infinity NaN undefined Boolean String Symbol Date Promise RegExp Error AggregateError EvalError RangeError ReferenceError SyntaxError TypeError URIError InternalError globalThis JSON Math Reflect Proxy Map Set WeakMap WeakSet WeakRef FinalizationRegistry ArrayBuffer SharedArrayBuffer DataView Int8Array Uint8Array Uint8ClampedArray Int16Array Uint16Array Int32Array Uint32Array Float16Array Float32Array Float64Array BigInt64Array BigUint64Array BigInt Iterator isNaN isFinite decodeURI decodeURIComponent encodeURI encodeURIComponent escape unescape eval".split(
        " ",
      ),
    );
    expect(names.filter((n) => !standard.has(n))).toEqual([]);
  });

  it("cannot reach the scope's host objects: a dynamic import never resolves to a module", async () => {
    const body = "let got = 'none'; import('node:fs').then(() => { got = 'loaded' }); return got";
    expect(await runScript(body, scope)).toBe("none");
  });
});

describe("expressions and conditions", () => {
  it("evaluates an expression to its JSON value, or undefined", async () => {
    expect(await evaluateExpression("results.a.list.filter(x => x > 1)", scope)).toEqual([2, 3]);
    expect(await evaluateExpression("input.nothing", scope)).toBeUndefined();
    expect((await failure(evaluateExpression("() => 1", scope))).code).toBe("SCRIPT_RESULT");
  });

  it("coerces a condition's truthiness to a boolean", async () => {
    expect(await evaluateCondition("input.n > 2", scope)).toBe(true);
    expect(await evaluateCondition("input.missing", scope)).toBe(false);
    expect(await evaluateCondition("results.b", scope)).toBe(true);
    expect(await evaluateCondition("() => 0", scope)).toBe(true);
    expect(await evaluateCondition("''", scope)).toBe(false);
  });
});

describe("resource hygiene", () => {
  it("leaks no objects or memory across 10,000 calls, failures included", async () => {
    const call = (i: number) =>
      i % 1000 === 0
        ? failure(runScript("throw new Error('x')", scope))
        : runScript("return { i: index, doubled: results.a.list.map(x => x * 2) }", { ...scope, index: i });
    for (let i = 1; i <= 500; i++) await call(i);
    const before = await sandboxMemoryUsage();
    for (let i = 0; i < 10_000; i++) await call(i);
    const after = await sandboxMemoryUsage();
    // The engine's cycle collector runs now and then, so counts wobble by a few hundred objects; one
    // leaked handle per call would add 10,000 objects or hundreds of KiB.
    expect(after.objects).toBeLessThan(before.objects + 500);
    expect(after.usedBytes).toBeLessThan(before.usedBytes + 64 * 1024);
  }, 120_000);

  it("serves interleaved callers with their own scopes", async () => {
    const calls = Array.from({ length: 50 }, (_, i) => runScript("return index * 2", { ...scope, index: i }));
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
  });

  it("serves calls that waited while every worker ran a script the watchdog had to stop", async () => {
    const stuck = Array.from({ length: POOL_SIZE + 1 }, () =>
      failure(
        runScript("return Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 1)", scope, {
          timeoutMs: 100,
        }),
      ),
    );
    const waiting = Array.from({ length: 3 }, (_, i) => runScript("return index", { ...scope, index: i }));
    expect(await Promise.all(waiting)).toEqual([0, 1, 2]);
    for (const err of await Promise.all(stuck)) expect(err.code).toBe("SCRIPT_TIMEOUT");
  });

  it("keeps no process alive once idle: a plain tsx script that ran a script exits by itself", async () => {
    const sandbox = fileURLToPath(new URL("./sandbox.ts", import.meta.url));
    const code = `import(${JSON.stringify(sandbox)}).then((m) => m.runScript("return [input, Math.random() < 1]", { input: 7, results: {} })).then((v) => console.log(JSON.stringify(v)))`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "-e", code], {
      timeout: 60_000,
    });
    expect(stdout.trim()).toBe("[7,true]");
  }, 60_000);
});

describe("Math.random and Date inside scripts", () => {
  const at = Date.UTC(2030, 4, 6, 7, 8, 9);

  it("draws the same sequence for the same seed, another for another seed", async () => {
    const draw = (seed: string) =>
      runScript("return Array.from({ length: 8 }, Math.random)", scope, { seed });
    const a = (await draw("run\u0000node")) as number[];
    expect(await draw("run\u0000node")).toEqual(a);
    expect(await draw("run\u0000node2")).not.toEqual(a);
    expect(new Set(a).size).toBe(8);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    // No seed is still a seed: the same draws every call.
    expect(await runScript("return Math.random()", scope)).toBe(
      await runScript("return Math.random()", scope),
    );
  });

  it("reads a fixed clock: Date.now(), new Date() and Date() agree; a date with arguments is its own", async () => {
    const body = `const t = Date.now(); for (let i = 0; i < 1e5; i++) {}
      return [t, Date.now(), new Date().getTime(), Date().includes("2030"), new Date(86400000).toISOString(),
        new (class extends Date {})().getTime(), Date.length, Date.name, typeof Date.prototype.getTime]`;
    expect(await runScript(body, scope, { nowMs: at })).toEqual([
      at,
      at,
      at,
      true,
      "1970-01-02T00:00:00.000Z",
      at,
      7,
      "Date",
      "function",
    ]);
  });

  it("reads the host's clock at the call when no clock is given", async () => {
    const before = Date.now();
    const now = (await runScript("return Date.now()", scope)) as number;
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it("leaves Math.random a plain, replaceable function of the script's own realm", async () => {
    const body = `const d = Object.getOwnPropertyDescriptor(Math, "random");
      Math.random = () => 0.5;
      return [d.writable, d.enumerable, d.configurable, Math.random(), d.value.constructor("return typeof process")(), d.value.name, String(d.value.call({}, 1, 2) < 1)]`;
    expect(await runScript(body, scope, { seed: "x" })).toEqual([
      true,
      false,
      true,
      0.5,
      "undefined",
      "random",
      "true",
    ]);
  });
});
