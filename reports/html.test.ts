// Does the HTML report work in a real browser? Headless Chromium (Debian's package, driven by playwright-core) opens
// it from a file: no network request, no console error, the charts drawn, every row there, the example timelines.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDemo } from "../cli/demo.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { buildReportData } from "./build.ts";
import { emptyReport, fixturePrevious, fixtureReport } from "./fixture.ts";
import { renderHtml } from "./render-html.ts";
import type { ReportData } from "./report-data.ts";

const ROOT = join(import.meta.dirname, "..");
/** Where the pages and screenshots are left for a person (or CI) to look at; gitignored. */
const ARTIFACTS = join(ROOT, "test-artifacts");
/** The browser: Debian's chromium unless CUTOVER_CHROMIUM names another executable. */
const CHROMIUM = process.env.CUTOVER_CHROMIUM || "/usr/bin/chromium";
/** CUTOVER_SKIP_BROWSER=1 skips these tests on a machine without Chromium (README, Tests); otherwise they fail. */
const SKIP = process.env.CUTOVER_SKIP_BROWSER === "1";

interface Opened {
  page: Page;
  /** Every request the page made besides loading its own file. */
  requests: string[];
  /** Console errors and uncaught exceptions. */
  errors: string[];
}

interface CanvasState {
  id: string;
  chart: string | null;
  width: number;
  height: number;
  /** Pixels with any paint on them. */
  painted: number;
}

const MISSING =
  `Chromium not found at ${CHROMIUM}: the browser test needs it. Install Debian's package ` +
  "(apt-get install -y --no-install-recommends chromium, as .ci/run does), point CUTOVER_CHROMIUM at " +
  "another Chromium executable, or set CUTOVER_SKIP_BROWSER=1 to skip the browser tests.";

describe.skipIf(SKIP)("the HTML report in headless Chromium", () => {
  let browser: Browser | undefined;
  let scratch: string;

  // A failing test of its own, so a machine without Chromium counts a failure, not only skipped tests.
  it("has Chromium to drive", () => {
    expect(existsSync(CHROMIUM), MISSING).toBe(true);
  });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    scratch = mkdtempSync(join(tmpdir(), "cutover-html-"));
    // Without Chromium every test below fails with MISSING (not a skip, not a TypeError).
    if (existsSync(CHROMIUM))
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  async function open(html: string, name: string): Promise<Opened> {
    if (!browser) throw new Error(MISSING);
    const file = join(ARTIFACTS, `${name}.html`);
    writeFileSync(file, html);
    const url = pathToFileURL(file).href;
    const context = await browser.newContext({
      viewport: { width: 1400, height: 900 },
      deviceScaleFactor: 1,
    });
    const requests: string[] = [];
    const errors: string[] = [];
    // Every request is recorded and refused: the report must need none.
    await context.route("**/*", (route) => {
      if (route.request().url() === url) return route.continue();
      requests.push(route.request().url());
      return route.abort();
    });
    const page = await context.newPage();
    page.on("request", (r) => {
      if (r.url() !== url && !requests.includes(r.url())) requests.push(r.url());
    });
    page.on("websocket", (ws) => requests.push(ws.url()));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => document.body.dataset.charts !== undefined, undefined, {
      timeout: 10_000,
    });
    return { page, requests, errors };
  }

  async function canvases(page: Page, selector = "canvas"): Promise<CanvasState[]> {
    return page.$$eval(selector, (list) =>
      (list as HTMLCanvasElement[]).map((c) => {
        const { data } = c.getContext("2d")!.getImageData(0, 0, c.width, c.height);
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        return { id: c.id, chart: c.dataset.chart ?? null, width: c.width, height: c.height, painted };
      }),
    );
  }

  async function rows(page: Page): Promise<{ workflow: string; workspace: string; text: string }[]> {
    return page.$$eval("#workflows tbody tr", (trs) =>
      (trs as HTMLElement[]).map((tr) => ({
        workflow: tr.dataset.workflow ?? "",
        workspace: tr.dataset.workspace ?? "",
        text: tr.textContent ?? "",
      })),
    );
  }

  function expectDrawn(list: CanvasState[]): void {
    for (const c of list) {
      expect(c.width, c.id).toBeGreaterThan(100);
      expect(c.height, c.id).toBeGreaterThan(50);
      expect(c.painted, `${c.id} has nothing drawn on it`).toBeGreaterThan(500);
    }
  }

  function expectEveryRow(found: { workflow: string; workspace: string }[], data: ReportData): void {
    expect(found.map((r) => [r.workflow, r.workspace])).toEqual(
      data.workflows.map((w) => [w.workflowId, w.workspaceId]),
    );
  }

  it("draws the fixture report offline: charts, every row, the example timelines, no request, no error", async () => {
    const data = fixtureReport();
    const { page, requests, errors } = await open(renderHtml(data, fixturePrevious()), "report");
    try {
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);

      const all = await canvases(page);
      expect(all.map((c) => c.chart).sort()).toEqual(["latency", "parity", "timeline", "timeline"]);
      expectDrawn(all);
      expect(await page.evaluate(() => document.body.dataset.charts)).toBe("4");

      const found = await rows(page);
      expectEveryRow(found, data);
      const idle = found.find((r) => r.workflow === "idle")!;
      expect(idle.text).toContain("no pairs");
      expect(idle.text).not.toMatch(/\b0(\.0)? ?%/);
      expect(found.find((r) => r.workflow === "extract")!.text).toMatch(/92\.86 %\s*▼/);

      // The mismatching workflow: top paths, and its example as two timelines side by side with the findings.
      const section = page.locator('section.mismatch[data-workflow="extract"]');
      expect(await section.locator("ol.paths li").count()).toBe(3);
      const sides = await canvases(page, 'section.mismatch[data-workflow="extract"] [data-example] canvas');
      expect(sides.map((c) => c.id)).toEqual(["tl-1-primary", "tl-1-shadow"]);
      const boxes = await section
        .locator("[data-example] .side")
        .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect));
      expect(boxes[1].left).toBeGreaterThan(boxes[0].right - 1);
      expect(Math.abs(boxes[1].top - boxes[0].top)).toBeLessThan(2);
      expect(await section.locator("table.findings tbody tr").count()).toBe(3);
      await expect(section.locator("table.findings").textContent()).resolves.toContain("Confirm Mention");

      // The hostile strings stayed text.
      expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
      expect(await page.locator("img").count()).toBe(0);
      await expect(page.locator("section.notes").textContent()).resolves.toContain(
        '<img src=x onerror="window.__xss=2">',
      );

      await expect(page.locator("#changes").textContent()).resolves.toContain("$.output.customerName");
      await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it("draws the same report without hostile strings, the README's screenshot (CUTOVER_UPDATE_SCREENSHOT=1 writes docs/report.png)", async () => {
    const { page, requests, errors } = await open(
      renderHtml(fixtureReport({ hostile: false }), fixturePrevious()),
      "report-clean",
    );
    try {
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);
      expectDrawn(await canvases(page));
      await page.screenshot({ path: join(ARTIFACTS, "report-clean.png"), fullPage: true });
      if (process.env.CUTOVER_UPDATE_SCREENSHOT === "1")
        await page.screenshot({ path: join(ROOT, "docs", "report.png"), fullPage: true });
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('says "no pairs" for an empty window and still loads cleanly', async () => {
    const { page, requests, errors } = await open(renderHtml(emptyReport()), "report-empty");
    try {
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);
      expect(await canvases(page)).toEqual([]);
      await expect(page.locator("header .cards").textContent()).resolves.toMatch(/PAIRS\s*no pairs/i);
      await expect(page.locator("main").textContent()).resolves.toContain("No pairs in the window");
      await page.screenshot({ path: join(ARTIFACTS, "report-empty.png"), fullPage: true });
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it("draws a report built end to end from a small store (the demo's divergent and agreeing examples)", async () => {
    const examples = join(scratch, "examples");
    mkdirSync(join(examples, "inputs"), { recursive: true });
    for (const name of ["summary.json", "extract.json"]) {
      writeFileSync(join(examples, name), readFileSync(join(ROOT, "examples", name)));
      writeFileSync(join(examples, "inputs", name), readFileSync(join(ROOT, "examples", "inputs", name)));
    }
    const store = openSqliteStore({ path: join(scratch, "state.db") });
    let data: ReportData;
    try {
      await runDemo(store, {
        examplesDir: examples,
        outDir: join(scratch, "out"),
        pairsPerExample: 2,
        workspaceId: "demo",
        say: () => {},
      });
      data = await buildReportData(store, { workspaceId: "demo" });
    } finally {
      await store.close();
    }
    expect(data.workflows.map((w) => [w.workflowId, w.pairs])).toEqual([
      ["extract", 2],
      ["summary", 2],
    ]);
    const extract = data.workflows[0];
    expect(extract.parityPct).toBe(0);
    expect(extract.example?.primary.steps.length).toBeGreaterThan(0);
    expect(extract.example?.shadow.steps.length).toBeGreaterThan(0);

    const { page, requests, errors } = await open(renderHtml(data), "report-store");
    try {
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);
      const all = await canvases(page);
      expect(all.map((c) => c.id)).toEqual(["chart-parity", "chart-latency", "tl-0-primary", "tl-0-shadow"]);
      expectDrawn(all);
      expectEveryRow(await rows(page), data);
      await page.screenshot({ path: join(ARTIFACTS, "report-store.png"), fullPage: true });
    } finally {
      await page.context().close();
    }
  }, 120_000);
});
