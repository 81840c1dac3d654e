// How long does validating and compiling a large workflow take, and does it grow linearly with size?
import { generateGraph } from "../test/graphs.ts";
import { compileWorkflow } from "../workflow/compile.ts";
import { type Bench, median, round, timeRuns } from "./measure.ts";

/** Returns the median ms of compiling the same document `times` times (scripts warm in V8's cache, like a re-save). */
async function warmMedianMs(doc: unknown, times: number): Promise<number> {
  return median(await timeRuns(() => mustCompile(doc), times, 2));
}

/** Returns the median ms of compiling fresh graphs whose scripts V8 has never seen (a first save). */
async function coldMedianMs(size: number, times: number): Promise<number> {
  const docs = Array.from({ length: times }, (_, i) =>
    generateGraph(size, { salt: `cold-${i}-${Date.now()}` }),
  );
  const samples: number[] = [];
  for (const doc of docs) samples.push((await timeRuns(() => mustCompile(doc), 1, 0))[0]);
  return median(samples);
}

function mustCompile(doc: unknown): void {
  const result = compileWorkflow(doc);
  if (!result.ok) throw new Error(`generated graph is invalid: ${JSON.stringify(result.errors.slice(0, 3))}`);
}

const bench: Bench = {
  name: "compile",
  async run() {
    const small = generateGraph(1000);
    const large = generateGraph(5000);
    const edges = (doc: unknown) => (doc as { edges: unknown[] }).edges.length;
    const ms1000 = await warmMedianMs(small, 9);
    const ms5000 = await warmMedianMs(large, 7);
    const cold5000 = await coldMedianMs(5000, 3);
    return {
      graph1000: `${1000} nodes, ${edges(small)} edges`,
      graph5000: `${5000} nodes, ${edges(large)} edges`,
      compile1000MedianMs: round(ms1000, 1),
      compile5000MedianMs: round(ms5000, 1),
      // 5.0 is linear growth; the sort adds a log factor, so a little above 5 is expected.
      growth5000over1000: round(ms5000 / ms1000, 2),
      compile5000ColdMedianMs: round(cold5000, 1),
      goal5000Under300ms: ms5000 < 300,
      validates5000Under1s: Math.max(ms5000, cold5000) < 1000,
    };
  },
};
export default bench;
