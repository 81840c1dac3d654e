import { describe, expect, it } from "vitest";
import { compareReports } from "./changes.ts";
import { emptyReport, fixturePrevious, fixtureReport, HOSTILE } from "./fixture.ts";
import { renderJson, renderMarkdown, renderReport } from "./render.ts";
import { chartLibrary, renderHtml, scriptJson } from "./render-html.ts";

describe("renderMarkdown", () => {
  it("shows every workflow with stage, readiness, parity, coverage and deltas", () => {
    const md = renderMarkdown(fixtureReport());
    expect(md).toContain("**2450 pairs** over 4 workflows");
    expect(md).toMatch(/\| extract \| ws_pilot \| shadow \| → live: blocked — failing: minParityPct 92.86/);
    expect(md).toContain("94.09 % compared (700; dropped 3, over budget 41)");
    expect(md).toContain("| -590 | -$0.000300 |");
    expect(md).toMatch(/\| idle \| default \| live \| .* \| 0 \| no pairs \| no pairs \|/);
    expect(md).not.toMatch(/\bidle\b.*0(\.0)? ?%/);
  });

  it("explains the example mismatch with both values and both timelines", () => {
    const md = renderMarkdown(fixtureReport());
    expect(md).toContain("### Why `pair_ws_pilot_run_42` is a mismatch");
    expect(md).toContain('  - primary: `"Details Standing"`');
    expect(md).toContain('  - shadow: `"Confirm Mention"`');
    expect(md).toContain("- … and 4 more");
    expect(md).toContain("- shadow (inngest):");
    expect(md).toContain("  - `node-enrich-http` failed, at 930 ms, 120 ms");
    expect(md).toContain("  - `node-output-output` skipped, not started, –");
  });

  it("keeps user data out of markup: code spans and escaped text", () => {
    const md = renderMarkdown(fixtureReport());
    // Markdown shows a code span's content as text; everywhere else no markup may survive.
    const outsideCode = md.replace(/(`+)(.*?)\1/g, "");
    expect(outsideCode).not.toMatch(/<(script|img|\/)/);
    expect(outsideCode).toContain("&lt;/script&gt;");
    expect(md).toContain('`$.output["</script><script>window.__xss=1</script>');
  });

  it('says "no pairs" for an empty window, never 0 %', () => {
    const md = renderMarkdown(emptyReport());
    expect(md).toContain("**No pairs** in the window");
    expect(md).not.toMatch(/0(\.0)? ?%/);
  });

  it("lists trends, newly differing paths and readiness changes against a previous report", () => {
    const md = renderMarkdown(fixtureReport(), fixturePrevious());
    expect(md).toContain("## Since the previous report (2026-11-29T02:00:00.000Z)");
    expect(md).toContain("extract (workspace ws_pilot): parity ▼ 97.5 % → 92.86 %");
    expect(md).toContain("translate (workspace ws_b): new, parity 100 %");
    expect(md).toContain("extract (workspace ws_pilot) newly differs at `$.output.customerName`");
    expect(md).toContain(
      "checkout-summary (workspace default) readiness changed: shadow inconclusive → shadow pass",
    );
    expect(md).toContain("| 92.86 % ▼ |");
  });
});

describe("renderJson", () => {
  it("is the data itself, with its changes when a previous report is given", () => {
    const data = fixtureReport();
    expect(JSON.parse(renderJson(data))).toEqual(data);
    const doc = JSON.parse(renderReport(data, "json", fixturePrevious()));
    expect(doc.workflows).toEqual(data.workflows);
    expect(
      doc.changes.workflows.find((c: { workflowId: string }) => c.workflowId === "extract"),
    ).toMatchObject({
      trend: "down",
      newPaths: ["$.output.customerName", `$.output["${HOSTILE}"]`],
    });
  });
});

describe("compareReports", () => {
  it("gives up, down, same, new and n/a", () => {
    const now = fixtureReport();
    const before = fixturePrevious();
    const c = Object.fromEntries(compareReports(now, before).workflows.map((w) => [w.workflowId, w]));
    expect(c["checkout-summary"]).toMatchObject({ trend: "up", previousParityPct: 99.2 });
    expect(c.extract.trend).toBe("down");
    expect(c.idle).toMatchObject({ trend: "n/a", readiness: null });
    expect(c.translate.trend).toBe("new");
    expect(compareReports(now, now).workflows.every((w) => w.trend === "same" || w.trend === "n/a")).toBe(
      true,
    );
  });
});

/** Returns the page without the inlined Chart.js (so assertions read, and failures print, the report's own markup). */
const page = (html: string) => {
  expect(html.includes(chartLibrary())).toBe(true);
  return html.replace(chartLibrary(), "(chart.js)");
};

describe("renderHtml", () => {
  it("is self-contained: Chart.js inline, no external script, style, font or link, a CSP that allows no request", () => {
    const html = page(renderHtml(fixtureReport()));
    expect(chartLibrary()).toContain("Chart.js v4.6.1");
    expect(chartLibrary()).not.toContain("sourceMappingURL");
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(|https?:/i);
    expect(html).toMatch(
      /Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-/,
    );
  });

  it("escapes every string: the hostile finding appears only as text and inside the JSON block", () => {
    const html = page(renderHtml(fixtureReport()));
    expect(html).not.toContain("<script>window.__xss");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;/script&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;");
    // Exactly the three script elements the page has: the data, Chart.js and the page script.
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    const json = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html)?.[1];
    expect(JSON.parse(json!)).toEqual(fixtureReport());
  });

  it("scriptJson leaves no < > & for an HTML parser to act on", () => {
    const text = scriptJson({ a: "</script><!--", b: "\u2028" });
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual({ a: "</script><!--", b: "\u2028" });
  });

  it("has a row per workflow, 'no pairs' for the empty one, and a section per mismatching workflow", () => {
    const html = page(renderHtml(fixtureReport(), fixturePrevious()));
    for (const id of ["checkout-summary", "extract", "idle", "translate"])
      expect(html).toContain(`<tr data-workflow="${id}"`);
    expect(html).toMatch(/<tr data-workflow="idle"[\s\S]*?no pairs[\s\S]*?<\/tr>/);
    expect(html).toContain('<section class="mismatch" data-workflow="extract"');
    expect(html).toContain('id="tl-1-primary"');
    expect(html).toContain("Since the previous report");
  });

  it('says "no pairs" for an empty window and draws no chart', () => {
    const html = page(renderHtml(emptyReport()));
    expect(html).toContain("No pairs in the window");
    expect(html).not.toContain('id="chart-parity"');
    expect(html).not.toMatch(/>0(\.0)? ?%</);
  });
});
