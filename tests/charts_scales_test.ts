/**
 * The charts' scales: money and count ticks on log axes (dollars, B and T), margin axes fitted to
 * the margins, thousands separators and hexagons of dense charts, marks inside the frame on tiny
 * data and the demo.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { goldenDemoData } from "./fixtures/golden_demo.ts";
import {
  costAndMrrByTierChart,
  countTick,
  marginByTierChart,
  marginVsMrrChart,
  requestsVsCostChart,
  usageByTierChart,
  usdLabel,
  usdTick,
} from "../lib/report/charts.ts";
import {
  assertMarksInside,
  assertTextInside,
  hexagonValues,
  labels,
  ticks,
  triangleValues,
} from "./chart_svg.ts";
import { economicsFrameWithF } from "./economics_fixture.ts";
import { captionLines } from "./chart_readers.ts";

Deno.test("money ticks read as dollars on a log axis", () => {
  assertEquals([usdTick(0.1), usdTick(20), usdTick(1000), usdTick(2_500_000)], [
    "$0.1",
    "$20",
    "$1k",
    "$2.5M",
  ]);
});

Deno.test("ticks past a million read B and T, rounded before the suffix is chosen (not 1000M, 1000k)", () => {
  assertEquals(
    [usdTick(1e9), usdTick(2.5e9), usdTick(1e12), usdTick(999_999), usdTick(999.9)],
    ["$1B", "$2.5B", "$1T", "$1M", "$1k"],
  );
  assertEquals(
    [countTick(1e8), countTick(1e9), countTick(3e10), countTick(1e12), countTick(999_500_000)],
    ["100M", "1B", "30B", "1T", "1B"],
  );
  assertEquals([countTick(0), countTick(12_345), usdTick(-2_000_000)], ["0", "12.3k", "\u2212$2M"]);
});

Deno.test("an amount a chart states keeps three digits ($1.00M for 1,004,640, $10.0M beside $2.87M); a tick stays $1M", () => {
  assertEquals(
    [1_004_640, 10_040_000, 2_870_000, 1200, 999_999, 461, 0, 0.5, -1500].map(usdLabel),
    ["$1.00M", "$10.0M", "$2.87M", "$1.20k", "$1.00M", "$461", "$0", "$0.5", "\u2212$1.50k"],
  );
  // pro: MRR 1,000,000 + 4,640, LLM cost 250,000; team: MRR 10,040,000, LLM cost 2,870,000
  const frame = pl.DataFrame({
    tier: ["pro", "pro", "team"],
    mrr: pl.Series("mrr", [1_000_000, 4_640, 10_040_000], pl.Float64),
    llm_cost_30d: [250_000, 0, 2_870_000],
  });
  const bars = costAndMrrByTierChart(frame).svg;
  const stated = [...bars.matchAll(/>(\$[^<]*)<\/text>/g)].map((m) => m[1]);
  assertEquals(stated, ["$250k", "$1.00M", "$2.87M", "$10.0M"]); // were $1M and $10M
  ok(bars.includes("<title>pro: MRR $1.00M</title>"), "the bar's hover title");
  // a log axis' tick at a million: $1M, a round value
  const axis = requestsVsCostChart(pl.DataFrame({
    requests_30d: [10, 1e6],
    llm_cost_30d: [1, 1_004_640],
    tier: ["pro", "team"],
  })).svg;
  ok(labels(axis, "y-axis tick label").some((l) => l.text === "$1M"), "a $1M tick");
});

Deno.test("a chart of billions of requests labels its axis 1B, 10B, … (was 1000M, 10000M)", () => {
  // three organizations from 1M to 300B requests: the x axis spans decades past a billion
  const frame = pl.DataFrame({
    requests_30d: [1e6, 2e9, 3e11],
    llm_cost_30d: [10, 20_000, 3e6],
    tier: ["pro", "team", "enterprise"],
  });
  const svg = requestsVsCostChart(frame).svg;
  const xLabels = labels(svg, "x-axis tick label").map((l) => l.text);
  ok(xLabels.includes("1B") && xLabels.includes("100B"), xLabels.join(" "));
  ok(xLabels.every((t) => !/\d{4}M/.test(t)), xLabels.join(" "));
  assertEquals(ticks(svg, "x").at(-1), 3e11); // "300B"
  assertTextInside(svg, "x-axis tick label");
  // money: $3M of cost on the y axis
  ok(labels(svg, "y-axis tick label").some((l) => l.text === "$1M"));
});

/** The y axis' tick labels of a chart (Plot writes a minus sign as U+2212). */
function yTicks(svg: string): string[] {
  const axis = svg.match(/<g [^>]*aria-label="y-axis tick label"[^>]*>(.*?)<\/g>/s)![1];
  return [...axis.matchAll(/>([^<]+)<\/text>/g)].map((m) => m[1].replace("−", "-"));
}

Deno.test("margin axes fit the margins: from 0 when none is negative, to the lowest one above the floor", () => {
  const paying = (margins: number[]) =>
    pl.DataFrame({
      org_name: margins.map((_, i) => `o${i}`),
      tier: margins.map(() => "pro"),
      mrr: pl.Series("mrr", margins.map(() => 100), pl.Float64),
      gross_margin_pct: pl.Series("gross_margin_pct", margins, pl.Float64),
    });
  for (const chart of [marginVsMrrChart, marginByTierChart]) {
    const positive = chart(paying([40, 60, 95])).svg;
    assertEquals(yTicks(positive).map(Number).sort((a, b) => a - b)[0], 0);
    ok(!positive.includes("below -300"), "no clipped note when nothing is clipped");
    const negative = yTicks(chart(paying([-120, 60])).svg).map(Number);
    const lowest = Math.min(...negative);
    ok(lowest <= -120 && lowest > -300, `lowest tick ${lowest}`);
  }
});

Deno.test("captions count with thousands separators; every hexagon of a dense chart is visibly blue", () => {
  const n = 6000; // above MAX_DOTS: hexagons
  const dense = pl.DataFrame({
    org_name: Array.from({ length: n }, (_, i) => `o${i}`),
    tier: Array.from({ length: n }, () => "pro"),
    // one organization far from the rest: a hexagon of one next to hexagons of thousands
    mrr: pl.Series("mrr", Array.from({ length: n }, (_, i) => i === 0 ? 5000 : 100), pl.Float64),
    gross_margin_pct: pl.Series(
      "gross_margin_pct",
      Array.from({ length: n }, (_, i) => i === 0 ? -50 : 50 + (i % 40)),
      pl.Float64,
    ),
    requests_30d: Array.from({ length: n }, (_, i) => i === 0 ? 1_000_000 : 100 + i),
    llm_cost_30d: Array.from({ length: n }, (_, i) => i === 0 ? 900 : 1 + i / 1000),
  });
  const margin = marginVsMrrChart(dense).svg;
  ok(
    margin.includes(
      "6,000 organizations with MRR &gt; 0 (0 without MRR on their row not shown: none, unknown, or on a shared Stripe customer's other row).",
    ),
  );
  ok(requestsVsCostChart(dense).svg.includes("6,000 organizations with requests and cost; 0 "));
  for (const svg of [margin, requestsVsCostChart(dense).svg]) {
    const fills = [...svg.matchAll(/<path fill="rgb\((\d+), (\d+), (\d+)\)" d="M/g)]
      .map((m) => (Number(m[1]) + Number(m[2]) + Number(m[3])) / 3);
    ok(fills.length > 2, `${fills.length} hexagons`);
    // Blues from 0.3 up: the palest hexagon (one organization) is rgb(181, 212, 233)-ish, not white
    ok(Math.max(...fills) < 215, `palest hexagon's mean channel ${Math.max(...fills)}`);
  }
  ok(margin.includes("darker = more organizations (log scale)"));
});

Deno.test("a dense margin vs MRR: margins below the floor are ▼ on it, no hexagon centred above 100 % or holding them", () => {
  // 6,000 paying organizations (above MAX_DOTS: hexagons): every third at 100 %, the others
  // 60–99 %; and 10 more at −1,000 %, below the −300 % floor
  const n = 6000;
  const margins = Array.from({ length: n }, (_, i) => i % 3 === 0 ? 100 : 60 + (i % 40));
  const dense = pl.DataFrame({
    org_name: Array.from({ length: n + 10 }, (_, i) => `o${i}`),
    tier: Array.from({ length: n + 10 }, () => "pro"),
    mrr: pl.Series(
      "mrr",
      Array.from({ length: n + 10 }, (_, i) => i < n ? 100 + (i % 50) * 10 : 2000 + 300 * (i - n)),
      pl.Float64,
    ),
    gross_margin_pct: pl.Series(
      "gross_margin_pct",
      [...margins, ...Array(10).fill(-1000)],
      pl.Float64,
    ),
  });
  // drawn from every point and from grid counts
  for (const limit of [{}, { maxDrawnPoints: 1000 }]) {
    const svg = marginVsMrrChart(dense, limit).svg;
    const hexagons = hexagonValues(svg);
    ok(hexagons.length > 10, `${hexagons.length} hexagons`);
    // the top row was centred at ~+108 %, and the −1,000 % ones were hexagons near −290 %
    const [lowest, highest] = [Math.min(...hexagons), Math.max(...hexagons)];
    ok(highest <= 100 + 1e-6, `a hexagon centred at ${highest} %`);
    ok(lowest >= 60 - 22, `a hexagon centred at ${lowest} %`); // (a row is 22 % apart here)
    const triangles = triangleValues(svg);
    ok(triangles.length > 0, "no ▼");
    ok(triangles.every((v) => Math.abs(v - -300) < 1e-6), `${triangles}`);
    const caption = captionLines(svg).join(" ").replaceAll("&#39;", "'");
    ok(
      caption.endsWith(
        "; 10 below −300 % drawn as ▼ at −300 % (binned and shaded as the hexagons).",
      ),
      caption,
    );
  }
});

/**
 * The scatter and box charts of 1, 3 and 5 organizations of the economics fixture (a: 20,000
 * requests, $30 LLM cost, $79; b: 2,000, $12, $200; c: 100,000, $300, $200; d: 1,000,000,
 * $2,000, $3,000; e: 500, $1, $0) and of the demo: every mark inside the frame, labelled ticks
 * at or beyond the lowest and highest values, request counts in whole numbers, no tick label
 * past the edge. They sat on the frame's corners and edges, half over the axes, a $79 dot below
 * the lowest labelled tick ($100), and 1, 1.2, 1.4 … requests.
 */
Deno.test("scatter and box charts on tiny data and the demo: marks inside the frame, ticks around them, whole requests", async () => {
  const fixture = await economicsFrameWithF();
  const demo = (await goldenDemoData()).frame;
  const charts = {
    margin_vs_mrr: marginVsMrrChart,
    margin_by_tier: marginByTierChart,
    requests_vs_llm_cost: requestsVsCostChart,
    usage_by_tier: usageByTierChart,
  };
  const requestsAxis = { requests_vs_llm_cost: "x", usage_by_tier: "y" } as const;
  const frames: [number | string, pl.DataFrame][] = [
    [1, fixture.head(1)],
    [3, fixture.head(3)],
    [5, fixture.head(5)],
    ["demo", demo],
  ];
  for (const [name, frame] of frames) {
    for (const [chart, draw] of Object.entries(charts)) {
      const svg = draw(frame).svg;
      const what = `${chart} of ${name}`;
      assertMarksInside(svg, 6, what);
      for (const axis of ["x", "y"] as const) assertTextInside(svg, `${axis}-axis tick label`);
      const axis = requestsAxis[chart as keyof typeof requestsAxis];
      if (axis) {
        const counts = ticks(svg, axis);
        ok(counts.length >= 2 && counts.every(Number.isInteger), `${what}: ${counts}`);
      }
    }
  }
  // the ticks, worked out by hand: 1-2-5 values (1…9 within a decade, 1 and 3 over more than
  // three decades) from one at or below the lowest value to one at or above the highest
  const requestsVsCost = (n: number) => requestsVsCostChart(fixture.head(n)).svg;
  // a alone: 20,000 requests between 10k and 30k, $30 between $20 and $40
  assertEquals(ticks(requestsVsCost(1), "x"), [10_000, 20_000, 30_000]);
  assertEquals(ticks(requestsVsCost(1), "y"), [20, 30, 40]);
  // a, b, c: 2,000 to 100,000 requests; $12 to $300
  assertEquals(ticks(requestsVsCost(3), "x"), [2e3, 5e3, 1e4, 2e4, 5e4, 1e5]);
  assertEquals(ticks(requestsVsCost(3), "y"), [10, 20, 50, 100, 200, 500]);
  // a–e: 500 to 1,000,000 requests (3.3 decades); $1 to $2,000
  assertEquals(ticks(requestsVsCost(5), "x"), [300, 1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6]);
  assertEquals(ticks(requestsVsCost(5), "y"), [1, 3, 10, 30, 100, 300, 1e3, 3e3]);
  // margin vs MRR of a–d (e pays $0): $79 to $3,000 → $50 to $5k; margins −50 % (c) to 94 %
  // (b) on a niced −60 … 100
  const marginVsMrr = marginVsMrrChart(fixture.head(5)).svg;
  assertEquals(ticks(marginVsMrr, "x"), [50, 100, 200, 500, 1e3, 2e3, 5e3]);
  assertEquals(Math.min(...ticks(marginVsMrr, "y")), -60);
});
