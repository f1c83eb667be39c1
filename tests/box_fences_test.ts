/**
 * lib/report/box_fences.ts: a box plot's fences, Tukey's on a linear axis and on the logarithms on
 * a log axis, by hand; usage by tier (a log axis) drawn with them from every point and from
 * aggregates: its whiskers' ends and outliers read back from the SVG.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { fences, whiskers } from "../lib/report/box_fences.ts";
import { usageByTierChart } from "../lib/report/charts.ts";
import { dotCentres, yLogValueAt } from "./chart_svg.ts";

const times = <T>(n: number, value: T): T[] => Array(n).fill(value);
const near = (a: number, b: number, what: string, within = 1e-12) =>
  ok(Math.abs(a - b) <= Math.abs(b) * within, `${what}: ${a} is not ${b}`);

Deno.test("fences: 1.5 × the box's height beyond its quartiles, on the logarithms on a log axis", () => {
  // quartiles 50 and 90: 50 − 1.5 × 40 = −10, 90 + 60 = 150
  assertEquals(fences(50, 90, { log: false }), [-10, 150]);
  // quartiles 100 and 200: a box of log10 2 = 0.30103; 1.5 boxes below 100 is 100 ÷ 2^1.5 =
  // 35.355…, above 200 is 200 × 2^1.5 = 565.685…
  const [low, high] = fences(100, 200, { log: true });
  near(low, 100 / 2 ** 1.5, "lower");
  near(high, 200 * 2 ** 1.5, "upper");
  // the whiskers end at the farthest values inside them; on the raw values (fences −50 and 350)
  // the lower one reached 5 and 565 was an outlier
  const values = [5, 35, 36, 100, 200, 565, 566];
  assertEquals(whiskers(values, { q1: 100, q3: 200, log: true }), [36, 565]);
  assertEquals(whiskers(values, { q1: 100, q3: 200, log: false }), [5, 200]);
});

/**
 * free: 5, 35, 36, 100 × 100, 200 × 100, 565 and 566 requests. 205 values: the quartiles at ranks
 * 204 × 0.25 = 51 and 153 (from 0) are 100 and 200, so the fences are 35.36 and 565.69.
 */
const usage = pl.DataFrame({
  tier: times(205, "free"),
  requests_30d: [5, 35, 36, ...times(100, 100), ...times(100, 200), 565, 566],
});

/** The whisker rule's ends and the outlier dots, as values of the log axis. */
function drawn(svg: string): { whisker: number[]; outliers: number[] } {
  const value = yLogValueAt(svg);
  const rule = /<g [^>]*aria-label="rule"[^>]*><line y2="([^"]+)" y1="([^"]+)"/.exec(svg);
  ok(rule, "a whisker rule");
  return {
    whisker: [Number(rule[2]), Number(rule[1])].map(value).sort((a, b) => a - b),
    outliers: dotCentres(svg).map(([, y]) => value(y)).sort((a, b) => a - b),
  };
}

Deno.test("usage by tier: whiskers from 36 to 565 requests, 5, 35 and 566 outliers (fences on the logarithms), from every point and from aggregates", () => {
  for (const maxDrawnPoints of [Infinity, 10]) {
    const svg = usageByTierChart(usage, { maxDrawnPoints }).svg;
    const { whisker, outliers } = drawn(svg);
    const what = `maxDrawnPoints ${maxDrawnPoints}`;
    assertEquals(whisker.length, 2);
    near(whisker[0], 36, `${what}: the lower whisker`, 1e-9);
    near(whisker[1], 565, `${what}: the upper whisker`, 1e-9);
    assertEquals(outliers.length, 3, what);
    [5, 35, 566].forEach((v, i) => near(outliers[i], v, `${what}: an outlier`, 1e-9));
    const text = svg.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
    ok(
      text.includes("whiskers reach up to 1.5 × the box's height (on the log scale)"),
      "the caption says where the whiskers end",
    );
  }
});
