// What does sandboxing a script cost per call, how fast is a hostile script stopped and what does it cost in memory, and how fast do templates render?
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { NodeError } from "../workflow/errors.ts";
import {
  evaluateCondition,
  runScript,
  type SandboxOptions,
  sandboxMemoryCapBytes,
} from "../workflow/sandbox.ts";
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

const MiB = 1024 * 1024;

/** The attacks of issue 9, each with the limits it ran against. */
const HOSTILE: Record<
  string,
  { body: string; limits: Required<Pick<SandboxOptions, "timeoutMs" | "memoryBytes">> }
> = {
  nativeLoop: {
    body: "return Array.prototype.includes.call({ length: 2 ** 53 - 1 }, 1)",
    limits: { timeoutMs: 1000, memoryBytes: 32 * MiB },
  },
  hugeJoin: {
    body: "return new Array(2 ** 28).join('x').length",
    limits: { timeoutMs: 1000, memoryBytes: 32 * MiB },
  },
  keptStrings: {
    body: "const keep = []; for (let i = 0; i < 2042; i++) keep.push('x'.repeat(1e6) + i); return keep.length",
    limits: { timeoutMs: 1000, memoryBytes: 8 * MiB },
  },
  cpuBound: { body: "for (;;) {}", limits: { timeoutMs: 800, memoryBytes: 32 * MiB } },
};

interface HostileFigures {
  code: string;
  stoppedAfterMs: number;
  /** stoppedAfterMs / the time limit: the issue asks for at most 2. */
  timeVsLimit: number;
  /** Peak growth of the process's resident set while the script ran, over its memory limit. */
  rssGrowthMiB: number;
  rssGrowthVsLimit: number;
  /** The worst delay the main thread's event loop saw meanwhile (a stalled loop shows the script's whole time). */
  eventLoopMaxDelayMs: number;
  /** An ordinary call made while the hostile one ran. */
  ordinaryCallMs: number;
}

/** Runs one hostile script from a warm pool, sampling RSS and event-loop delay until it is stopped. */
async function attack(
  body: string,
  limits: SandboxOptions & { timeoutMs: number; memoryBytes: number },
): Promise<HostileFigures> {
  // Warm workers for this limit first, so the figure is the stop, not a worker's start.
  await Promise.all([runScript("return 1", scope, limits), runScript("return 2", scope, limits)]);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const t0 = performance.now();
  let code = "none (it returned)";
  const hostile = runScript(body, scope, limits).catch((err: unknown) => {
    code = err instanceof NodeError ? err.code : String(err);
  });
  const o0 = performance.now();
  await runScript("return 1 + 1", scope, limits);
  const ordinaryCallMs = performance.now() - o0;
  await hostile;
  const stoppedAfterMs = performance.now() - t0;
  loop.disable();
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const growth = (peak - baseline) / MiB;
  return {
    code,
    stoppedAfterMs: Math.round(stoppedAfterMs),
    timeVsLimit: round(stoppedAfterMs / limits.timeoutMs, 2),
    rssGrowthMiB: round(growth, 1),
    rssGrowthVsLimit: round(growth / (limits.memoryBytes / MiB), 2),
    eventLoopMaxDelayMs: round(loop.max / 1e6, 1),
    ordinaryCallMs: round(ordinaryCallMs, 1),
  };
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

    const hostile: Record<string, HostileFigures> = {};
    for (const [name, { body, limits }] of Object.entries(HOSTILE))
      hostile[name] = await attack(body, limits);
    return {
      transformCallMedianUs: round(sandboxMedian, 1),
      transformCallP95Us: round(quantile(sandboxUs, 0.95), 1),
      plainCallMedianUs: round(median(plainUs), 2),
      overheadMedianUs: round(sandboxMedian - median(plainUs), 1),
      conditionCallMedianUs: round(median(conditionUs), 1),
      goalUnder1ms: sandboxMedian < 1000,
      templatePlaceholders: (PROMPT.match(/\{\{/g) ?? []).length,
      templateRendersPerSec: Math.round(renders / (renderMs / 1000)),
      engineMemoryCapMiB: {
        limit8MiB: sandboxMemoryCapBytes(8 * MiB) / MiB,
        limit32MiB: sandboxMemoryCapBytes() / MiB,
      },
      hostile,
      hostileWorstTimeVsLimit: Math.max(...Object.values(hostile).map((h) => h.timeVsLimit)),
      hostileWorstRssGrowthVsLimit: Math.max(...Object.values(hostile).map((h) => h.rssGrowthVsLimit)),
    };
  },
};
export default bench;
