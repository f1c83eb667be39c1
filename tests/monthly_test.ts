/**
 * lib/frame/monthly.ts and its readers: with a window other than 30 days (--days N), every figure
 * that sets monthly mrr (or a monthly price) against the window's usage reads that usage × 30 / N;
 * the _30d columns and ratios of two window figures stay as they are. Numbers worked out by hand.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import pl from "nodejs-polars";
import { addEconomicsColumns, costModelFromEnv, loadPriceBook } from "../lib/economics/mod.ts";
import { planEconomics } from "../lib/economics/report.ts";
import { companyMargins } from "../lib/economics/headline_margins.ts";
import { addMetricColumns } from "../lib/frame/metrics.ts";
import { monthlyFactor } from "../lib/frame/monthly.ts";
import { COLUMNS } from "../lib/frame/columns.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { parseScenario } from "../lib/analysis/scenario/mod.ts";
import { economicsFixture, revenue } from "./economics_fixture.ts";

const column = (frame: pl.DataFrame, name: string) => frame.getColumn(name).toArray() as unknown[];

function close(actual: unknown, expected: number | null, what: string) {
  if (expected === null) return assertEquals(actual, null, what);
  ok(typeof actual === "number" && Math.abs(actual - expected) < 1e-9, `${what}: ${actual}`);
}

const WINDOW_COLUMNS = [
  "requests_30d",
  "llm_cost_30d",
  "llm_cost_ptb_30d",
  "llm_cost_byok_30d",
] as const;

/**
 * The economics fixture's usage and PTB revenue over `days` at the same daily rate (`share` of
 * the 30-day figures; 1 reads the 30-day figures as if they were the window's).
 */
async function fixtureOver(days: number, share = days / 30) {
  const frame = economicsFixture().withColumns(
    ...WINDOW_COLUMNS.map((name) => pl.col(name).cast(pl.Float64).mul(share).alias(name)),
  );
  const ptb = { cus_a: 25, cus_b: 0, cus_c: 250, cus_d: 600 };
  return addEconomicsColumns(addMetricColumns(frame, { windowDays: days }), {
    costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.5" }),
    priceBook: await loadPriceBook(),
    revenue: revenue(Object.fromEntries(Object.entries(ptb).map(([id, v]) => [id, v * share]))),
    windowDays: days,
  }).frame;
}

Deno.test("monthlyFactor is 30 / days; a window length that is not a whole number ≥ 1 throws", () => {
  assertEquals(monthlyFactor(30), 1);
  assertEquals(monthlyFactor(15), 2);
  assertEquals(monthlyFactor(60), 0.5);
  throws(() => monthlyFactor(0), /windowDays must be a whole number ≥ 1, got 0/);
  throws(() => monthlyFactor(1.5), /got 1.5/);
});

Deno.test("uniform usage over 15 days gives the 30-day fixture's margins and monthly ratios", async () => {
  const month = await fixtureOver(30);
  const half = await fixtureOver(15);
  // the window columns hold the window's raw values: half the month's
  assertEquals(column(half, "requests_30d"), [10_000, 1_000, 50_000, 500_000, 250]);
  assertEquals(column(half, "company_cost_30d"), [10, 0.5, 175, 500, 0.625]);
  assertEquals(column(half, "ptb_revenue_30d"), [12.5, 0, 125, 300, 0]);
  for (
    const name of [
      "gross_margin_pct",
      "revenue_per_request",
      "gross_margin_company_pct",
      "cost_per_request", // a ratio of two window figures: the same without scaling
      "ptb_cost_share_pct",
      "list_price_mrr",
    ]
  ) {
    const expected = column(month, name) as (number | null)[];
    column(half, name).forEach((v, i) => close(v, expected[i], `${name}[${i}]`));
  }
  // a by hand, 15 days: mrr $79, LLM cost $15 → $30 a month: (79 − 30) / 79
  close(column(half, "gross_margin_pct")[0], 49 / 79 * 100, "a gross_margin_pct");
  // 10,000 requests → 20,000 a month: $79 / 20,000
  close(column(half, "revenue_per_request")[0], 79 / 20_000, "a revenue_per_request");
  // company: (79 + 12.5 × 2 − 10 × 2) / (79 + 25) = 84 / 104
  close(column(half, "gross_margin_company_pct")[0], 84 / 104 * 100, "a company margin");

  const book = await loadPriceBook();
  const monthPlans = planEconomics(month, { book, windowDays: 30 });
  const halfPlans = planEconomics(half, { book, windowDays: 15 });
  assertEquals(halfPlans.map((r) => r.plan), monthPlans.map((r) => r.plan));
  halfPlans.forEach((row, i) => {
    for (const [name, value] of Object.entries(row)) {
      if (name === "plan") continue;
      const expected = monthPlans[i][name as keyof typeof row] as number | null;
      close(value, expected, `${row.plan} ${name}`);
    }
  });
  // all: MRR $3,479 against 561,250 × 2 monthly requests → $3,479 / 1,122.5 per 1,000
  close(halfPlans.at(-1)!.mrr_per_1k_requests, 3479 / 1122.5, "all mrr_per_1k_requests");
  // all: LLM cost per 1,000 requests is a ratio of window figures: $1,171.5 / 561.25
  close(halfPlans.at(-1)!.llm_cost_per_1k_requests, 1171.5 / 561.25, "llm_cost_per_1k");
  // all: gross profit in dollars a month, the window's PTB revenue and company cost × 2: MRR
  // 3,479 + PTB revenue 2 × 437.5 − company cost 2 × (10 + 0.5 + 175 + 500 + 0.625)
  close(halfPlans.at(-1)!.gross_profit_company_usd, 3479 + 875 - 1372.25, "all gross profit");

  const monthMargins = companyMargins(month, { windowDays: 30 });
  const halfMargins = companyMargins(half, { windowDays: 15 });
  close(halfMargins.specPct, monthMargins.specPct, "spec margin");
  close(halfMargins.companyPct, monthMargins.companyPct, "company margin");
  // spec by hand: (3,479 − 2 × 1,171.5) / 3,479, the free organization's cost counted
  close(halfMargins.specPct, (3479 - 2343) / 3479 * 100, "spec margin by hand");
});

Deno.test("a 7-day window: margins and revenue per request on a 30-day basis, by hand", () => {
  const frame = addMetricColumns(
    exportFrameFromColumns({
      org_id: ["x"],
      org_name: ["X"],
      tier: ["pro"],
      seats: [2],
      active_users_30d: [2],
      requests_30d: [7_000],
      llm_cost_30d: [14],
      llm_cost_ptb_30d: [7],
      mrr: [100],
    }),
    { windowDays: 7 },
  );
  // $14 in 7 days = $60 a month: (100 − 60) / 100; unscaled it would read 86 %
  close(column(frame, "gross_margin_pct")[0], 40, "gross_margin_pct");
  // 7,000 requests in 7 days = 30,000 a month
  close(column(frame, "revenue_per_request")[0], 100 / 30_000, "revenue_per_request");
  close(column(frame, "cost_per_request")[0], 14 / 7_000, "cost_per_request");
  close(column(frame, "cost_per_seat")[0], 7, "cost_per_seat (window cost per seat)");
  close(column(frame, "ptb_cost_share_pct")[0], 50, "ptb_cost_share_pct");
});

Deno.test("list prices priced on usage read the window's usage on a 30-day basis", () => {
  const scenario = parseScenario({
    name: "usage",
    plans: [
      {
        name: "metered",
        match: { tiers: ["pro"] },
        perRequest: {
          includedRequests: 0,
          mode: "graduated",
          tiers: [{ upTo: null, usdPer1k: 1 }],
        },
        minimumUsd: 20,
      },
      {
        name: "banded",
        match: { tiers: ["team"] },
        flatTiers: {
          metric: "requests_30d",
          tiers: [{ upTo: 10_000, usd: 10 }, { upTo: null, usd: 50 }],
        },
      },
    ],
  }, "usage.json");
  const frame = exportFrameFromColumns({
    org_id: ["m", "b"],
    org_name: ["M", "B"],
    tier: ["pro", "team"],
    tier_raw: ["pro", "team"],
    stripe_customer_id: [null, null],
    seats: [1, 1],
    active_users_30d: [1, 1],
    requests_30d: [7_000, 7_000],
    llm_cost_30d: [0, 0],
    llm_cost_ptb_30d: [0, 0],
    llm_cost_byok_30d: [0, 0],
    addons_in_metadata: [null, null],
    addon_prompts: [0, 0],
    mrr: [30, 50],
    revenue_source: ["no_customer", "no_customer"],
  });
  const listPrices = (windowDays: number) =>
    column(
      addEconomicsColumns(addMetricColumns(frame, { windowDays }), {
        costModel: costModelFromEnv({}),
        priceBook: { file: "usage.json", scenario, sha256: "built in this test" },
        revenue: revenue({}),
        windowDays,
      }).frame,
      "list_price_mrr",
    );
  // 30 days: m's 7,000 requests bill $7, raised to the $20 minimum; b falls in the $10 band.
  // 7 days: 7,000 × 30 / 7 = 30,000 requests a month bill $30 (above the minimum); b's 30,000 a
  // month fall in the $50 band.
  assertEquals(listPrices(30), [20, 10]);
  assertEquals(listPrices(7), [30, 50]);
});

Deno.test("the column table's window basis is what the code does", async () => {
  const numeric = COLUMNS.filter((def) => def.type === "integer" || def.type === "number");
  const on = (basis: string) => numeric.filter((def) => def.window === basis).map((d) => d.name);
  // every _30d column is a window figure
  for (const def of COLUMNS.filter((d) => d.name.endsWith("_30d"))) {
    assertEquals(def.window, "window", def.name);
  }
  assertEquals(on("30-day basis"), [
    "revenue_per_request",
    "gross_margin_pct",
    "list_price_mrr",
    "gross_margin_company_pct",
    "unbilled_usage_usd",
  ]);
  assertEquals(on("window ratio"), ["cost_per_request", "ptb_cost_share_pct"]);
  // each column on a 30-day basis says so in its description, and only those
  assertEquals(
    numeric.filter((def) => def.description.includes("30-day basis")).map((d) => d.name),
    on("30-day basis"),
  );
  // the same figures read as 30 and as 15 days' worth: only the 30-day-basis columns move
  const month = await fixtureOver(30, 1);
  const half = await fixtureOver(15, 1);
  const moved = numeric.filter((def) =>
    column(half, def.name).some((v, i) => v !== column(month, def.name)[i])
  ).map((d) => d.name);
  // (list_price_mrr and unbilled_usage_usd read usage only for a plan priced on usage, which the
  // default price book has none of: "list prices priced on usage …" above)
  const usagePriced = ["list_price_mrr", "unbilled_usage_usd"];
  assertEquals(moved, on("30-day basis").filter((name) => !usagePriced.includes(name)));
  // the same daily usage over 15 days: the window figures halve (a $30 month of LLM cost over 4
  // seats is $7.50 a seat a month, $3.75 over 15 days), the ratios of two window figures stay
  const uniform = await fixtureOver(15);
  close(column(month, "cost_per_seat")[0], 30 / 4, "a cost_per_seat, 30 days");
  close(column(uniform, "cost_per_seat")[0], 15 / 4, "a cost_per_seat, 15 days");
  for (const name of on("window ratio")) {
    const expected = column(month, name) as (number | null)[];
    column(uniform, name).forEach((v, i) => close(v, expected[i], `${name}[${i}]`));
  }
});
