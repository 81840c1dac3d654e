// What does --update write, and how does an operator review it? expect.json's text in one key order, and a line diff.
import type { Expectation, RunExpectation } from "./corpus.ts";

const ORDER = [
  "status",
  "errorCode",
  "output",
  "ignorePaths",
  "steps",
  "requests",
  "maxCostUsd",
  "maxTokens",
  "runs",
] as const;

function ordered(expect: RunExpectation | Expectation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ORDER) {
    const value = (expect as Record<string, unknown>)[key];
    if (value === undefined) continue;
    out[key] = key === "runs" ? (value as RunExpectation[]).map(ordered) : value;
  }
  return out;
}

/** Returns expect.json's text: keys in one order (goldens first, then thresholds), two-space indent, a final newline. */
export function expectationText(expect: Expectation): string {
  return `${JSON.stringify(ordered(expect), null, 2)}\n`;
}

/**
 * Returns a unified-style diff of two texts (`-` removed, `+` added, two lines of context around each
 * change, `…` between hunks). Longest-common-subsequence on lines; large files are cut to their changed middle.
 */
export function lineDiff(before: string, after: string, context = 2): string {
  let a = before.split("\n");
  let b = after.split("\n");
  // Same head and tail need no table: keep only the middle that changed.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const prefix = before.split("\n").slice(Math.max(0, head - context), head);
  const suffix = before.split("\n").slice(a.length - tail, a.length - tail + context);
  a = a.slice(head, a.length - tail);
  b = b.slice(head, b.length - tail);
  const lines: string[] = [];
  if (a.length * b.length > 4_000_000) {
    for (const l of a) lines.push(`-${l}`);
    for (const l of b) lines.push(`+${l}`);
  } else {
    const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
    for (let i = a.length - 1; i >= 0; i--) {
      for (let j = b.length - 1; j >= 0; j--) {
        lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && a[i] === b[j]) {
        lines.push(` ${a[i]}`);
        i++;
        j++;
      } else if (j < b.length && (i === a.length || lcs[i][j + 1] >= lcs[i + 1][j])) lines.push(`+${b[j++]}`);
      else lines.push(`-${a[i++]}`);
    }
  }
  // Long unchanged runs inside the middle shrink to their context.
  const kept: string[] = [];
  let run: string[] = [];
  const flush = (last: boolean) => {
    if (run.length > context * 2 + 1 && !last)
      kept.push(...run.slice(0, context), "…", ...run.slice(-context));
    else if (run.length > context && last) kept.push(...run.slice(0, context));
    else kept.push(...run);
    run = [];
  };
  for (const l of lines) {
    if (l.startsWith(" ")) run.push(l);
    else {
      flush(false);
      kept.push(l);
    }
  }
  flush(true);
  return [...prefix.map((l) => ` ${l}`), ...kept, ...suffix.map((l) => ` ${l}`)].join("\n");
}
