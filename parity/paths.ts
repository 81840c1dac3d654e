// Where in a run record is a difference, and which path rules (ignore, noise) cover that place?

/**
 * One step into a record: an object key, an array index, or an array element found by a key field
 * (`{ by: "id", value: "a" }` for arrays of objects matched by `id`; `{ by: "name", ... }` for steps,
 * whose `alias` is the step's nodeId).
 */
export type Segment = string | number | Keyed;
export interface Keyed {
  readonly by: string;
  readonly value: string;
  readonly alias?: string;
}
export type Path = readonly Segment[];

/**
 * Returns the JSONPath of a place in a record, e.g. `$.output.items[?(@.id=='a')].price` or
 * `$.steps[?(@.name=='node-draft-llm')].output.text`.
 */
export function renderPath(path: Path): string {
  let out = "$";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (typeof seg === "string") out += /^[A-Za-z_$][\w$]*$/.test(seg) ? `.${seg}` : `['${quote(seg)}']`;
    else out += `[?(@.${seg.by}=='${quote(seg.value)}')]`;
  }
  return out;
}

// Most keys and ids need no escaping: skip the two regex passes for them (renderPath runs per step per pair).
const quote = (s: string): string =>
  s.includes("\\") || s.includes("'") ? s.replace(/\\/g, "\\\\").replace(/'/g, "\\'") : s;

const RENDERED_SEGMENT =
  /\.([A-Za-z_$][\w$]*)|\['((?:\\.|[^'\\])*)'\]|\[(\d+)\]|\[\?\(@\.([\w$]+)=='((?:\\.|[^'\\])*)'\)\]/y;

/**
 * Returns the segments of a path renderPath wrote (null for any other text). Step elements get
 * `alias` as their nodeId, so rules naming the node still match.
 */
export function parseRenderedPath(text: string, alias?: string): Path | null {
  if (!text.startsWith("$")) return null;
  const out: Segment[] = [];
  RENDERED_SEGMENT.lastIndex = 1;
  while (RENDERED_SEGMENT.lastIndex < text.length) {
    const m = RENDERED_SEGMENT.exec(text);
    if (!m) return null;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(unquote(m[2]));
    else if (m[3] !== undefined) out.push(Number(m[3]));
    else out.push({ by: m[4], value: unquote(m[5]), ...(m[4] === "name" && alias ? { alias } : {}) });
  }
  return out;
}

/**
 * A path rule as written in a policy. Syntax: dot-separated segments from the record's root, with an
 * optional leading `$`; `[3]`, `['odd key']` and `[?(@.id=='a')]` are accepted as segments too.
 * A literal segment matches an object key, an array index, an element's key value (its `id`, or a
 * step's name or nodeId); `*` (or `[*]`) matches any one segment; `**` any number of segments. A rule
 * covers the place it names and everything below it. Examples: `$.output.generatedAt`,
 * `steps.*.output.id`, `steps.draft.output`, `**.requestId`.
 */
export type PatternSegment = { kind: "literal"; text: string } | { kind: "any" } | { kind: "deep" };
export type Pattern = readonly PatternSegment[];

/** Returns the parsed rule; throws an Error saying what is wrong and where. */
export function parsePattern(text: string): Pattern {
  const out: PatternSegment[] = [];
  let i = text.startsWith("$") ? 1 : 0;
  const fail = (why: string): never => {
    throw new Error(`bad path "${text}" at character ${i + 1}: ${why}`);
  };
  if (text.trim() === "" || text === "$") fail("empty path");
  let first = i === 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "[") {
      const close = findClose(text, i);
      if (close < 0) fail("unclosed [");
      out.push(bracketSegment(text.slice(i + 1, close), fail));
      i = close + 1;
    } else {
      if (ch === ".") i++;
      else if (!first) fail('expected "." or "["');
      let end = i;
      while (end < text.length && text[end] !== "." && text[end] !== "[") end++;
      const word = text.slice(i, end);
      if (word === "") fail("empty segment");
      out.push(
        word === "*" ? { kind: "any" } : word === "**" ? { kind: "deep" } : { kind: "literal", text: word },
      );
      i = end;
    }
    first = false;
  }
  return out;
}

function findClose(text: string, open: number): number {
  let quoteChar: string | null = null;
  for (let j = open + 1; j < text.length; j++) {
    const c = text[j];
    if (quoteChar) {
      if (c === "\\") j++;
      else if (c === quoteChar) quoteChar = null;
    } else if (c === "'" || c === '"') quoteChar = c;
    else if (c === "]") return j;
  }
  return -1;
}

function bracketSegment(inner: string, fail: (why: string) => never): PatternSegment {
  if (inner === "*") return { kind: "any" };
  if (/^\d+$/.test(inner)) return { kind: "literal", text: inner };
  const quoted = /^(['"])(.*)\1$/s.exec(inner);
  if (quoted) return { kind: "literal", text: unquote(quoted[2]) };
  const filter = /^\?\(@\.[\w$]+\s*==\s*(['"])(.*)\1\)$/s.exec(inner);
  if (filter) return { kind: "literal", text: unquote(filter[2]) };
  return fail(`cannot read [${inner}]`);
}

const unquote = (s: string): string => s.replace(/\\(.)/g, "$1");

function segmentMatches(p: PatternSegment, seg: Segment): boolean {
  if (p.kind !== "literal") return true;
  if (typeof seg === "string") return seg === p.text;
  if (typeof seg === "number") return String(seg) === p.text;
  return seg.value === p.text || seg.alias === p.text;
}

/**
 * Tracks, while walking down a record, which rules could still cover the current place. `null` stands
 * for "no rule can match here or below", so walks without rules pay nothing.
 */
export class RuleCursor {
  private constructor(
    private readonly rules: readonly Pattern[],
    /** Pairs [rule index, position in rule], flattened. */
    private readonly states: readonly number[],
    /** True when some rule is fully matched: this place and everything below are covered. */
    readonly covered: boolean,
  ) {}

  /** Returns a cursor at the record's root, or null when there are no rules. */
  static start(rules: readonly Pattern[]): RuleCursor | null {
    if (rules.length === 0) return null;
    const states: number[] = [];
    for (let r = 0; r < rules.length; r++) states.push(r, 0);
    return RuleCursor.make(rules, states);
  }

  private static make(rules: readonly Pattern[], raw: number[]): RuleCursor | null {
    // `**` may match zero segments: also stand past it.
    const states: number[] = [];
    let covered = false;
    for (let k = 0; k < raw.length; k += 2) {
      let pos = raw[k + 1];
      const rule = rules[raw[k]];
      states.push(raw[k], pos);
      while (pos < rule.length && rule[pos].kind === "deep") states.push(raw[k], ++pos);
      if (pos >= rule.length) covered = true;
    }
    if (states.length === 0) return null;
    return new RuleCursor(rules, states, covered);
  }

  /** Returns the cursor one segment further down, or null when no rule can match below. */
  down(seg: Segment): RuleCursor | null {
    if (this.covered) return this;
    const next: number[] = [];
    for (let k = 0; k < this.states.length; k += 2) {
      const r = this.states[k];
      const pos = this.states[k + 1];
      const rule = this.rules[r];
      if (pos >= rule.length) continue;
      const p = rule[pos];
      if (p.kind === "deep") next.push(r, pos);
      else if (segmentMatches(p, seg)) next.push(r, pos + 1);
    }
    return RuleCursor.make(this.rules, next);
  }

  /** Returns the cursor after several segments. */
  along(path: Path): RuleCursor | null {
    let at: RuleCursor | null = this;
    for (const seg of path) {
      if (!at || at.covered) break;
      at = at.down(seg);
    }
    return at;
  }
}

/** Returns true when one of the rules covers the place at `path` (or a place above it). */
export function covers(rules: readonly Pattern[], path: Path): boolean {
  return RuleCursor.start(rules)?.along(path)?.covered ?? false;
}
