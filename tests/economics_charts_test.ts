/**
 * lib/economics/charts.ts and plan_charts.ts: the economics charts on the hand-computed economics
 * fixture. Unknown margins, PTB timing and long plan names on the plan charts:
 * economics_plan_charts_test.ts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { economicsCharts, mrrVsRequestsChart, reportCharts } from "../lib/economics/charts.ts";
import { marginByPlanChart, mrrPer1kRequestsByPlanChart } from "../lib/economics/plan_charts.ts";
import { perPlanRows, perPlanTable } from "../lib/economics/per_plan.ts";
import {
  costAndMrrByTierChart,
  DEMO_NOTE,
  marginByTierChart,
  marginVsMrrChart,
  requestsVsCostChart,
  svgToPng,
  usageByTierChart,
} from "../lib/report/charts.ts";
import { economicsFrameWithF, revenue, withEconomics } from "./economics_fixture.ts";
import { assertMarksInside, assertTextInside, labels, ticks } from "./chart_svg.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { goldenDemoData } from "./fixtures/golden_demo.ts";
import pl from "nodejs-polars";
import { caption, count } from "./economics_chart_readers.ts";

Deno.test("margin by plan: a bar per plan and basis with its margin and n, hover titles", async () => {
  const chart = marginByPlanChart(await economicsFrameWithF());
  // 5 plans × 2 bases, less free (no margin on either basis): 4 × 2 = 8 bars + 2 legend swatches.
  assertEquals(count(chart.svg, "rect"), 8 + 2);
  // pro (seat, legacy): company 24,000 / 265 = 90.6 % over b and f; spec 18,800 / 240 = 78.3 %.
  ok(chart.svg.includes("90.6 % · n=2"), chart.svg);
  ok(chart.svg.includes("78.3 % · n=2"));
  // team bundle: spec −50 %, company 22.2 %; the title names the plan for hovering.
  ok(chart.svg.includes("−50.0 % · n=1"));
  ok(chart.svg.includes("<title>team (bundle, legacy)\nall LLM cost (spec): −50.0 % margin"));
});

Deno.test("MRR vs requests: a dot per organization with MRR and requests, named on hover", async () => {
  const chart = mrrVsRequestsChart(await economicsFrameWithF());
  // a, b, c, d, f have MRR > 0 and requests; e (free, $0) is left out and counted.
  ok(chart.svg.includes("5 organizations with MRR &gt; 0 and requests; 1 with no MRR"), chart.svg);
  assertEquals(count(chart.svg, "circle"), 5);
  ok(chart.svg.includes("<title>F\npro (seat, legacy)\nMRR $40 · 8,000 requests</title>"));
});

Deno.test("every chart of an export of demo data opens its caption saying so; of other data none does", async () => {
  const { frame } = await goldenDemoData();
  const demo = reportCharts(frame, { demo: true });
  assertEquals(demo.length, 8);
  for (const chart of demo) {
    // the first caption line (y 42), bold
    ok(
      chart.svg.includes(
        `font-size="11" fill="#555" font-family="DejaVu Sans, sans-serif"><tspan font-weight="bold" fill="#92400e">${DEMO_NOTE}</tspan> `,
      ) && /<text x="12" y="42"[^>]*><tspan font-weight="bold"/.test(chart.svg),
      chart.name,
    );
  }
  ok(reportCharts(frame).every((chart) => !chart.svg.includes("Demo data")));
});

Deno.test("MRR vs requests names the window's days in its title and request axis, 30 as well as 7", async () => {
  const frame = await economicsFrameWithF();
  const month = mrrVsRequestsChart(frame).svg;
  ok(month.includes("MRR vs requests per organization (30 days)"), month);
  ok(month.includes("Requests in 30 days (log scale)"));
  ok(!month.includes("(window)") && !month.includes("in window"));
  const week = mrrVsRequestsChart(frame, { windowDays: 7 }).svg;
  ok(week.includes("MRR vs requests per organization (7 days)"));
  ok(week.includes("Requests in 7 days (log scale)"));
});

Deno.test("MRR vs requests: an organization's name on one line in its hover title, no RTL override", async () => {
  const frame = await economicsFrameWithF();
  const names = frame.getColumn("org_name").toArray() as string[];
  const named = frame.withColumns(
    pl.Series("org_name", names.map((n) => n === "F" ? "F\nsecond line\u202E" : n)),
  );
  const svg = mrrVsRequestsChart(named).svg;
  ok(svg.includes("<title>F second line\npro (seat, legacy)\nMRR $40"), svg);
  ok(!svg.includes("\u202E"));
});

Deno.test("cost and MRR by tier: each tier on its own scale, company cost as a third bar", async () => {
  const chart = costAndMrrByTierChart(await economicsFrameWithF());
  // free, pro, team, enterprise × (all LLM cost, company cost, MRR) + 3 legend swatches
  assertEquals(count(chart.svg, "rect"), 4 * 3 + 3);
  // enterprise: cost $2,000, company $1,000, MRR $3,000 → labels in USD ($3.00k: three digits, as
  // usdLabel states an amount) on bars of 67 / 33 / 100 %
  ok(chart.svg.includes("enterprise: MRR $3.00k"));
  // the axis is a share, labelled to 100 %: the room above it for the bars' labels has no tick
  assertEquals(ticks(chart.svg, "y"), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
});

Deno.test("report charts: the economics charts lead, and every one rasterizes", async () => {
  const frame = await economicsFrameWithF();
  const charts = reportCharts(frame);
  assertEquals(charts.slice(0, 3).map((c) => c.name), [
    "margin_by_plan",
    "mrr_vs_requests",
    "mrr_per_1k_requests_by_plan",
  ]);
  assertEquals(charts.length, 3 + 5);
  for (const chart of economicsCharts(frame)) ok(svgToPng(chart.svg, 400).length > 1000);
});

Deno.test("margin by plan labels a margin of -1,000 % or below with its thousands separator", async () => {
  const frame = await economicsFrameWithF();
  const plans = perPlanRows(perPlanTable(frame, { windowDays: 30 }))
    .map((row, i) =>
      i === 0 ? { ...row, margin_all_pct: -76174.25, margin_company_pct: -1479.7 } : row
    );
  const texts = labels(marginByPlanChart(frame, { plans }).svg, "text").map((l) => l.text);
  ok(texts.some((t) => t.startsWith("−76,174.3 % · n=")), texts.join("\n"));
  ok(texts.some((t) => t.startsWith("−1,479.7 % · n=")), texts.join("\n"));
});

Deno.test("margin by plan with no margin (Stripe skipped): the caption says 0 organizations", async () => {
  const frame = await economicsFrameWithF();
  const plans = perPlanRows(perPlanTable(frame, { windowDays: 30 }))
    .map((row) => ({ ...row, mrr: null, margin_all_pct: null, margin_company_pct: null }));
  const chart = marginByPlanChart(frame, { plans });
  assertEquals(count(chart.svg, "rect"), 2); // the legend's swatches only
  ok(caption(chart.svg).includes("0 organizations with a margin"), caption(chart.svg));
  // every plan stays, each basis a "–" saying why
  assertEquals(labels(chart.svg, "fy-axis tick label").length, 5);
  const texts = labels(chart.svg, "text").map((l) => l.text);
  assertEquals(texts.length, 10);
  ok(texts.every((t) => t.endsWith(": – not known, MRR not known")), texts.join("\n"));
  // with margins, no such sentence
  ok(!marginByPlanChart(frame).svg.includes("0 organizations with a margin"));
});

Deno.test("a chart with nothing to draw says so in its frame, its log axes without invented ticks", async () => {
  // every organization of the fixture without MRR and without requests: no dot, no box
  const frame = (await economicsFrameWithF()).withColumns(
    pl.lit(0).alias("mrr"),
    pl.lit(null).cast(pl.Float64).alias("gross_margin_pct"),
    pl.lit(0).alias("requests_30d"),
  );
  const empty = {
    mrr_vs_requests: "no organization with MRR > 0 and requests",
    margin_vs_mrr: "no organization with MRR > 0",
    margin_by_tier: "no organization with MRR > 0",
    requests_vs_llm_cost: "no organization with requests and cost",
    usage_by_tier: "no organization with requests",
  };
  const charts = [
    mrrVsRequestsChart(frame),
    marginVsMrrChart(frame),
    marginByTierChart(frame),
    requestsVsCostChart(frame),
    usageByTierChart(frame),
  ];
  for (const chart of charts) {
    const said = labels(chart.svg, "text").map((l) => l.text);
    assertEquals(said, [`Nothing to draw: ${empty[chart.name as keyof typeof empty]}`], chart.name);
    assertTextInside(chart.svg, "text");
  }
  // the log axes keep their label and show no tick: Plot's own read $1 … $10, 1 … 10
  const [mrrVsRequests, marginVsMrr] = charts;
  assertEquals(labels(mrrVsRequests.svg, "x-axis tick label"), []);
  assertEquals(labels(mrrVsRequests.svg, "y-axis tick label"), []);
  assertEquals(labels(marginVsMrr.svg, "x-axis tick label"), []);
  ok(mrrVsRequests.svg.includes("Requests in 30 days (log scale)"));
  ok(mrrVsRequests.svg.includes("MRR (USD per month, log scale)"));
  // with something to draw, no such line
  const fixture = await economicsFrameWithF();
  for (const chart of [mrrVsRequestsChart(fixture), marginVsMrrChart(fixture)]) {
    ok(!chart.svg.includes("Nothing to draw"), chart.name);
  }
});

Deno.test("cost and MRR by tier on 7-day data: costs × 30/7 beside monthly MRR, and it says so", async () => {
  const frame = await economicsFrameWithF();
  const chart = costAndMrrByTierChart(frame, { windowDays: 7 });
  ok(chart.svg.includes("costs on a 30-day basis"), chart.svg);
  ok(chart.svg.includes("7-day costs × 30/7, beside monthly MRR."));
  ok(chart.svg.includes("LLM cost, all (30-day basis)"));
  // enterprise: all LLM cost $2,000 × 30/7 = $8,571; company $1,000 × 30/7 = $4,286; MRR $3,000
  ok(chart.svg.includes("enterprise: LLM cost, all (30-day basis) $8.57k"), chart.svg);
  ok(chart.svg.includes("enterprise: company cost $4.29k"));
  ok(chart.svg.includes("enterprise: MRR $3.00k"));
  // 30 days: as before
  const month = costAndMrrByTierChart(frame, { windowDays: 30 }).svg;
  ok(
    month.includes("enterprise: LLM cost, all (30 days) $2.00k") && !month.includes("30-day basis"),
  );
});

Deno.test("margin charts of a 7-day window say its cost is on a 30-day basis (× 30/7), as cost and MRR by tier does", async () => {
  const frame = await economicsFrameWithF();
  const plan = marginByPlanChart(frame, { windowDays: 7 }).svg;
  ok(
    caption(plan).startsWith(
      "7-day costs and PTB revenue × 30/7, beside monthly MRR. Company: (MRR + PTB revenue",
    ),
    caption(plan),
  );
  // pro (seat, legacy), b and f: spec (240 − 52 × 30/7) / 240 = 7.1 % (78.3 % on 30 days)
  ok(plan.includes("7.1 % · n=2"), plan);
  for (const draw of [marginVsMrrChart, marginByTierChart]) {
    const week = caption(draw(frame, { windowDays: 7 }).svg);
    ok(week.startsWith("7-day LLM cost × 30/7, beside monthly MRR. "), week);
    const quarter = caption(draw(frame, { windowDays: 90 }).svg);
    ok(quarter.startsWith("90-day LLM cost × 30/90, beside monthly MRR. "), quarter);
  }
  // 30 days: the cost is the month's, nothing to say
  for (const draw of [marginByPlanChart, marginVsMrrChart, marginByTierChart]) {
    ok(!draw(frame, { windowDays: 30 }).svg.includes("beside monthly MRR"), draw.name);
  }
});

Deno.test("MRR per 1,000 requests on 7-day data: divided by requests on a 30-day basis, and it says so", async () => {
  const frame = await economicsFrameWithF();
  const chart = mrrPer1kRequestsByPlanChart(frame, { windowDays: 7 });
  ok(chart.svg.includes("MRR and LLM cost per 1,000 requests by plan (30-day basis)"), chart.svg);
  // each ratio said with its own divisor, MRR's × 30/7, LLM cost's not (it cancels)
  assertEquals(
    caption(chart.svg),
    "Per plan: monthly MRR ÷ its requests on a 30-day basis (7-day requests × 30/7) × 1,000; 7-day LLM cost ÷ 7-day requests × 1,000. Company = PTB LLM cost (BYOK is paid by the customer).",
  );
  // enterprise: $3,000 / (1,000,000 × 30/7) × 1,000 = $0.7000
  ok(chart.svg.includes("MRR per 1,000 requests: $0.7000"), chart.svg);
  // its LLM cost not scaled: $2,000 / 1,000,000 × 1,000 = $2.0000, as on 30 days
  ok(chart.svg.includes("LLM cost, all per 1,000 requests: $2.0000"), chart.svg);
  const month = mrrPer1kRequestsByPlanChart(frame).svg;
  assertEquals(
    caption(month),
    "Per plan: MRR and LLM cost ÷ its requests in the 30 days × 1,000. Company = PTB LLM cost (BYOK is paid by the customer).",
  );
  ok(month.includes("MRR per 1,000 requests: $3.0000")); // $3,000 / 1,000,000 × 1,000
});

Deno.test("MRR vs requests on 1, 3 and 5 organizations and the demo: dots inside the frame, ticks around them, whole requests", async () => {
  const fixture = await economicsFrameWithF();
  const frames: [number | string, pl.DataFrame][] = [
    [1, fixture.head(1)],
    [3, fixture.head(3)],
    [5, fixture.head(5)],
    ["demo", (await goldenDemoData()).frame],
  ];
  for (const [name, frame] of frames) {
    const svg = mrrVsRequestsChart(frame).svg;
    assertMarksInside(svg, 6, `mrr_vs_requests of ${name}`);
    assertTextInside(svg, "x-axis tick label");
    assertTextInside(svg, "y-axis tick label");
    ok(ticks(svg, "x").every(Number.isInteger), `${name}: ${ticks(svg, "x")}`);
  }
  const chart = (n: number) => mrrVsRequestsChart(fixture.head(n)).svg;
  // a: 20,000 requests, $79
  assertEquals(ticks(chart(1), "x"), [1e4, 2e4, 3e4]);
  assertEquals(ticks(chart(1), "y"), [70, 80]);
  // a, b, c: 2,000 to 100,000 requests; $79 to $200
  assertEquals(ticks(chart(3), "x"), [2e3, 5e3, 1e4, 2e4, 5e4, 1e5]);
  assertEquals(ticks(chart(3), "y"), [70, 80, 90, 100, 200]);
  // a–d (e pays $0): 2,000 to 1,000,000 requests; $79 (below the old lowest tick, $100) to $3,000
  assertEquals(ticks(chart(5), "x"), [2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6]);
  assertEquals(ticks(chart(5), "y"), [50, 100, 200, 500, 1e3, 2e3, 5e3]);
});

Deno.test("MRR per 1,000 requests: money ticks as $200k, the last one inside the chart", async () => {
  // one organization: $200 MRR, 1 request in the window → $200 / 1 × 1,000 = $200,000 per 1,000
  // requests (LLM cost $0.50 → $500); the axis runs to $200k
  const frame = await withEconomics(
    exportFrameFromColumns({
      org_id: ["a"],
      org_name: ["A"],
      tier: ["pro"],
      tier_raw: ["pro-20251210"],
      stripe_customer_id: ["cus_a"],
      seats: [1],
      requests_30d: [1],
      llm_cost_30d: [0.5],
      llm_cost_ptb_30d: [0.5],
      llm_cost_byok_30d: [0],
      mrr: [200],
      mrr_recurring: [200],
      revenue_source: ["stripe"],
    }),
    revenue({ cus_a: 0 }),
  );
  const svg = mrrPer1kRequestsByPlanChart(frame).svg;
  ok(svg.includes("MRR per 1,000 requests: $200,000.0000"), svg);
  const xTicks = labels(svg, "x-axis tick label").map((l) => l.text);
  assertEquals(xTicks.at(-1), "$200k");
  assertEquals(xTicks[0], "$0");
  ok(xTicks.every((t) => /^\$\d+(\.\d+)?k?$/.test(t)), xTicks.join(" "));
  assertTextInside(svg, "x-axis tick label");
});

Deno.test("one organization: no chart says '1 organizations' in its caption or hover titles", async () => {
  const fixture = await economicsFrameWithF();
  // a alone (pro, $79, 20,000 requests); and b with it, one plan of two organizations
  for (const frame of [fixture.head(1), fixture.head(2)]) {
    const charts = reportCharts(frame);
    assertEquals(charts.length, 3 + 5);
    for (const chart of charts) {
      const one = /(^|[^\d,.])1 organizations/.exec(chart.svg);
      ok(one === null, `${chart.name}: ${chart.svg.slice(one?.index, (one?.index ?? 0) + 80)}`);
    }
  }
  // the counts said in the singular (a: MRR > 0, requests and cost)
  const [margin, mrrVsRequests] = reportCharts(fixture.head(1));
  ok(margin.svg.includes("n = 1 organization\n") || margin.svg.includes("n = 1 organization<"));
  ok(caption(mrrVsRequests.svg).startsWith("1 organization with MRR &gt; 0 and requests"));
});
