/**
 * lib/economics/charts.ts and plan_charts.ts: the economics charts on the hand-computed economics
 * fixture.
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
import {
  economicsFixturePtbNotRead,
  economicsFrameWithF,
  frameWithPtbTiming,
  revenue,
  withEconomics,
} from "./economics_fixture.ts";
import { assertMarksInside, assertTextInside, labels, ticks } from "./chart_svg.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { goldenDemoData } from "./fixtures/golden_demo.ts";
import { CHART_COLUMNS, chartPlanTable } from "../lib/report/chart_columns.ts";
import pl from "nodejs-polars";
import { textWidth } from "../lib/report/chart_frame.ts";

const count = (svg: string, tag: string) => svg.split(`<${tag}`).length - 1;

Deno.test("margin by plan: a bar per plan and basis with its margin and n, hover titles", async () => {
  const chart = marginByPlanChart(await economicsFrameWithF());
  // 5 plans × 2 bases, less free (no margin on either basis): 4 × 2 = 8 bars + 2 legend swatches.
  assertEquals(count(chart.svg, "rect"), 8 + 2);
  // pro (seat, legacy): company 24,000 / 265 = 90.6 % over b and f; spec 18,800 / 240 = 78.3 %.
  ok(chart.svg.includes("90.6 % · n=2"), chart.svg);
  ok(chart.svg.includes("78.3 % · n=2"));
  // team bundle: spec −50 %, company 22.2 %; the title names the plan for hovering.
  ok(chart.svg.includes("-50.0 % · n=1"));
  ok(chart.svg.includes("<title>team (bundle, legacy)\nall LLM cost (spec): -50.0 % margin"));
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
  // enterprise: cost $2,000, company $1,000, MRR $3,000 → labels in USD on bars of 67 / 33 / 100 %
  ok(chart.svg.includes("enterprise: MRR $3k"));
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
  ok(texts.some((t) => t.startsWith("-76,174.3 % · n=")), texts.join("\n"));
  ok(texts.some((t) => t.startsWith("-1,479.7 % · n=")), texts.join("\n"));
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
  ok(chart.svg.includes("enterprise: MRR $3k"));
  // 30 days: as before
  const month = costAndMrrByTierChart(frame, { windowDays: 30 }).svg;
  ok(month.includes("enterprise: LLM cost, all (30 days) $2k") && !month.includes("30-day basis"));
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

/** The caption's lines joined: the grey 11 px texts under the title. */
function caption(svg: string): string {
  return [...svg.matchAll(/font-size="11" fill="#555"[^>]*>([^<]*)</g)].map((m) => m[1]).join(" ");
}

Deno.test("margin by plan with PTB revenue not read: every plan on the chart, each unknown margin a '–' with its reason", async () => {
  // a–e with PTB revenue not read: a, c, d and e had PTB cost, so their plans' company margins
  // are not known (as the brief's headline says); b (BYOK only) has one: (200 − 0) / 200 = 100 %.
  // free (e) pays $0: no spec margin either. Spec: enterprise (3,000 − 2,000) / 3,000 = 33.3 %,
  // pro (seat, legacy) (200 − 12) / 200 = 94 %, team −50 %, pro 2025-12-10 (79 − 30) / 79 = 62 %.
  const svg = marginByPlanChart(await economicsFixturePtbNotRead()).svg;
  assertEquals(labels(svg, "fy-axis tick label").map((l) => l.text), [
    "enterprise (contract)",
    "pro (seat, legacy)",
    "team (bundle, legacy)",
    "pro 2025-12-10",
    "free",
  ]);
  // each "–" beside its plan (the nearest plan label: a plan's rows are ±10 px of its label)
  const plans = labels(svg, "fy-axis tick label");
  const beside = (text: string) =>
    labels(svg, "text").filter((l) => l.text === text).map((m) =>
      plans.reduce((a, b) => Math.abs(a.y - m.y) <= Math.abs(b.y - m.y) ? a : b).text
    );
  assertEquals(beside("company cost: – not known, PTB revenue not read"), [
    "enterprise (contract)",
    "team (bundle, legacy)",
    "pro 2025-12-10",
    "free",
  ]);
  assertEquals(beside("all LLM cost (spec): – no margin, MRR $0"), ["free"]);
  const texts = labels(svg, "text").map((l) => l.text);
  for (const margin of ["33.3 %", "100.0 %", "94.0 %", "-50.0 %", "62.0 %"]) {
    ok(texts.includes(`${margin} · n=1`), margin);
  }
  assertEquals(count(svg, "rect"), 5 + 2); // the five known margins and the legend's swatches
  ok(
    caption(svg).endsWith(
      "– = no margin, the reason beside it; PTB revenue not read (the run's warnings say why).",
    ),
    caption(svg),
  );
  assertTextInside(svg, "text");
  assertTextInside(svg, "fy-axis tick label");
  // a alone: its plan stays, its spec margin beside a '–' for the company margin
  const one = marginByPlanChart(await economicsFixturePtbNotRead().then((f) => f.head(1))).svg;
  assertEquals(labels(one, "fy-axis tick label").map((l) => l.text), ["pro 2025-12-10"]);
  assertEquals(labels(one, "text").map((l) => l.text).sort(), [
    "62.0 % · n=1",
    "company cost: – not known, PTB revenue not read",
  ]);
});

Deno.test("MRR per 1,000 requests: a plan whose MRR is not known has a '–' where its MRR bar would be, and the caption says so", async () => {
  // the fixture with enterprise's MRR not read (revenue_source none): its cost bars stay
  const fixture = await economicsFrameWithF();
  const plans = fixture.getColumn("plan").toArray() as (string | null)[];
  const unread = fixture.withColumns(
    pl.when(pl.col("plan").eq(pl.lit("enterprise (contract)")))
      .then(pl.lit(null).cast(pl.Float64)).otherwise(pl.col("mrr")).alias("mrr"),
  );
  ok(plans.includes("enterprise (contract)"));
  const svg = mrrPer1kRequestsByPlanChart(unread).svg;
  ok(caption(svg).endsWith("– = MRR not known (revenue not read)."), caption(svg));
  assertEquals([...svg.matchAll(/>– not known<\/text>/g)].length, 1);
  ok(!svg.includes("<title>enterprise (contract)\nMRR per 1,000"), "no MRR bar for it");
  ok(svg.includes("<title>enterprise (contract)\nLLM cost, all per 1,000 requests"));
  // every MRR known: no mark, no note
  const known = mrrPer1kRequestsByPlanChart(fixture).svg;
  ok(!known.includes("not known"), caption(known));
});

Deno.test("margin by plan: a company margin PTB timing pulls down (the warnings' plans) says so on its bar and in the caption", async () => {
  // the warnings' two plans (economics_margins_test.ts works them out): free −73.0 % (g, 1 of its 3
  // organizations, with PTB cost and no PTB revenue in the window; e, without a Stripe customer,
  // with PTB cost no revenue can be on record for) and pro 2025-12-10 74.7 % (a)
  const { frame, warnings } = await frameWithPtbTiming();
  ok(warnings.some((w) => w.startsWith('plan "free": company margin -73.0 %')));
  ok(warnings.some((w) => w.startsWith('plan "pro 2025-12-10": company margin 74.7 %')));
  const note =
    "PTB timing = PTB cost without PTB revenue in the window (credits bought before it), not price; see the warnings. PTB, no customer = PTB cost of organizations without a Stripe customer: no PTB revenue can be on record for them, not timing; see the warnings.";
  // drawn here, and in the chart worker from the chart columns and the main thread's table
  const table = chartPlanTable(frame, 30)!;
  for (
    const svg of [
      marginByPlanChart(frame).svg,
      marginByPlanChart(frame.select(...CHART_COLUMNS), table).svg,
    ]
  ) {
    const texts = labels(svg, "text").map((l) => l.text);
    // the company bars of those two plans only
    assertEquals(texts.filter((t) => t.includes("PTB ")).sort(), [
      "-73.0 % · n=3 · PTB timing · PTB, no customer",
      "74.7 % · n=1 · PTB timing",
    ]);
    ok(
      svg.includes(
        "<title>free\ncompany cost: -73.0 % margin, revenue-weighted\nn = 3 organizations\nPTB timing, not price: 1 organization with PTB cost and no PTB revenue in the window (see the warnings)\nPTB, no customer: 1 organization without a Stripe customer had PTB cost no revenue can be on record for (see the warnings)</title>",
      ),
      svg,
    );
    ok(caption(svg).endsWith(note), caption(svg));
  }
  // without PTB cost lacking revenue (economicsFrameWithF: no warning), no hint
  const none = marginByPlanChart(await economicsFrameWithF()).svg;
  ok(!none.includes("PTB timing"), caption(none));
});

Deno.test("a plan name of 40 characters fits the plan charts' left margin, cut with '…', its start kept", async () => {
  // "team bundle legacy 2023-2025 grandfathered" (42 characters, ~290 px at the frame's estimate)
  // was cut to 40 characters only: wider than the margin's 236 px for labels, its first letters
  // fell off the image's left edge ("m bundle legacy…" in the PNG)
  const long = "team bundle legacy 2023-2025 grandfathered";
  const fixture = await economicsFrameWithF();
  const plans = fixture.getColumn("plan").toArray() as (string | null)[];
  const frame = fixture.withColumns(
    pl.Series("plan", plans.map((p) => p === "team (bundle, legacy)" ? long : p)),
  );
  for (const chart of [marginByPlanChart(frame), mrrPer1kRequestsByPlanChart(frame)]) {
    const shown = labels(chart.svg, "fy-axis tick label").map((l) => l.text)
      .find((text) => text.startsWith("team bundle"));
    ok(shown?.endsWith("…") && long.startsWith(shown.slice(0, -1)), `${chart.name}: ${shown}`);
    assertTextInside(chart.svg, "fy-axis tick label");
    // the whole name on hover
    ok(chart.svg.includes(`<title>${long}\n`), chart.name);
  }
});

/** A chart's legend entries: each swatch's x and y, its label's x, and the label. */
function legendEntries(svg: string): { rect: number; top: number; text: number; label: string }[] {
  return [
    ...svg.matchAll(
      /<rect x="(-?[\d.]+)" y="(\d+)" width="12"[^>]*\/><text x="(-?[\d.]+)"[^>]*>([^<]*)<\/text>/g,
    ),
  ].map((m) => ({ rect: Number(m[1]), top: Number(m[2]), text: Number(m[3]), label: m[4] }));
}

/** Every legend row inside the chart, each swatch beside its label, no entry over the next. */
function assertLegendInside(entries: ReturnType<typeof legendEntries>): void {
  for (const top of new Set(entries.map((e) => e.top))) {
    // a row above the plot's frame (FRAME_TOP 84): the first at 54, a second at 70
    ok(top === 54 || top === 70, `legend row at ${top}`);
    const row = entries.filter((e) => e.top === top).sort((a, b) => a.rect - b.rect);
    for (const e of row) ok(e.rect >= 12 && e.text === e.rect + 16, JSON.stringify(e));
    for (let i = 1; i < row.length; i++) {
      ok(row[i].rect >= row[i - 1].text + textWidth(row[i - 1].label) + 12 - 0.01);
    }
    ok(row.at(-1)!.text + textWidth(row.at(-1)!.label) <= 880 - 12 + 0.01);
  }
}

Deno.test("a legend of long plan names stays inside the chart, each swatch beside its label", async () => {
  // plans named ~50 characters: four were ~1,500 px of legend on one 880 px row, which ran off
  // the left edge, the first plan's swatch and the start of its name with it; on two rows they
  // fit whole
  const fixture = await economicsFrameWithF();
  const plans = fixture.getColumn("plan").toArray() as (string | null)[];
  const longName = (plan: string | null) =>
    plan === null ? null : `${plan}, grandfathered annual contract 2026`;
  const frame = fixture.withColumns(pl.Series("plan", plans.map(longName)));
  const entries = legendEntries(mrrVsRequestsChart(frame).svg);
  // a, b, c, d, f have MRR and requests: their four plans, one entry each, two a row, as the
  // chart names a plan (40 characters at most), not cut further to share one row (~24)
  assertEquals(entries.length, 4);
  assertEquals(entries.map((e) => e.top), [54, 54, 70, 70]);
  for (const e of entries) {
    ok(
      e.label.length >= 30 && plans.map(longName).some((p) => p?.startsWith(e.label.slice(0, -1))),
      e.label,
    );
  }
  assertLegendInside(entries);
  // ten times as long: two rows are not enough, the labels are cut at their end, start kept
  const longer = (plan: string | null) =>
    plan === null ? null : `${plan} ${"contract ".repeat(10)}`;
  const cut = legendEntries(
    mrrVsRequestsChart(fixture.withColumns(pl.Series("plan", plans.map(longer)))).svg,
  );
  assertEquals(cut.length, 4);
  for (const e of cut) {
    ok(
      e.label.endsWith("…") && plans.map(longer).some((p) => p?.startsWith(e.label.slice(0, -1))),
      e.label,
    );
  }
  assertLegendInside(cut);
});

Deno.test("eight plans' legend names each plan whole on two rows (one row cut two to 'team 2025-…')", async () => {
  // the fixture's six organizations, then the same six again under other plans of the same
  // tiers: the legend's eight-odd names need ~1,100 px, more than one 856 px row
  const fixture = await economicsFrameWithF();
  const plans = fixture.getColumn("plan").toArray() as (string | null)[];
  // "pro 2025-12-10 2025-12", "pro seat 2025-12", … "enterprise contract 2024-01"
  const short = (plan: string) => plan.replace(/[(),]/g, "").split(" ").slice(0, 2).join(" ");
  const renamed = (suffix: string) =>
    fixture.withColumns(
      pl.Series("plan", plans.map((p) => p === null ? null : `${short(p)} ${suffix}`)),
      pl.Series(
        "org_id",
        (fixture.getColumn("org_id").toArray() as string[]).map((id) => id + suffix),
      ),
    );
  const frame = pl.concat([renamed("2025-12"), renamed("2024-01")]);
  const svg = mrrVsRequestsChart(frame).svg;
  const entries = legendEntries(svg);
  const shown = new Set(
    frame.filter(pl.col("mrr").gt(0).and(pl.col("requests_30d").gt(0))).getColumn("plan")
      .toArray() as string[],
  );
  assertEquals(entries.length, shown.size);
  // every label whole, so no two alike
  assertEquals(new Set(entries.map((e) => e.label)), shown);
  assertEquals(new Set(entries.map((e) => e.top)), new Set([54, 70]));
  assertLegendInside(entries);
});
