/**
 * Box plots whose tier has more than MAX_OUTLIER_DOTS outliers draw them as a strip (bars per bin,
 * shaded by how many, the count beside it), not a dot each: at 100k organizations usage by tier's
 * dots merged into a solid black column. Counts and shades by hand from the fixtures below.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { MAX_OUTLIER_DOTS, STRIP_BINS, STRIP_LIGHTEST } from "../lib/report/chart_outlier_strip.ts";
import { marginByTierChart, usageByTierChart } from "../lib/report/charts.ts";
import { dotCentres, drawnWidth, labels, yLogValueAt } from "./chart_svg.ts";

const times = <T>(n: number, value: T): T[] => Array(n).fill(value);

/**
 * free: 100 × 10 and 100 × 20 requests (quartiles 10 and 20, fences on the logarithms 10 ÷ 2^1.5 =
 * 3.5 and 20 × 2^1.5 = 56.6), 2 × 500 and `high` × 1000 beyond them; pro: 4 × 10 and one 1000
 * (fences 10 and 10: one outlier).
 */
function usage(high: number, { at500 = 2 } = {}): string {
  const free = [...times(100, 10), ...times(100, 20), ...times(at500, 500), ...times(high, 1000)];
  const pro = [10, 10, 10, 10, 1000];
  return usageByTierChart(
    pl.DataFrame({
      tier: [...times(free.length, "free"), ...times(pro.length, "pro")],
      requests_30d: [...free, ...pro],
    }),
  ).svg;
}

/** The strip's bars: [fill-opacity, y] per bar (Plot's dot of the strip's bar symbol). */
function stripBars(svg: string): [number, number][] {
  return [
    ...svg.matchAll(
      /<path fill-opacity="([^"]+)" d="M-8,-2\.5h16v5h-16Z" transform="translate\([^,]+,([^)]+)\)"/g,
    ),
  ]
    .map((m) => [Number(m[1]), Number(m[2])]);
}

/** The SVG's text, tags out (a caption is wrapped over lines). */
const text = (svg: string) => svg.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

/** The count and share beside the strip, and the caption naming the tier and its count. */
function stripTexts(svg: string, { tier, n, share }: { tier: string; n: number; share: string }) {
  ok(text(svg).includes(` n=${n} ${share} `), "the count and share beside the strip");
  const caption = `; outliers of ${tier} (${n}) drawn as a strip, darker where more, n and share`;
  ok(text(svg).includes(`${caption} of the tier beside it.`), "caption");
}

/** margin_by_tier's SVG of one tier, pro, an organization per margin (mrr 100 each). */
function marginsOfPro(margins: number[]): string {
  const n = margins.length;
  return marginByTierChart(exportFrameFromColumns({
    org_id: margins.map((_, i) => `o${i}`),
    tier: times(n, "pro"),
    plan: times(n, "pro"),
    mrr: times(n, 100),
    gross_margin_pct: margins,
  })).svg;
}

const circles = (svg: string) => (svg.match(/<circle /g) ?? []).length;

Deno.test("the strip's limits: more than 50 outliers in a tier, 64 bins", () => {
  assertEquals([MAX_OUTLIER_DOTS, STRIP_BINS], [50, 64]);
});

Deno.test("usage by tier: free's 62 outliers a strip of two bars, shaded by count; pro's one outlier a dot", () => {
  const svg = usage(60);
  // log10 of 10…1000 over 64 bins of 1/32: 500 (2.699) in bin 54, 1000 (3) in the last, 63
  const bars = stripBars(svg);
  assertEquals(bars.length, 2);
  // 60 in the fullest bin: black; 2: 0.4 + 0.6 × ln 2 / ln 60 = 0.5016
  const [fewer, fullest] = bars.sort((a, b) => a[0] - b[0]);
  assertEquals(fullest[0], 1);
  ok(Math.abs(fewer[0] - (0.4 + 0.6 * Math.log(2) / Math.log(60))) < 1e-12, String(fewer[0]));
  ok(fewer[1] > fullest[1], "500's bar below 1000's");
  // pro's 1000 is its only dot; none of free's 62 is one
  assertEquals(circles(svg), 1);
  // 62 of free's 262 organizations with requests: 23.66 %
  stripTexts(svg, { tier: "free", n: 62, share: "23.7 %" });
});

Deno.test("usage by tier: a bin of one outlier beside one of 60 is a mid grey (0.4), four times a grid line's 0.1", () => {
  const svg = usage(60, { at500: 1 });
  assertEquals(STRIP_LIGHTEST, 0.4);
  // 60 × 1000 black; the one 500 at the lightest shade (ln 1 = 0), 0.15 before: a pale bar
  // no darker than the grid lines beside it
  const bars = stripBars(svg).sort((a, b) => a[0] - b[0]);
  assertEquals(bars.map(([shade]) => shade), [0.4, 1]);
  const grid = [...svg.matchAll(/<g stroke-opacity="([^"]+)"[^>]* aria-label="y-grid">/g)]
    .map((m) => Number(m[1]));
  assertEquals(grid, [0.1]);
  // 61 of free's 261 organizations with requests: 23.37 %
  stripTexts(svg, { tier: "free", n: 61, share: "23.4 %" });
});

Deno.test("usage by tier: 50 outliers in a tier are still dots (every point's, as Plot draws them)", () => {
  const svg = usage(48); // 2 × 500 and 48 × 1000: 50 outliers
  assertEquals(stripBars(svg), []);
  assertEquals(circles(svg), 50 + 1);
  ok(!svg.includes("drawn as a strip"));
});

Deno.test("margin by tier: 60 outliers a strip of one black bar, the 3 below −300 % still a ▼ on the floor", () => {
  // 3 × −500, 60 × 20, 100 × 90, 100 × 95: quartiles 90 and 95, fences 82.5 and 102.5
  const margins = [...times(3, -500), ...times(60, 20), ...times(100, 90), ...times(100, 95)];
  const svg = marginsOfPro(margins);
  const bars = stripBars(svg);
  assertEquals(bars.map(([shade]) => shade), [1]);
  // the ▼ (a triangle turned over), no circle
  assertEquals((svg.match(/rotate\(180\)/g) ?? []).length, 1);
  assertEquals(circles(svg), 0);
  // 60 of 263 with a margin: 22.81 %
  stripTexts(svg, { tier: "pro", n: 60, share: "22.8 %" });
});

Deno.test("margin by tier: 51 outliers one a bin, a strip of 51 bars each black (the fullest bin holds one)", () => {
  // 100 × 90, 100 × 95: quartiles 90 and 95, fences 82.5 and 102.5; outliers −20, −18, …, 80,
  // 2 apart, binned over the points' −20 to 95 in 64 bins of 115/64 = 1.8: one a bin
  const outliers = [...Array(51).keys()].map((i) => -20 + 2 * i);
  const margins = [...outliers, ...times(100, 90), ...times(100, 95)];
  const svg = marginsOfPro(margins);
  assertEquals(stripBars(svg).map(([shade]) => shade), times(51, 1));
  assertEquals(circles(svg), 0);
  // 51 of 251: 20.32 %
  stripTexts(svg, { tier: "pro", n: 51, share: "20.3 %" });
});

/** The boxes' rects (x, width, top and bottom y) in the bar group, left to right. */
function boxRects(svg: string) {
  const group = /<g [^>]*aria-label="bar"[^>]*>(.*?)<\/g>/s.exec(svg)![1];
  return [...group.matchAll(/<rect [^>]*>/g)].map(([rect]) => {
    const at = (name: string) => Number(new RegExp(` ${name}="([^"]+)"`).exec(rect)![1]);
    return { x: at("x"), width: at("width"), top: at("y"), bottom: at("y") + at("height") };
  }).sort((a, b) => a.x - b.x);
}

Deno.test("usage by tier: a strip's count and share beside its outliers on the side with more, off the box, inside the chart", () => {
  // enterprise, the last tier: 100 × 100 and 100 × 200 requests (quartiles 100 and 200, fences
  // 35.4 and 565.7), 10 organizations at 1 request and 60 at 10,000 beyond them: 70 outliers of
  // 270, 25.9 %. Halfway along the whole strip (log 1 = 0 to log 10,000 = 4: 100 requests) the
  // label sat on the box's lower edge; beside the 60 above the box it is at 10,000.
  const enterprise = [...times(10, 1), ...times(100, 100), ...times(100, 200), ...times(60, 1e4)];
  const free = [10, 10, 10, 10];
  const svg = usageByTierChart(pl.DataFrame({
    tier: [...times(free.length, "free"), ...times(enterprise.length, "enterprise")],
    requests_30d: [...free, ...enterprise],
  })).svg;
  stripTexts(svg, { tier: "enterprise", n: 70, share: "25.9 %" });
  const value = yLogValueAt(svg);
  // the strip: a bar at 1 and one at 10,000 (bins of 4/64 in log10), free has no outlier
  const bars = dotCentres(svg).sort((a, b) => a[1] - b[1]);
  assertEquals(bars.length, 2);
  const [high, low] = bars;
  ok(Math.abs(Math.log10(value(high[1])) - 4) < 4 / 64, `a bar at 10,000: ${value(high[1])}`);
  ok(Math.abs(Math.log10(value(low[1]))) < 4 / 64, `a bar at 1: ${value(low[1])}`);
  // the label: its two lines (10 px, the middle at the text's y) by the 10,000 bar, right of it
  const [label] = labels(svg, "text").filter((l) => l.text.startsWith("n="));
  assertEquals(label.text, "n=70\n25.9 %");
  ok(Math.abs(label.y - high[1]) < 1, `the label at y ${label.y}, the 10,000 bar at ${high[1]}`);
  const [top, bottom] = [label.y - 10, label.y + 10];
  const box = boxRects(svg).at(-1)!;
  ok(bottom < box.top || top > box.bottom, `the label (${top}–${bottom}) off the box's ${box.top}`);
  const barRight = high[0] + 8; // the strip's bars are 16 px wide
  const width = Math.max(...label.text.split("\n").map((line) => drawnWidth(line, 10)));
  const svgWidth = Number(/<svg[^>]* width="(\d+)"/.exec(svg)![1]);
  ok(label.x >= barRight + 2, `the label at x ${label.x}, the strip's right edge ${barRight}`);
  ok(label.x + width <= svgWidth, `the label ends at ${label.x + width} of ${svgWidth}`);
});
