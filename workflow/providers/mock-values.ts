// What would a model plausibly answer? Deterministic text and schema-satisfying JSON for the mock provider.
import { sha256 } from "../../lib/canonical.ts";
import type { JsonSchema } from "../compiled.ts";

const STOP_WORDS = new Set(
  (
    "about above after again against also among because been before being below between both could does " +
    "doing down during each few from further have having here hers herself himself into itself just more " +
    "most must only other ours ourselves over same should some such than that their theirs them themselves " +
    "then there these they this those through under until very what when where which while whom will with " +
    "would your yours yourself yourselves please following given return answer respond using write text json " +
    "input output make sure extract summarise summarize classify describe list"
  ).split(" "),
);
const FALLBACK_WORDS = ["overview", "details", "context", "findings", "results"];
const MAX_DEPTH = 8;

/** A deterministic source of choices: the same seed and path always choose the same. */
export class Chooser {
  constructor(private readonly seed: string) {}

  /** Returns an integer in [0, n) derived from the seed and `path`. */
  int(path: string, n: number): number {
    if (n <= 1) return 0;
    return Number.parseInt(sha256(`${this.seed}\u0000${path}`).slice(0, 12), 16) % n;
  }

  /** Returns a short hex tag derived from the seed. */
  tag(length = 6): string {
    return sha256(`${this.seed}\u0000tag`).slice(0, length);
  }
}

/** Returns the prompt's distinct content words, in order of appearance (a fixed list when it has none). */
export function contentWords(text: string): string[] {
  const seen = new Set<string>();
  for (const match of text.toLowerCase().matchAll(/[a-z][a-z'-]{3,}/g)) {
    const word = match[0].replace(/['-]+$/, "");
    if (word.length >= 4 && !STOP_WORDS.has(word)) seen.add(word);
  }
  return seen.size > 0 ? [...seen] : FALLBACK_WORDS;
}

function pickWords(words: readonly string[], choose: Chooser, path: string, count: number): string[] {
  const pool = [...words];
  const out: string[] = [];
  for (let i = 0; i < count && pool.length > 0; i++) {
    out.push(pool.splice(choose.int(`${path}#${i}`, pool.length), 1)[0]);
  }
  return out;
}

const SENTENCES = [
  (w: string[]) => `In short: ${w[0]}, ${w[1]} and ${w[2]}.`,
  (w: string[]) => `The gist is ${w[0]}, with ${w[1]} and ${w[2]} as the key points.`,
  (w: string[]) => `Summary: ${w[0]} relates to ${w[1]}; notably ${w[2]}.`,
  (w: string[]) => `Main takeaway: ${w[0]} and ${w[1]} shape ${w[2]}.`,
];

/** Returns a short summary-like sentence built from the prompt's words, prefixed so it reads as mock. */
export function mockText(prompt: string, choose: Chooser): string {
  const words = pickWords(contentWords(prompt), choose, "text", 3);
  while (words.length < 3) words.push(FALLBACK_WORDS[words.length]);
  return `[mock ${choose.tag()}] ${SENTENCES[choose.int("sentence", SENTENCES.length)](words)}`;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function schemaType(schema: JsonSchema): string {
  const type = schema.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) return (type.find((t) => t !== "null") as string | undefined) ?? "null";
  if (schema.properties || schema.required) return "object";
  if (schema.items) return "array";
  return "string";
}

interface Walk {
  choose: Chooser;
  words: readonly string[];
}

function mockString(schema: JsonSchema, key: string, path: string, walk: Walk): string {
  const { choose } = walk;
  const [a, b, c] = pickWords(walk.words, choose, path, 3);
  const name = key.toLowerCase();
  let value: string;
  if (schema.format === "email" || name.includes("email")) value = `${a}@example.com`;
  else if (schema.format === "uri" || schema.format === "url" || name === "url" || name.endsWith("url"))
    value = `https://example.com/${a}`;
  else if (schema.format === "date-time")
    value = new Date(
      Date.UTC(2024, choose.int(`${path}/m`, 12), 1 + choose.int(`${path}/d`, 28), 9),
    ).toISOString();
  else if (schema.format === "date" || name === "date" || name.endsWith("date"))
    value = `2024-${String(1 + choose.int(`${path}/m`, 12)).padStart(2, "0")}-${String(1 + choose.int(`${path}/d`, 28)).padStart(2, "0")}`;
  else if (name === "id" || name.endsWith("id")) value = `${a}-${choose.int(path, 10_000)}`;
  else if (/summary|description|reason|explanation|text|body|comment|note/.test(name))
    value = `${capitalise(a ?? "mock")} ${b ?? "summary"} about ${c ?? "the input"}.`;
  else value = [a, b].filter(Boolean).map(capitalise).join(" ");
  const maxLength = typeof schema.maxLength === "number" ? schema.maxLength : undefined;
  const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
  if (maxLength !== undefined) value = value.slice(0, maxLength);
  return value.padEnd(minLength, "x");
}

function mockNumber(schema: JsonSchema, integer: boolean, path: string, walk: Walk): number {
  let low = typeof schema.minimum === "number" ? schema.minimum : 0;
  let high = typeof schema.maximum === "number" ? schema.maximum : Math.max(low, 0) + 100;
  if (typeof schema.exclusiveMinimum === "number") low = schema.exclusiveMinimum + (integer ? 1 : 0.01);
  if (typeof schema.exclusiveMaximum === "number") high = schema.exclusiveMaximum - (integer ? 1 : 0.01);
  if (integer) {
    low = Math.ceil(low);
    high = Math.floor(high);
    return low + walk.choose.int(path, Math.max(1, high - low + 1));
  }
  const steps = Math.max(1, Math.floor((high - low) * 100) + 1);
  return Math.round((low + walk.choose.int(path, steps) / 100) * 100) / 100;
}

function mockValue(schema: JsonSchema, key: string, path: string, depth: number, walk: Walk): unknown {
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return schema.enum[walk.choose.int(path, schema.enum.length)];
  }
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(branches) && branches.length > 0) return mockValue(branches[0], key, path, depth, walk);
  switch (schemaType(schema)) {
    case "object": {
      const out: Record<string, unknown> = {};
      if (depth >= MAX_DEPTH) return out;
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      for (const name of new Set([...Object.keys(properties), ...required])) {
        out[name] = mockValue(properties[name] ?? {}, name, `${path}.${name}`, depth + 1, walk);
      }
      return out;
    }
    case "array": {
      const items = (schema.items ?? {}) as JsonSchema;
      const min = typeof schema.minItems === "number" ? schema.minItems : 1;
      const max = typeof schema.maxItems === "number" ? schema.maxItems : Math.max(3, min);
      const count =
        depth >= MAX_DEPTH ? 0 : Math.min(max, Math.max(min, 1 + walk.choose.int(`${path}#n`, 3)));
      const out: unknown[] = [];
      const seen = new Set<string>();
      for (let i = 0; out.length < count && i < count * 4; i++) {
        const item = mockValue(items, key, `${path}[${i}]`, depth + 1, walk);
        const id = JSON.stringify(item);
        if (schema.uniqueItems && seen.has(id)) continue;
        seen.add(id);
        out.push(item);
      }
      return out;
    }
    case "integer":
      return mockNumber(schema, true, path, walk);
    case "number":
      return mockNumber(schema, false, path, walk);
    case "boolean":
      return walk.choose.int(path, 2) === 1;
    case "null":
      return null;
    default:
      return mockString(schema, key, path, walk);
  }
}

/**
 * Returns a JSON value shaped by `schema` (every declared and required property, enums picked by the
 * chooser, arrays of 1–3 items, nested objects) with strings built from the prompt's words.
 */
export function mockJson(schema: JsonSchema | undefined, prompt: string, choose: Chooser): unknown {
  const walk = { choose, words: contentWords(prompt) };
  if (!schema) return { result: mockText(prompt, choose) };
  return mockValue(schema, "", "$", 0, walk);
}
