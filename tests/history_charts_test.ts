/**
 * The history charts (lib/history/charts.ts): requests per plan on a log axis, month ticks over
 * one and two years, the margin chart's caption above its legend, and a dozen plans' legend on the
 * chart.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { buildHistoryReport } from "../lib/history/report.ts";
import { snapshotPeriod } from "../lib/history/periods.ts";
import {
  bridgeWaterfallChart,
  logTicks,
  marginByPlanChart,
  mrrByPlanChart,
  planLegend,
  requestsByPlanChart,
} from "../lib/history/charts.ts";
import { assertTextInside, labels } from "./chart_svg.ts";
import { textWidth } from "../lib/report/chart_frame.ts";
import { HISTORY } from "./fixtures/history.ts";

Deno.test("requests per plan: every snapshot, the first too, on a log axis labelled throughout", () => {
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const at = (i: number, asOf: string) => ({ asOf: new Date(asOf), frame: sorted[i].frame });
  const report = buildHistoryReport([
    at(0, "2026-02-01T00:00:00Z"),
    at(1, "2026-03-01T00:00:00Z"),
    at(2, "2026-04-01T00:00:00Z"),
  ], false);
  const svg = requestsByPlanChart(report.planTrends, { periods: report.periods }).svg;
  // x ticks are the months the snapshots close: the baseline (end of January) first
  for (const tick of [">2026-01<", ">02<", ">03<"]) ok(svg.includes(tick), tick);
  ok(!svg.includes(">2026-02-01<") && !svg.includes(">Feb<"), "no as-of dates on the axis");

  // 1, 2, 3, 4, 5, 6, 8 per decade over two decades; the domain from a tick to a tick
  assertEquals(logTicks(1.3e6, 7.5e7), {
    ticks: [1e6, 2e6, 3e6, 4e6, 5e6, 6e6, 8e6, 1e7, 2e7, 3e7, 4e7, 5e7, 6e7, 8e7],
    domain: [1e6, 8e7],
  });
  // four decades: 1, 2, 5; five or more: the powers of ten
  assertEquals(logTicks(150, 9e5).ticks, [
    100,
    200,
    500,
    1e3,
    2e3,
    5e3,
    1e4,
    2e4,
    5e4,
    1e5,
    2e5,
    5e5,
    1e6,
  ]);
  assertEquals(logTicks(150, 2e6).ticks, [100, 1e3, 1e4, 1e5, 1e6, 1e7]);
  assertEquals(logTicks(3, 3e7).ticks, [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8]);
});

Deno.test("two years of months: every other tick labelled, none touching; 13 months each labelled", () => {
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  // as-ofs 2025-01-01 … 2027-01-01: 25 snapshots, months 2024-12 … 2026-12
  const monthly = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      asOf: new Date(Date.UTC(2025, i, 1)),
      frame: sorted[i % sorted.length].frame,
    }));
  const report = buildHistoryReport(monthly(25), false);
  // By hand: 25 labels share 880 − 84 − 20 = 776 px, 31.04 px each. "2025-01" is 6 digits at
  // 7.6 + a hyphen at 4.7 = 50.3 px, "12" 15.2 px: beside each other they need
  // (15.2 + 50.3) / 2 + 6 = 38.75 px > 31.04, so not every month. Every 2nd (62.08 px), counted
  // back from 2026-12: the widest pair, "2024-12" and "2025-02", needs 50.3 + 6 = 56.3 px: fits.
  const everyOther = [
    ["2024-12", "2025-02", "04", "06", "08", "10", "12"],
    ["2026-02", "04", "06", "08", "10", "12"],
  ].flat();
  for (
    const chart of [
      mrrByPlanChart(report.planEnds, { periods: report.periods }),
      marginByPlanChart(report.planTrends, { periods: report.periods }),
      requestsByPlanChart(report.planTrends, { periods: report.periods }),
    ]
  ) {
    const shown = labels(chart.svg, "x-axis tick label").filter((l) => l.text !== "");
    assertEquals(shown.map((l) => l.text), everyOther, chart.name);
    for (let i = 1; i < shown.length; i++) {
      const [a, b] = [shown[i - 1], shown[i]];
      // centred under their ticks: a's right edge left of b's left edge
      const room = b.x - a.x - (textWidth(a.text) + textWidth(b.text)) / 2;
      ok(room >= 6, `${chart.name}: "${a.text}" and "${b.text}" ${room.toFixed(1)} px apart`);
    }
  }
  // the last a month to date (as-of 2026-12-03 09:30 for 2025-12-01): "12 (to 12-03 09:30 UTC)",
  // centred under its month, is far wider than the half month beyond it: the right margin grows to
  // hold it (assertTextInside)
  const toDate = buildHistoryReport([
    ...monthly(24),
    { asOf: new Date("2026-12-03T09:30:00Z"), frame: sorted[0].frame },
  ], false);
  for (
    const chart of [
      mrrByPlanChart(toDate.planEnds, { periods: toDate.periods }),
      requestsByPlanChart(toDate.planTrends, { periods: toDate.periods }),
    ]
  ) {
    const shown = labels(chart.svg, "x-axis tick label").filter((l) => l.text !== "");
    assertEquals(shown.at(-1)?.text, "12 (to 12-03 09:30 UTC)", chart.name);
    assertTextInside(chart.svg, "x-axis tick label"); // (it ran past the right edge)
  }
  // 13 months (2024-12 … 2025-12): 59.7 px each, room for every month's label, as before
  const year = buildHistoryReport(monthly(13), false);
  const yearSvg = mrrByPlanChart(year.planEnds, { periods: year.periods }).svg;
  assertEquals(
    labels(yearSvg, "x-axis tick label").map((l) => l.text),
    ["2024-12", "2025-01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"],
  );
});

Deno.test("margin per plan: the caption is one line above the legend, a month to date's range too", () => {
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const at = (i: number, asOf: string) => ({ asOf: new Date(asOf), frame: sorted[i].frame });
  // the longest range: a month to date to the minute, on demo data (its lead opens the caption);
  // so long, the caption wrapped beside the legend and left "out." alone on a third line
  for (
    const { last, demo, range } of [
      { last: "2026-12-02T00:00:00Z", demo: false, range: "2026-01 to 2026-12 (before 12-02)" },
      {
        last: "2026-12-07T19:06:00Z",
        demo: true,
        range: "2026-01 to 2026-12 (to 12-07 19:06 UTC)",
      },
    ]
  ) {
    const report = buildHistoryReport([
      at(0, "2026-02-01T00:00:00Z"),
      at(1, "2026-03-01T00:00:00Z"),
      at(2, last),
    ], false);
    const svg = marginByPlanChart(report.planTrends, { periods: report.periods, note: { demo } })
      .svg;
    // caption lines are the frame's grey 11 px texts; wrapped, they ran into the legend and the plot
    const captions = [...svg.matchAll(/<text x="12" y="(\d+)"[^>]*>(.*?)<\/text>/g)]
      .filter((m) => m[0].includes('fill="#555"'));
    assertEquals(captions.length, 1, captions.map((m) => m[2]).join(" / "));
    assertEquals(captions[0][1], "42");
    ok(captions[0][2].includes(range), captions[0][2]);
    ok(captions[0][2].endsWith("plans without MRR left out."), captions[0][2]);
  }
});

Deno.test("a dozen plans (tiers and plan versions): the legend stays on the chart, no Plot warning", () => {
  const plans = [
    "enterprise",
    "enterprise (contract)",
    "free",
    "growth",
    "pro",
    "pro (seat, legacy)",
    "pro 2025-12-10",
    "team",
    "team (bundle, legacy)",
    "team 2025-12-10",
    "startup (credits, legacy)",
  ];
  const xs = (svg: string) => [...svg.matchAll(/<rect x="(-?[\d.]+)"/g)].map((m) => Number(m[1]));
  const legendSvg = planLegend({ domain: plans, range: plans.map(() => "#000") });
  ok(Math.min(...xs(legendSvg)) >= 0, legendSvg); // at full length the first began at x < 0
  // each plan in one snapshot only: a series of one point each
  const trends = pl.DataFrame({
    month: plans.map((_, i) => (i < 5 ? "2026-10-01" : "2026-11-01")),
    plan: plans,
    mrr_margin_after_ptb_llm_pct: plans.map((_, i) => 90 - i),
  });
  const periods = new Map(
    ["2026-10-01", "2026-11-01"].map((k) => [k, snapshotPeriod(new Date(`${k}T00:00:00Z`))]),
  );
  const { svg } = marginByPlanChart(trends, { periods });
  ok(!svg.includes("⚠"), "Plot's warning glyph");
});

Deno.test("the MRR bridge waterfall: a month to date's end label, to the minute, stays on the chart", () => {
  const sorted = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const at = (i: number, asOf: string) => ({ asOf: new Date(asOf), frame: sorted[i].frame });
  // an export's snapshot in the afternoon closes the history: "end⏎(2026-12 to 12-07 16:35 UTC)"
  // under the last of 7 bars ran ~20 px past the chart's right edge, "UTC)" cut off in the PNG
  const report = buildHistoryReport([
    at(0, "2026-11-01T00:00:00Z"),
    at(1, "2026-12-07T16:35:00Z"),
  ], false);
  const svg = bridgeWaterfallChart(report.company, { periods: report.periods }).svg;
  const shown = labels(svg, "x-axis tick label");
  assertEquals(shown.at(-1)?.text, "end\n(2026-12 to 12-07 16:35 UTC)");
  const width = Number(/<svg[^>]* width="(\d+)"/.exec(svg)?.[1]);
  assertEquals(width, 880);
  for (const label of shown) {
    for (const line of label.text.split("\n")) {
      // centred under its bar: half its width either side
      const [left, right] = [label.x - textWidth(line) / 2, label.x + textWidth(line) / 2];
      ok(left >= 0 && right <= width, `"${line}" spans ${left.toFixed(0)}–${right.toFixed(0)}`);
    }
  }
});
