import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import {
  churnRisk,
  featureAdoption,
  pricingModelComparison,
  ptbVsByok,
  underpricedCustomers,
  upgradeCandidates,
} from "../lib/analysis/questions.ts";
import {
  adoptionChart,
  churnChart,
  pricingModelChart,
  trafficChart,
  underpricedChart,
  upgradeChart,
} from "../lib/analysis/question_charts.ts";
import type { FrameNote } from "../lib/report/chart_frame.ts";
import { DEMO_NOTE } from "../lib/report/charts.ts";
import { usageOnMonthlyBasis } from "../lib/frame/monthly.ts";
import { goldenDemoData } from "./fixtures/golden_demo.ts";
import { barChart } from "../lib/report/bar_chart.ts";
import { labels, ticks } from "./chart_svg.ts";

/** The widths of the bars a chart draws (Plot's bar mark: one <rect> per bar). */
function barWidths(svg: string): number[] {
  const bars = /<g aria-label="bar">([\s\S]*?)<\/g><\/g>/.exec(svg)?.[1] ?? "";
  return [...bars.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
}

/** Two organizations on two tiers, active, nothing read from Stripe (no key): MRR unknown. */
const noStripe = pl.DataFrame({
  org_id: ["o1", "o2"],
  org_name: ["o1", "o2"],
  tier: ["pro", "free"],
  tier_raw: ["pro", "free"],
  seats: [3, 1],
  active_users_30d: [2, 1],
  requests_30d: [100_000, 2_000],
  llm_cost_30d: [400, 5],
  llm_cost_ptb_30d: [0, 0],
  llm_cost_byok_30d: [400, 5],
  mrr: pl.Series("mrr", [null, null], pl.Float64),
  usage_charges: pl.Series("usage_charges", [null, null], pl.Float64),
  addon_prompts: pl.Series("addon_prompts", [null, null], pl.Float64),
  addons_in_metadata: pl.Series("addons_in_metadata", [null, null], pl.Utf8),
  subscription_status: pl.Series("subscription_status", [null, null], pl.Utf8),
  cancel_at_period_end: pl.Series("cancel_at_period_end", [null, null], pl.Bool),
  stripe_customer_id: pl.Series("stripe_customer_id", [null, null], pl.Utf8),
  revenue_source: ["none", "none"],
});

Deno.test("pricing-model chart: no bars where no MRR is known, a note saying so, no $0-wide axis", () => {
  const answer = pricingModelComparison(noStripe);
  assertEquals(answer.table.getColumn("current_mrr").toArray(), [null, null]);
  const svg = pricingModelChart(answer).svg;
  // before: every null drawn as $0 on a [0, 0] axis, i.e. 8 bars across the whole plot
  assertEquals(barWidths(svg).filter((w) => w > 0), []);
  ok(svg.includes("– not known, MRR not known"), "a mark where the bars would be");
  ok(svg.includes("MRR not known"), "the caption says why there are no bars");
});

Deno.test("question charts: the frame's right edge is a labelled tick, past the longest bar", () => {
  // the demo's underpriced chart: $11,606.95 of LLM cost on the longest bar
  const single = barChart({
    title: "t",
    caption: "c",
    bars: [{ label: "a", value: 11_606.95 }, { label: "b", value: 1_774.43 }],
    valueLabel: "USD",
  });
  // before: ticks $0 … $11k, the $11.6k bar running on to the frame's right edge
  assertEquals(ticks(single, "x").at(-1), 12_000);
  // the demo's churn chart: two series, labels as wide as its organizations'
  const grouped = barChart({
    title: "t",
    caption: "c",
    bars: [
      { label: "1. Juniper Systems 6", series: "MRR", value: 12_000 },
      { label: "1. Juniper Systems 6", series: "LLM cost", value: 61_777.69 },
      { label: "2. Pixel Robotics 208", series: "MRR", value: 15_120 },
      { label: "2. Pixel Robotics 208", series: "LLM cost", value: 37_403.08 },
    ],
    valueLabel: "USD",
  });
  // niced to 10 ticks, not the axis' 8: the domain ended at an unlabelled $65k, "$60k" the last
  assertEquals(ticks(grouped, "x"), [0, 10, 20, 30, 40, 50, 60, 70].map((k) => k * 1000));
  for (const svg of [single, grouped]) {
    // the last tick on the frame's right edge: 880 px wide, 32 px right margin
    assertEquals(labels(svg, "x-axis tick label").at(-1)?.x, 848);
  }
  // the bar is 11,606.95 / 12,000 of the way from the $0 tick to the $12k one (±1 px); one
  // series: the bars sit in one group, not in a facet's
  const tickX = labels(single, "x-axis tick label").map((l) => l.x);
  const bars = /<g aria-label="bar">([\s\S]*?)<\/g>/.exec(single)?.[1] ?? "";
  const longest = Math.max(...[...bars.matchAll(/width="([\d.]+)"/g)].map((m) => Number(m[1])));
  const span = tickX.at(-1)! - tickX[0];
  ok(Math.abs(longest - span * 11_606.95 / 12_000) <= 1, `${longest} of ${span}`);
});

Deno.test("question charts: values that are all $0 draw no bars (not full-width ones)", () => {
  // one organization without requests: every traffic type's MRR and cost is $0
  const idle = pl.DataFrame({
    org_id: ["o1"],
    org_name: ["o1"],
    tier: ["free"],
    requests_30d: [0],
    ptb_requests_30d: [0],
    llm_cost_30d: [0],
    llm_cost_ptb_30d: [0],
    llm_cost_byok_30d: [0],
    mrr: pl.Series("mrr", [0], pl.Float64),
    is_ptb: [false],
    is_byok: [false],
    has_gateway_only: [false],
    stripe_customer_id: pl.Series("stripe_customer_id", ["cus_1"], pl.Utf8),
    revenue_source: ["stripe"],
    ptb_revenue_30d: pl.Series("ptb_revenue_30d", [0], pl.Float64),
    company_cost_30d: pl.Series("company_cost_30d", [0], pl.Float64),
    gross_margin_company_pct: pl.Series("gross_margin_company_pct", [null], pl.Float64),
  });
  const widths = barWidths(trafficChart(ptbVsByok(idle)).svg);
  ok(widths.length > 0);
  assertEquals(widths.filter((w) => w > 0), []);
});

/** A chart's drawn text, its lines joined by spaces (a long caption wraps). */
function drawnText(svg: string): string {
  return [...svg.matchAll(/>([^<>]+)</g)].map((m) => m[1].trim()).filter((t) => t !== "")
    .join(" ");
}

Deno.test("churn and underpriced captions say how many were not judged for unknown MRR, never an empty 'Top 0 of 0'", () => {
  const margins = [
    pl.Series("gross_margin_pct", [null, null], pl.Float64),
    pl.Series("gross_margin_company_pct", [null, null], pl.Float64),
  ];
  // o1 $400 and o2 $5 of LLM cost, both MRR unknown; o1 is a heavy user (100,000 requests)
  const none = noStripe.withColumns(...margins);
  const churnNone = drawnText(churnChart(churnRisk(none)).svg);
  ok(
    churnNone.includes(
      "No bars: MRR is unknown for every organization (revenue not fetched), so churn risk cannot be judged; 2 organizations with LLM spend but unknown MRR not judged.",
    ),
    churnNone,
  );
  ok(!churnNone.includes("Top 0 of 0"), churnNone);
  const underNone = drawnText(underpricedChart(underpricedCustomers(none)).svg);
  ok(
    underNone.includes(
      "No bars: no organization with known MRR qualifies; 1 heavy user with unknown MRR not judged.",
    ),
    underNone,
  );
  // o1 pays $100 (loses $300, underpriced at ≤ $100), o2's MRR unknown
  const some = none.withColumns(pl.Series("mrr", [100, null], pl.Float64));
  const churnSome = drawnText(churnChart(churnRisk(some)).svg);
  ok(
    churnSome.includes(
      "Top 1 of 1 by loss (LLM cost − MRR); pass-through is the part the company pays. 1 organization with LLM spend but unknown MRR not judged.",
    ),
    churnSome,
  );
  const underSome = drawnText(
    underpricedChart(
      underpricedCustomers(some.withColumns(pl.Series("requests_30d", [100_000, 200_000]))),
    ).svg,
  );
  ok(
    underSome.includes(
      "Top 1 of 1 by LLM cost in the 30-day window. 1 heavy user with unknown MRR not judged.",
    ),
    underSome,
  );
});

Deno.test("underpriced and churn with every MRR known and none qualifying: the chart and reading say so, never 'Top 0 of 0'", () => {
  // o1 pays $500 for $400 of LLM cost (no loss; over the $100 underpriced cap); o2 is free with
  // 2,000 requests and $5 of cost: not a heavy user, and pays nothing
  const known = noStripe.withColumns(
    pl.Series("mrr", [500, 0], pl.Float64),
    pl.Series("gross_margin_pct", [20, null], pl.Float64),
    pl.Series("gross_margin_company_pct", [100, null], pl.Float64),
  );
  const underpriced = underpricedCustomers(known);
  assertEquals(
    underpriced.reading,
    "No organization sent ≥ 100,000 requests or ≥ $500 of LLM cost in the 30-day window while paying ≤ $100 MRR.",
  );
  const underText = drawnText(underpricedChart(underpriced).svg);
  ok(
    underText.includes(
      "No bars: no organization sent ≥ 100,000 requests or ≥ $500 of LLM cost in the 30-day window while paying ≤ $100 MRR.",
    ),
    underText,
  );
  const churnText = drawnText(churnChart(churnRisk(known)).svg);
  ok(
    churnText.includes("No bars: no paying organization costs more in LLM spend than it pays."),
    churnText,
  );
  ok(!`${underText} ${churnText}`.includes("Top 0"), `${underText} ${churnText}`);
});

Deno.test("upgrade candidates with no free organization over the threshold: the chart says so and names the threshold, never 'Top 0 of 0'", () => {
  // o2 is the one free organization: 2,000 requests, under the default 50,000 and under 10,000
  const frame = noStripe.withColumns(pl.Series("is_ptb", [false, false]));
  const none = drawnText(upgradeChart(upgradeCandidates(frame)).svg);
  ok(
    none.includes(
      "No bars: no free organization over the threshold (≥ 50,000 requests in the 30-day window; 1 free organization).",
    ),
    none,
  );
  ok(!none.includes("Top 0"), none);
  const lower = drawnText(
    upgradeChart(upgradeCandidates(frame, { upgradeMinRequests: 10_000 })).svg,
  );
  ok(lower.includes("over the threshold (≥ 10,000 requests in the 30-day window;"), lower);
  // another window: the threshold is on the 30-day basis the answer's usage is on
  const week = drawnText(
    upgradeChart(upgradeCandidates(frame, {}, { windowDays: 7 })).svg,
  );
  ok(week.includes("(≥ 50,000 requests per 30 days; 1 free organization)."), week);
  // one over it (1,000 requests and up): the bars, as before
  const some = drawnText(
    upgradeChart(upgradeCandidates(frame, { upgradeMinRequests: 1_000 })).svg,
  );
  ok(some.includes("Top 1 of 1 free organizations over the request threshold."), some);
});

/** The six question charts over `frame` (its usage of a `windowDays` window), as the notebook draws them. */
function questionCharts(frame: pl.DataFrame, windowDays: number, note?: FrameNote) {
  const basis = { windowDays };
  return [
    underpricedChart(underpricedCustomers(frame, {}, basis), note),
    upgradeChart(upgradeCandidates(frame, {}, basis), note),
    churnChart(churnRisk(frame, {}, basis), note),
    pricingModelChart(pricingModelComparison(frame, {}, basis), {}, note),
    adoptionChart(featureAdoption(frame, basis), note),
    trafficChart(ptbVsByok(frame, basis), note),
  ];
}

Deno.test("question charts of demo data open their caption with Demo data. in bold; of other data none does", async () => {
  const { frame } = await goldenDemoData();
  const demo = questionCharts(frame, 30, { demo: true });
  assertEquals(demo.length, 6);
  for (const chart of demo) {
    // the first caption line (y 42) opens with the bold note
    ok(
      new RegExp(
        `<text x="12" y="42"[^>]*><tspan font-weight="bold" fill="#92400e">${DEMO_NOTE}</tspan> `,
      )
        .test(chart.svg),
      chart.name,
    );
  }
  for (
    const chart of [...questionCharts(frame, 30), ...questionCharts(frame, 30, { demo: false })]
  ) {
    ok(!chart.svg.includes("Demo data"), chart.name);
  }
});

Deno.test("question charts name the window's days: '(30 days)' and 'Requests in 30 days', not '(window)'", async () => {
  const { frame } = await goldenDemoData();
  const [underpriced, upgrade, churn, , adoption, traffic] = questionCharts(frame, 30).map((c) =>
    drawnText(c.svg)
  );
  for (const text of [underpriced, churn, traffic]) ok(text.includes("LLM cost (30 days)"), text);
  ok(upgrade.includes("Requests in 30 days →"), upgrade);
  ok(adoption.includes("a stored prompt in the 30-day window."), adoption);
  for (const text of [underpriced, upgrade, churn, adoption, traffic]) {
    ok(!text.includes("(window)") && !text.includes("in window"), text);
  }
  // another window's usage is on a 30-day basis: said so; the adoption caption names its days
  const week = questionCharts(usageOnMonthlyBasis(frame, 7), 7).map((c) => drawnText(c.svg));
  ok(week[0].includes("LLM cost (per 30 days)"), week[0]);
  ok(week[4].includes("a stored prompt in the 7-day window."), week[4]);
});

Deno.test("the churn caption counts organizations whose LLM cost is unknown (NaN) as not judged, never 'no paying organization costs more'", () => {
  const margins = [
    pl.Series("gross_margin_pct", [null, null], pl.Float64),
    pl.Series("gross_margin_company_pct", [null, null], pl.Float64),
  ];
  // revenue not fetched and both LLM costs unknown: nobody can be judged
  const none = noStripe.withColumns(
    ...margins,
    pl.Series("llm_cost_30d", [null, null], pl.Float64),
  );
  const churnNone = drawnText(churnChart(churnRisk(none)).svg);
  ok(
    churnNone.includes(
      "No bars: MRR is unknown for every organization (revenue not fetched), so churn risk cannot be judged; 2 organizations with an unknown LLM cost not judged.",
    ),
    churnNone,
  );
  // both pay $100: o1's cost unknown, o2's $5 is no loss
  const paying = none.withColumns(
    pl.Series("mrr", [100, 100], pl.Float64),
    pl.Series("llm_cost_30d", [null, 5], pl.Float64),
  );
  const churnPaying = drawnText(churnChart(churnRisk(paying)).svg);
  ok(
    churnPaying.includes(
      "No bars: no paying organization judged costs more in LLM spend than it pays. 1 organization with an unknown LLM cost not judged.",
    ),
    churnPaying,
  );
});

Deno.test("every question chart draws over a frame with NaN and ±Infinity in its number columns: no crash, none in the SVG", async () => {
  // the golden demo frame, organizations 0, 7 and 14 with +Infinity, NaN, −Infinity in each
  // number column a question reads (a frame built in a notebook; the readers refuse them)
  let frame = (await goldenDemoData()).frame;
  const columns = [
    "mrr",
    "llm_cost_30d",
    "gross_margin_pct",
    "requests_30d",
    "ptb_requests_30d",
    "byok_requests_30d",
    "list_price_mrr",
    "company_cost_30d",
    "ptb_revenue_30d",
  ].filter((c) => frame.columns.includes(c));
  for (const column of columns) {
    const values = frame.getColumn(column).cast(pl.Float64).toArray() as (number | null)[];
    [Infinity, NaN, -Infinity].forEach((v, i) => values[i * 7] = v);
    frame = frame.withColumns(pl.Series(column, values, pl.Float64));
  }
  const charts: [string, () => { svg: string }][] = [
    ["underpriced", () => underpricedChart(underpricedCustomers(frame))],
    ["upgrade", () => upgradeChart(upgradeCandidates(frame))],
    ["churn", () => churnChart(churnRisk(frame))],
    ["pricing models", () => pricingModelChart(pricingModelComparison(frame))],
    ["adoption", () => adoptionChart(featureAdoption(frame))],
    ["traffic", () => trafficChart(ptbVsByok(frame))],
  ];
  for (const [name, chart] of charts) {
    const { svg } = chart();
    ok(!/NaN|Infinity|∞/.test(svg), `${name}: ${svg.match(/.{60}(NaN|Infinity|∞).{20}/)?.[0]}`);
  }
});
