// Which results does a script read? Found from its source, so a call marshals only those into the sandbox and a
// node's cost does not grow with the number of its ancestors (issue 14 item 6).

/**
 * Returns the keys of `results` (the same object as `nodes`) a script can read, or undefined when it may read any:
 * every mention of `results` or `nodes` must be a static member access — `results.id`, `results?.id`,
 * `results["id"]`, `nodes[0]` — naming no property of Object.prototype. Anything else falls back to passing
 * everything: the object used as a value (`Object.keys(results)`, `...nodes`, `"a" in results`), a computed key
 * (`results[x]`), and every way to name it without spelling it (`arguments`, `eval`, a `\u` escape, the
 * wrapper's own variables `__s` and `__scopeJson`). A mention inside a string or comment only ever adds a key
 * or falls back, so the answer is never narrower than what the script reads.
 */
export function resultKeysRead(source: string): string[] | undefined {
  if (/\\u|\barguments\b|\beval\b|__s\b|__scopeJson/.test(source)) return undefined;
  const keys = new Set<string>();
  const mention = /(?<![\w$\u0080-\uffff])(results|nodes)(?![\w$\u0080-\uffff])/g;
  for (let m = mention.exec(source); m; m = mention.exec(source)) {
    // `x.results` is a property of something else, not the variable (`...results` is the variable, spread).
    if (source[m.index - 1] === "." && source[m.index - 2] !== ".") continue;
    const key = staticKeyAt(source, m.index + m[0].length);
    if (key === undefined || key in Object.prototype || key === "__proto__") return undefined;
    keys.add(key);
  }
  return [...keys];
}

const SPACE = /\s*/y;
const NAME = /[A-Za-z_$][\w$]*/y;
const QUOTED = /(["'`])([^"'`\\$\r\n]*)\1/y;
const INDEX = /\d+/y;

/** Returns the key of a static member access starting at `at` (after the object), or undefined for any other use. */
function staticKeyAt(source: string, at: number): string | undefined {
  let i = skip(source, at);
  if (source.startsWith("?.", i)) {
    i = skip(source, i + 2);
    if (source[i] !== "[") return match(NAME, source, i)?.[0];
  } else if (source[i] === ".") {
    return match(NAME, source, skip(source, i + 1))?.[0];
  }
  if (source[i] !== "[") return undefined;
  i = skip(source, i + 1);
  const literal = match(QUOTED, source, i) ?? match(INDEX, source, i);
  if (!literal) return undefined;
  const key = literal[2] ?? literal[0];
  i = skip(source, i + literal[0].length);
  return source[i] === "]" ? key : undefined;
}

function skip(source: string, at: number): number {
  SPACE.lastIndex = at;
  SPACE.exec(source);
  return SPACE.lastIndex;
}

function match(pattern: RegExp, source: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(source);
}

const cache = new Map<string, string[] | undefined>();
const CACHE_MAX = 1000;

/** Returns the part of `results` a script reads (its own keys that exist), or `results` itself when it may read any. */
export function resultsRead(source: string, results: Record<string, unknown>): Record<string, unknown> {
  let keys = cache.get(source);
  if (keys === undefined && !cache.has(source)) {
    keys = resultKeysRead(source);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(source, keys);
  }
  if (keys === undefined) return results;
  const view: Record<string, unknown> = {};
  for (const key of keys) if (Object.hasOwn(results, key)) view[key] = results[key];
  return view;
}
