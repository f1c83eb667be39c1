/**
 * Charts drawn from aggregates (lib/report/chart_aggregates.ts) above the drawn-points limit are
 * the pictures Plot draws from every point: the demo (and the demo ×40 for hexbins) drawn both
 * ways, with a limit small enough to aggregate them.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { reportCharts } from "../lib/economics/charts.ts";
import { MAX_DRAWN_POINTS } from "../lib/report/chart_aggregates.ts";
import { goldenDemoData } from "./fixtures/golden_demo.ts";

const demo = (await goldenDemoData()).frame;
const times40 = pl.concat(Array.from({ length: 40 }, () => demo));

/** Each chart's SVG by name, drawn from every point or from aggregates above `limit`. */
function svgs(frame: pl.DataFrame, maxDrawnPoints: number): Record<string, string> {
  return Object.fromEntries(
    reportCharts(frame, { maxDrawnPoints }).map((c) => [c.name, c.svg]),
  );
}

/**
 * The outlier dots as [x, y] pairs (circles, or paths translated there when some are ▼ below the
 * margin floor: a triangle's pair is its position with ▼ appended), and every other element,
 * sorted.
 */
function parts(svg: string): { dots: [number, string][]; rest: string[] } {
  const circles = svg.match(/<circle [^>]*>/g) ?? [];
  const group = svg.match(/<g [^>]*aria-label="dot"[^>]*>(.*?)<\/g>/s)?.[1] ?? "";
  const symbols = [...group.matchAll(/transform="translate\(([^,]+),([^)]+)\) rotate\((\d+)\)"/g)];
  const dots = [
    ...circles.map((c) =>
      [Number(c.match(/cx="([^"]+)"/)![1]), c.match(/cy="([^"]+)"/)![1]] as [number, string]
    ),
    ...symbols.map((m) => [Number(m[1]), m[3] === "180" ? `${m[2]}▼` : m[2]] as [number, string]),
  ];
  const withoutDots = svg.replace(/<circle [^>]*>/g, "").replace(group, "");
  const rest = (withoutDots.match(/<[a-z]+ [^>]*>/g) ?? []).sort();
  return { dots, rest };
}

/**
 * The symbols of the chart's dot marks: translate → fill, "▼" after a triangle's translate
 * (margin vs MRR draws the margins below the floor as hexagon-binned ▼).
 */
function hexagons(svg: string): Map<string, string> {
  const groups = [...svg.matchAll(/<g [^>]*aria-label="dot"[^>]*>(.*?)<\/g>/gs)].map((m) => m[1]);
  return new Map(
    groups.flatMap((group) =>
      [
        ...group.matchAll(
          /<path fill="([^"]+)" d="[^"]+" transform="translate\(([^)]+)\)( rotate\(180\))?"/g,
        ),
      ].map((m) => [m[3] ? `${m[2]}▼` : m[2], m[1]])
    ),
  );
}

Deno.test("the drawn-points limit: 20,000 (the golden demo ×40, 16,000 rows, is drawn from every point)", () => {
  assertEquals(MAX_DRAWN_POINTS, 20_000);
  ok(times40.height < MAX_DRAWN_POINTS);
});

Deno.test("box plots from aggregates: Plot's boxes, whiskers, medians and axes of every point; outliers within half a pixel", () => {
  const every = svgs(demo, Infinity);
  const aggregated = svgs(demo, 100);
  for (const name of ["usage_by_tier", "margin_by_tier"]) {
    const a = parts(every[name]);
    const b = parts(aggregated[name]);
    // the same boxes, whisker rules, median ticks, axes, captions: every element but the dots
    assertEquals(b.rest, a.rest, name);
    ok(a.dots.length > 0, `${name}: the demo has outliers`);
    if (name === "margin_by_tier") {
      ok(a.dots.some((d) => d[1].endsWith("▼")), "the demo has margins below the floor: ▼");
    }
    // each dot drawn is an organization's dot; each organization's dot has one drawn within 0.5 px
    const drawn = new Set(b.dots.map((d) => d.join()));
    ok(b.dots.every((d) => a.dots.some((e) => e.join() === d.join())), name);
    // (a ▼ only near a ▼: the same symbol)
    const y = (v: string) => Number(v.replace("▼", ""));
    const near = (d: [number, string], cx: number, cy: string) =>
      d[0] === cx && Math.abs(y(d[1]) - y(cy)) < 0.5 && d[1].endsWith("▼") === cy.endsWith("▼");
    for (const [cx, cy] of a.dots) {
      ok(b.dots.some((d) => near(d, cx, cy)), `${name}: outlier at ${cx},${cy}`);
    }
    ok(drawn.size === b.dots.length, `${name}: no dot drawn twice`);
  }
  // usage by tier (fences on the logarithms): 6 outlier dots, none within half a pixel of another
  // (the closest 0.78 px apart), each drawn from aggregates; margin by tier: 16 symbols, a pair of
  // them less than half a pixel apart drawn as one from aggregates
  assertEquals(parts(every.usage_by_tier).dots.length, 6);
  assertEquals(parts(aggregated.usage_by_tier).dots.length, 6);
  assertEquals(parts(every.margin_by_tier).dots.length, 16);
  assertEquals(parts(aggregated.margin_by_tier).dots.length, 15);
});

Deno.test("hexbins from grid counts: every organization counted, the hexagons and shades of Plot's hexbin of every point", () => {
  const every = svgs(times40, Infinity);
  const aggregated = svgs(times40, 1000);
  for (const name of ["requests_vs_llm_cost", "margin_vs_mrr"]) {
    const a = hexagons(every[name]);
    ok(a.size > 20, `${name}: drawn as hexagons`);
    if (name === "margin_vs_mrr") {
      ok([...a.keys()].some((k) => k.endsWith("▼")), "the demo has margins below the floor: ▼");
    }
    assertEquals(hexagons(aggregated[name]), a, name);
    // everything else the same too (axes over every point, caption, legend)
    const outside = (svg: string) => svg.replace(/<g [^>]*aria-label="dot"[^>]*>.*?<\/g>/gs, "");
    assertEquals(outside(aggregated[name]), outside(every[name]), name);
  }
});

// (a box plot with a tier of more than MAX_OUTLIER_DOTS outliers draws from aggregates at any
// size, its outliers a strip: the demo ×40's usage by tier; tests/chart_outlier_strip_test.ts)
Deno.test("charts at or below the limit are drawn as with no limit", () => {
  const every = svgs(times40, Infinity);
  assertEquals(svgs(times40, times40.height), every);
});
