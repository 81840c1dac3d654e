// How does long work show itself? A bar on a terminal (cli-progress, on stderr), plain lines everywhere else, and a
// first Ctrl-C that lets the work in flight finish and store before the command says what it kept.
import { MultiBar, Presets, type SingleBar } from "cli-progress";

/** Exit code of a command stopped by Ctrl-C (128 + SIGINT, as shells report it): not an answer, so not 0/1/2. */
export const EXIT_INTERRUPTED = 130;

export interface Progress {
  /** One unit of work done; `last` names it on the bar. */
  tick(last?: string): void;
  /** Writes one line of the command's output: above the bar while one is drawn on the same terminal, else as is. */
  line(text: string, to?: "stdout" | "stderr"): void;
  /** Removes the bar (nothing was drawn off a terminal). */
  stop(): void;
}

/** Returns whether a bar is drawn: stderr is a terminal (off one, output stays plain and logs are JSON). */
export function barShown(stream: NodeJS.WriteStream = process.stderr): boolean {
  return stream.isTTY === true;
}

/** Returns the progress of `total` units of work called `unit` ("pairs"), shown as `label [bar] n/total unit …`. */
export function startProgress(label: string, total: number, unit: string): Progress {
  const write = (text: string, to: "stdout" | "stderr") => process[to].write(`${text}\n`);
  if (!barShown()) return { tick: () => {}, line: (text, to = "stdout") => write(text, to), stop: () => {} };
  const bars = new MultiBar(
    {
      format: `${label} [{bar}] {value}/{total} ${unit} | {duration_formatted} elapsed, eta {eta_formatted} | {last}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    Presets.shades_classic,
  );
  const bar: SingleBar = bars.create(total, 0, { last: "" });
  let active = true;
  return {
    tick: (last = "") => bar.increment(1, { last }),
    line: (text, to = "stdout") => {
      // The bar's own terminal: through the bar, which writes the line above itself on its next redraw.
      if (active && (to === "stderr" || process.stdout.isTTY)) bars.log(`${text}\n`);
      else write(text, to);
    },
    stop: () => {
      if (!active) return;
      active = false;
      bars.update(); // writes the lines still waiting for a redraw
      bars.stop();
    },
  };
}

export interface Interrupt {
  /** Whether Ctrl-C asked the work to stop: start nothing new, let what is in flight finish and store. */
  readonly requested: boolean;
  /** Stops listening for Ctrl-C. */
  dispose(): void;
}

/**
 * Returns a Ctrl-C handler for a loop of work: the first Ctrl-C asks the loop to stop after the work in flight
 * (saying so through `progress`); a second quits at once with `now()`'s line (what was stored, what is lost)
 * and exit 130.
 */
export function onInterrupt(progress: Progress, now: () => string): Interrupt {
  let requested = false;
  const handler = () => {
    if (!requested) {
      requested = true;
      progress.line(
        "cutover: stopping once the work in flight is stored (Ctrl-C again to quit now)",
        "stderr",
      );
      return;
    }
    progress.stop();
    process.stderr.write(`cutover: ${now()}\n`);
    process.exit(EXIT_INTERRUPTED);
  };
  process.on("SIGINT", handler);
  return {
    get requested() {
      return requested;
    },
    dispose: () => {
      process.removeListener("SIGINT", handler);
    },
  };
}

/** Returns "1 pair" / "14 pairs". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * Returns what an interrupted batch kept: "interrupted: 14 pairs stored, 0 lost; the rest (6) were not started"
 * (lost: started and not stored — in flight when a second Ctrl-C quit, or ended without a result).
 */
export function interruptedLine(stored: number, started: number, total: number): string {
  const lost = started - stored;
  const rest = total - started;
  return `interrupted: ${count(stored, "pair")} stored, ${lost} lost; ${
    rest > 0 ? `the rest (${rest}) were not started` : "none left to start"
  }`;
}
