// What does sandboxing a script cost per call, and how fast do templates render? Warm QuickJS calls vs plain JS.
import { performance } from "node:perf_hooks";
import { evaluateCondition, runScript } from "../workflow/sandbox.ts";
import { renderTemplate } from "../workflow/template.ts";
import { type Bench, median, quantile, round } from "./measure.ts";

const BODY = "return results.extract.items.filter(i => i.score > 0.5).map(i => i.title.toUpperCase())";
const scope = {
  input: { text: "a short article about tides", lang: "en" },
  results: {
    extract: {
      items: Array.from({ length: 10 }, (_, i) => ({ title: `item ${i}`, score: i / 10 })),
    },
  },
};

const PROMPT = `You are an editor for {{input.publication}}.
Summarise the article "{{input.title}}" by {{input.author}} ({{input.date}}) for {{input.audience}}.
Keep it under {{input.maxWords}} words, in {{input.lang}}.
Key facts already extracted: {{nodes.extract.facts}}
Tone guide: {{nodes.style.tone}}; avoid: {{nodes.style.avoid}}.
Article text:
{{input.text}}`;
const promptScope = {
  input: {
    publication: "The Daily Tide",
    title: "Why the moon matters",
    author: "A. Writer",
    date: "2026-11-26",
    audience: "curious teenagers",
    maxWords: 120,
    lang: "en",
    text: "The moon pulls on the oceans. ".repeat(40),
  },
  results: {
    extract: { facts: ["two tides a day", "spring tides at full moon", "neap tides at quarter moon"] },
    style: { tone: "warm, plain", avoid: ["jargon", "exclamation marks"] },
  },
};

async function perCallMicros(fn: () => unknown, calls: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await fn();
    out.push((performance.now() - t0) * 1000);
  }
  return out;
}

const bench: Bench = {
  name: "sandbox",
  async run() {
    // The plain baseline gets the same work: a fresh JSON copy of the scope, then the body as a function.
    const plain = new Function("input", "results", "nodes", "item", "index", BODY) as (
      ...a: unknown[]
    ) => unknown;
    const plainCall = () => {
      const s = JSON.parse(JSON.stringify(scope));
      return JSON.parse(JSON.stringify(plain(s.input, s.results, s.results)));
    };
    for (let i = 0; i < 200; i++) {
      plainCall();
      await runScript(BODY, scope);
    }
    const calls = 2000;
    const plainUs = await perCallMicros(plainCall, calls);
    const sandboxUs = await perCallMicros(() => runScript(BODY, scope), calls);
    const conditionUs = await perCallMicros(() => evaluateCondition("input.lang === 'en'", scope), calls);

    const renders = 20_000;
    const t0 = performance.now();
    for (let i = 0; i < renders; i++) renderTemplate(PROMPT, promptScope);
    const renderMs = performance.now() - t0;

    const sandboxMedian = median(sandboxUs);
    return {
      transformCallMedianUs: round(sandboxMedian, 1),
      transformCallP95Us: round(quantile(sandboxUs, 0.95), 1),
      plainCallMedianUs: round(median(plainUs), 2),
      overheadMedianUs: round(sandboxMedian - median(plainUs), 1),
      conditionCallMedianUs: round(median(conditionUs), 1),
      goalUnder1ms: sandboxMedian < 1000,
      templatePlaceholders: (PROMPT.match(/\{\{/g) ?? []).length,
      templateRendersPerSec: Math.round(renders / (renderMs / 1000)),
    };
  },
};
export default bench;
