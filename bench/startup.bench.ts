// What does starting the CLI cost? CPU (user + system) of whole `cutover` processes: the built bin (dist/, what
// `npm ci` installs) for --help, --version and validate, against `node -e 0` and the sources through tsx.
// Goals (issue 14): `cutover --help` ≤ 0.15 s CPU, `cutover validate <example>` ≤ 0.4 s CPU.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type Bench, median, quantile, round } from "./measure.ts";

const ROOT = join(import.meta.dirname, "..");
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);
/** Loaded first in each child: at exit it writes the process's own CPU (all threads, from its start) to a file. */
const HOOK = `data:text/javascript,${encodeURIComponent(
  'import{writeFileSync}from"node:fs";process.on("exit",()=>{const c=process.cpuUsage();writeFileSync(process.env.BENCH_CPU_FILE,JSON.stringify(c))});',
)}`;

interface Sample {
  cpuS: number;
  wallMs: number;
}

/** Returns the CPU and wall time of one process `node <args>`, which must exit 0. */
function once(args: string[], dir: string): Sample {
  const file = join(dir, "cpu.json");
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [`--import=${HOOK}`, ...args], {
    cwd: ROOT,
    env: { ...process.env, BENCH_CPU_FILE: file, CUTOVER_HOME: join(dir, "home") },
    encoding: "utf8",
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  const { user, system } = JSON.parse(readFileSync(file, "utf8")) as { user: number; system: number };
  return { cpuS: (user + system) / 1e6, wallMs };
}

function measure(args: string[], dir: string, runs = RUNS): Record<string, number> {
  once(args, dir); // warm the file cache
  const samples = Array.from({ length: runs }, () => once(args, dir));
  const cpu = samples.map((s) => s.cpuS);
  return {
    cpuS_median: round(median(cpu)),
    cpuS_p90: round(quantile(cpu, 0.9)),
    wallMs_median: round(median(samples.map((s) => s.wallMs)), 1),
  };
}

const bench: Bench = {
  name: "startup",
  async run() {
    // What the bin runs is what `npm ci` built; build it again so the figures are of these sources.
    execFileSync(process.execPath, [join(ROOT, "scripts", "build-cli.mjs")], { stdio: "inherit" });
    const dir = mkdtempSync(join(tmpdir(), "cutover-startup-"));
    try {
      const example = "examples/extract.json";
      const nodeBaseline = measure(["-e", "0"], dir);
      const help = measure(["bin/cutover.js", "--help"], dir);
      const version = measure(["bin/cutover.js", "--version"], dir);
      const validate = measure(["bin/cutover.js", "validate", example], dir);
      // The sources through tsx's hooks, as the tests and `tsx cli/main.ts` run them (fewer runs: slow).
      const tsxHelp = measure(["--import", "tsx", "cli/main.ts", "--help"], dir, 5);
      return {
        runs: RUNS,
        nodeBaseline,
        help,
        version,
        validate: { example, ...validate },
        tsxSourcesHelp: tsxHelp,
        goals: {
          helpCpuS: 0.15,
          validateCpuS: 0.4,
          helpMet: help.cpuS_median <= 0.15,
          validateMet: validate.cpuS_median <= 0.4,
        },
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
