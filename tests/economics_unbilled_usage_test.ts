/**
 * lib/economics/unbilled_usage.ts: metered request usage above a plan's included amount that
 * Stripe billed nothing for (unbilled_usage_usd), its warning and its note under the per-plan
 * table; every expected number is worked out by hand in the comments from the built-in price
 * book's 2025-12-10 request bands (first 10,000 free, then $0.70 / 1,000 to 30,000, $0.35 to
 * 90,000, $0.175 to 250,000, $0.0875 to 800,000, …).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { addEconomicsColumns, costModelFromEnv, loadPriceBook } from "../lib/economics/mod.ts";
import type { PriceBook } from "../lib/economics/types.ts";
import { requestChargeExpr, unbilledUsage } from "../lib/economics/unbilled_usage.ts";
import { requestChargeUsd } from "../lib/analysis/scenario/pricing.ts";
import type { PerRequestPricing } from "../lib/analysis/scenario/model.ts";
import { perPlanRunNotes, perPlanRunNotesText } from "../lib/economics/run_notes.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { columnDef } from "../lib/frame/columns.ts";
import { revenue } from "./economics_fixture.ts";
import { closeList, column } from "./economics_frames.ts";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { attachRevenue } from "../lib/revenue/columns.ts";
import type { RevenueResult } from "../lib/revenue/types.ts";
import { type DiscountPolicy, resolveRules } from "../lib/revenue/rules.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  coupons,
  DAY,
  discount,
  invoice,
  line,
  PRICES,
  products,
  subscription,
  T,
} from "./fixtures/stripe/scenarios.ts";

/**
 * p1 pro-20251210, monthly, usage_charges 0, 50,000 requests: 20,000 × $0.70 / 1,000 = $14 +
 *    20,000 × $0.35 / 1,000 = $7 → $21
 * p2 pro-20251210, monthly, usage_charges 0, 8,000 requests: within the 10,000 included → 0
 * p3 team-20251210, monthly, usage_charges 0, 300,000 requests: $14 + 60,000 × $0.35 = $21 +
 *    160,000 × $0.175 = $28 + 50,000 × $0.0875 = $4.375 → $67.375
 * p4 pro-20251210, monthly, usage_charges $12.50, 40,000 requests: Stripe billed usage → 0
 * p5 pro-20251210, no counted subscription (trialing), 50,000 requests → not judged
 * p6 legacy pro, monthly, usage_charges 0, 500,000 requests: no metered list prices → not judged
 * p7 pro-20251210, monthly, revenue not known (usage_charges empty) → not judged
 * p8 free, 100,000 requests → not judged
 * p9 pro-20251210, a shared_customer row (usage on its sibling's row) → not judged
 */
function meteredFrame(): pl.DataFrame {
  return exportFrameFromColumns({
    org_id: ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"],
    org_name: ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9"],
    tier: ["pro", "pro", "team", "pro", "pro", "pro", "pro", "free", "pro"],
    tier_raw: [
      "pro-20251210",
      "pro-20251210",
      "team-20251210",
      "pro-20251210",
      "pro-20251210",
      "pro",
      "pro-20251210",
      "free",
      "pro-20251210",
    ],
    stripe_customer_id: [
      "cus_a",
      "cus_b",
      "cus_c",
      "cus_d",
      "cus_e",
      "cus_f",
      "cus_g",
      null,
      "cus_a",
    ],
    seats: [2, 2, 8, 2, 2, 3, 2, 1, 1],
    requests_30d: [50_000, 8_000, 300_000, 40_000, 50_000, 500_000, 50_000, 100_000, 60_000],
    llm_cost_30d: [1, 1, 1, 1, 1, 1, 1, 1, 1],
    llm_cost_ptb_30d: [0, 0, 0, 0, 0, 0, 0, 0, 0],
    llm_cost_byok_30d: [1, 1, 1, 1, 1, 1, 1, 1, 1],
    mrr: [79, 79, 799, 91.5, 0, 60, null, 0, null],
    mrr_recurring: [79, 79, 799, 79, 0, 60, null, 0, null],
    usage_charges: [0, 0, 0, 12.5, 0, 0, null, 0, null],
    billing_interval: ["month", "month", "month", "month", null, "month", null, null, null],
    revenue_source: [
      "stripe",
      "stripe",
      "stripe",
      "stripe",
      "stripe",
      "stripe",
      "none",
      "no_customer",
      "shared_customer",
    ],
  });
}

async function withColumns(frame: pl.DataFrame, windowDays = 30, book?: PriceBook) {
  return addEconomicsColumns(frame, {
    costModel: costModelFromEnv({}),
    priceBook: book ?? await loadPriceBook(),
    revenue: revenue({}),
    windowDays,
  });
}

Deno.test("unbilled_usage_usd prices requests above the included amount where Stripe billed no usage", async () => {
  const { frame, warnings } = await withColumns(meteredFrame());
  closeList(
    column(frame, "unbilled_usage_usd"),
    [21, 0, 67.375, 0, null, null, null, null, null],
    "unbilled_usage_usd",
  );
  // 2 organizations, $21 + $67.375 = $88.375 → $88.38
  const warning = warnings.find((w) => w.startsWith("metered usage not billed"));
  assertEquals(
    warning,
    'metered usage not billed: 2 organizations on "pro 2025-12-10", "team 2025-12-10" above the requests their plan includes: $88.38 a month at list price (unbilled_usage_usd)',
  );
});

Deno.test("a plan without metered request prices is not judged, whether or not Stripe billed usage", async () => {
  // p6 (legacy pro, 500,000 requests) with Stripe's request-volume overage billed, $12.50; a
  // free organization billed $5 of usage; an enterprise contract billed $40: none of their plans
  // lists metered request prices, so none can be judged (empty), as p6 unbilled is
  const base = meteredFrame().filter(pl.col("org_id").eq(pl.lit("p6")));
  const row = (id: string, tier: string, usage: number) =>
    base.withColumns(
      pl.lit(id).alias("org_id"),
      pl.lit(tier).alias("tier"),
      pl.lit(tier).alias("tier_raw"),
      pl.lit(usage).alias("usage_charges"),
      pl.col("mrr_recurring").add(usage).alias("mrr"),
    );
  const frame = pl.concat([row("l", "pro", 12.5), row("f", "free", 5), row("e", "enterprise", 40)]);
  const { frame: priced } = await withColumns(frame);
  assertEquals(column(priced, "plan"), ["pro (seat, legacy)", "free", "enterprise (contract)"]);
  closeList(column(priced, "unbilled_usage_usd"), [null, null, null], "not judged");
  // a book without a free plan: the free organization has no plan (empty), still not judged
  const book = await loadPriceBook();
  const noFree: PriceBook = {
    ...book,
    scenario: { ...book.scenario, plans: book.scenario.plans.filter((p) => p.name !== "free") },
  };
  const { frame: planless } = await withColumns(frame, 30, noFree);
  assertEquals(column(planless, "plan"), ["pro (seat, legacy)", null, "enterprise (contract)"]);
  closeList(column(planless, "unbilled_usage_usd"), [null, null, null], "no plan");
});

Deno.test("unbilled_usage_usd leaves a legacy plan's organizations empty, billed or discounted: not judged", async () => {
  // p6 (legacy pro) with $12.50 of usage billed, then with $0 billed and $5 discounted: its plan
  // has no metered list prices, so neither is judged, and neither counts as discounted usage
  const p6 = meteredFrame().filter(pl.col("org_id").eq(pl.lit("p6")));
  const billed = p6.withColumns(pl.lit(12.5).alias("usage_charges"));
  const discounted = p6.withColumns(pl.lit(5).cast(pl.Float64).alias("usage_discounts"));
  const { frame } = await withColumns(pl.concat([billed, discounted]));
  assertEquals(column(frame, "unbilled_usage_usd"), [null, null]);
  assertEquals(perPlanRunNotes(frame, {}), []);
});

Deno.test("unbilled_usage_usd reads another window's requests on a 30-day basis", async () => {
  // 7,000 requests in 7 days = 30,000 a month: 20,000 × $0.70 / 1,000 = $14 (at 7,000 as they
  // are, within the 10,000 included: 0)
  const frame = meteredFrame().filter(pl.col("org_id").eq(pl.lit("p1")))
    .withColumns(pl.lit(7_000).cast(pl.Int64).alias("requests_30d"));
  closeList(column((await withColumns(frame, 7)).frame, "unbilled_usage_usd"), [14], "7 days");
});

Deno.test("no warning and no note when nothing is unbilled", async () => {
  const frame = meteredFrame().filter(pl.col("org_id").isIn(["p2", "p4", "p6"]));
  const { frame: priced, warnings } = await withColumns(frame);
  assertEquals(warnings.filter((w) => w.includes("not billed")), []);
  assertEquals(perPlanRunNotes(priced, {}), []);
});

Deno.test("the note under the per-plan table counts them, with plan names escaped", async () => {
  const book = await loadPriceBook();
  // the 2025-12-10 pro plan renamed with Markdown and HTML in its name (price-book text is data)
  const renamed: PriceBook = {
    ...book,
    scenario: {
      ...book.scenario,
      plans: book.scenario.plans.map((plan) =>
        plan.name === "pro 2025-12-10" ? { ...plan, name: "pro *new* <b>" } : plan
      ),
    },
  };
  const frame = meteredFrame().filter(pl.col("org_id").isIn(["p1", "p2"]));
  const { frame: priced, warnings } = await withColumns(frame, 30, renamed);
  const markdown = perPlanRunNotes(priced, {});
  assertEquals(markdown, [
    "Unbilled metered usage: 1 organization on **pro \\*new\\* &lt;b>** sent more requests than its plan includes and was billed no metered usage: $21.00 a month at list price (`unbilled_usage_usd`). Check its subscription (`usage_charges` is the last closed period's).",
    "",
  ]);
  const text = perPlanRunNotesText(priced, {});
  assertEquals(text.length, 1);
  ok(text[0].startsWith('Unbilled metered usage: 1 organization on "pro *new* <b>" sent'), text[0]);
  ok(
    text[0].includes(
      "no metered usage: $21.00 a month at list price (unbilled_usage_usd). Check its",
    ),
  );
  // the warning quotes the name as JSON, as the other price-book warnings do
  ok(
    warnings.some((w) =>
      w.startsWith('metered usage not billed: 1 organization on "pro *new* <b>"')
    ),
  );
});

Deno.test("requestChargeExpr is the scenario's requestChargeUsd over a column, both modes", () => {
  const tiers = [
    { upTo: 30_000, usdPer1k: 0.7 },
    { upTo: 90_000, usdPer1k: 0.35 },
    { upTo: null, usdPer1k: 0.02 },
  ];
  const requests = [0, 9_999, 10_000, 10_001, 30_000, 30_001, 90_000, 1_000_000];
  for (const mode of ["graduated", "volume"] as const) {
    const pricing: PerRequestPricing = { includedRequests: 10_000, mode, tiers };
    const priced = pl.DataFrame({ r: requests }).select(
      requestChargeExpr(pl.col("r").cast(pl.Float64), pricing).alias("usd"),
    );
    closeList(
      column(priced, "usd"),
      requests.map((r) => requestChargeUsd(r, pricing)),
      mode,
    );
  }
  // by hand, volume: 90,000 falls in the $0.35 band: 80,000 × $0.35 / 1,000 = $28
  const volume = pl.DataFrame({ r: [90_000] }).select(
    requestChargeExpr(pl.col("r").cast(pl.Float64), {
      includedRequests: 10_000,
      mode: "volume",
      tiers,
    }).alias("usd"),
  );
  closeList(column(volume, "usd"), [28], "volume by hand");
});

Deno.test("unbilled_usage_usd is in the column table: USD per month, on a 30-day basis", () => {
  const def = columnDef("unbilled_usage_usd");
  assertEquals([def.type, def.unit, def.source, def.window], [
    "number",
    "USD per month",
    "Derived",
    "30-day basis",
  ]);
});

Deno.test("not judged: usage charges not known (a currency without a rate), a plan that keeps its current MRR; one organization's warning in the singular", async () => {
  const p1 = meteredFrame().filter(pl.col("org_id").eq(pl.lit("p1")));
  // p1 alone: 50,000 requests, $21 (the first test), said of one organization
  const { frame: alone, warnings } = await withColumns(p1);
  closeList(column(alone, "unbilled_usage_usd"), [21], "p1");
  assertEquals(
    warnings.find((w) => w.startsWith("metered usage not billed")),
    'metered usage not billed: 1 organization on "pro 2025-12-10" above the requests its plan includes: $21.00 a month at list price (unbilled_usage_usd)',
  );
  // billed in a currency the run has no rate for: a counted subscription whose usage_charges (and
  // MRR) are not known, so whether Stripe billed usage is not known either
  const unconverted = p1.withColumns(
    pl.lit(null).cast(pl.Float64).alias("usage_charges"),
    pl.lit(null).cast(pl.Float64).alias("mrr"),
    pl.lit(null).cast(pl.Float64).alias("mrr_recurring"),
  );
  const { frame: unknown, warnings: none } = await withColumns(unconverted);
  closeList(column(unknown, "unbilled_usage_usd"), [null], "usage_charges not known");
  assertEquals(none.filter((w) => w.includes("not billed")), []);
  // the plan keeps its current MRR (its metered bands listed, but no list price to bill at)
  const book = await loadPriceBook();
  const kept: PriceBook = {
    ...book,
    scenario: {
      ...book.scenario,
      plans: book.scenario.plans.map((plan) =>
        plan.name === "pro 2025-12-10" ? { ...plan, keepCurrentMrr: true } : plan
      ),
    },
  };
  closeList(
    column((await withColumns(p1, 30, kept)).frame, "unbilled_usage_usd"),
    [null],
    "keepCurrentMrr",
  );
});

Deno.test("the unbilled plans are in name order on every call, whichever order Polars' unique() gives them", async () => {
  // (unique() returns pro and team either way round from one call to the next: a warning, and
  // the brief that prints it, would differ between two runs on the same data)
  const { frame } = await withColumns(meteredFrame());
  for (let call = 0; call < 20; call++) {
    assertEquals(unbilledUsage(frame)?.plans, ["pro 2025-12-10", "team 2025-12-10"]);
  }
});

/**
 * Through the real `stripe` SDK against tests/fake_stripe.ts, then the revenue columns and the
 * economics stage: four pro-20251210 organizations of 50,000 requests each ($21 of them above the
 * 10,000 included at list bands, as p1), their last closed period's invoice billed five days
 * before the as-of. Stripe billed $30 of request volume to three, which coupons took all of off (a
 * 100 % forever one, a 100 % repeating one, a 100 % forever one on the request-volume product
 * only), and $0 to the fourth. Leakage is judged before discounts: the three were billed, so 0
 * under every discount setting (their $90 is discounted, not unbilled); the fourth $21.
 */
const fullCoupon = (name: string, fields: Record<string, unknown>, end: number | null = null) => ({
  ...discount({ id: `di_ub_${name}`, couponId: `co_ub_${name}`, percent_off: 100, ...fields }, end),
  start: T - 60 * DAY,
});
const BILLED: [string, Record<string, unknown> | null][] = [
  ["cus_ub_forever", fullCoupon("forever", { duration: "forever" })],
  ["cus_ub_repeating", fullCoupon("repeating", { duration: "repeating" }, T + 60 * DAY)],
  [
    "cus_ub_usage_only",
    fullCoupon("usage_only", {
      duration: "forever",
      applies_to: { products: ["prod_request_volume"] },
    }),
  ],
  ["cus_ub_billed_nothing", null],
];
const billedData = {
  subscriptions: BILLED.map(([customer, off]) => ({
    ...subscription(customer, [[PRICES.pro2025, 1], [PRICES.requestVolume, null]], {
      id: `sub_${customer}`,
      discounts: off ? [off] : [],
    }),
    start_date: T - 90 * DAY,
    billing_cycle_anchor: T - 5 * DAY,
  })),
  products,
  coupons,
  invoices: BILLED.map(([customer, off]) =>
    invoice(`in_${customer}`, customer, `sub_${customer}`, T - 5 * DAY, [
      off
        ? line(`il_${customer}`, "price_request_volume", 3000, `sub_${customer}`, {
          discount_amounts: [{ discount: off.id, amount: 3000 }],
        })
        : line(`il_${customer}`, "price_request_volume", 0, `sub_${customer}`),
    ])
  ),
};

async function stripeEconomics(policy: DiscountPolicy) {
  let revenueRead: RevenueResult | null = null;
  await withFakeStripe(async (_fake, options) => {
    revenueRead = await loadRevenue(BILLED.map(([c]) => c), options);
  }, {
    data: billedData,
    asOf: AS_OF,
    mode: "auto",
    rules: resolveRules({ discountPolicy: policy }),
  });
  const n = BILLED.length;
  const organizations = exportFrameFromColumns({
    org_id: BILLED.map(([c]) => c.replace("cus_", "o_")),
    org_name: BILLED.map(([c]) => c),
    tier: new Array(n).fill("pro"),
    tier_raw: new Array(n).fill("pro-20251210"),
    stripe_customer_id: BILLED.map(([c]) => c),
    seats: new Array(n).fill(1),
    requests_30d: new Array(n).fill(50_000),
    llm_cost_30d: new Array(n).fill(1),
    llm_cost_ptb_30d: new Array(n).fill(0),
    llm_cost_byok_30d: new Array(n).fill(1),
  });
  const { frame } = attachRevenue(organizations, revenueRead);
  return addEconomicsColumns(frame, {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    revenue: revenueRead!,
    windowDays: 30,
  });
}

Deno.test("unbilled_usage_usd judges usage before discounts: a 100 % coupon's usage is discounted, not unbilled, under every discount setting", async () => {
  for (const policy of ["recurring", "forever", "none"] as const) {
    const { frame, warnings } = await stripeEconomics(policy);
    closeList(column(frame, "unbilled_usage_usd"), [0, 0, 0, 21], `${policy}: unbilled`);
    closeList(column(frame, "usage_discounts"), [30, 30, 30, 0], `${policy}: usage_discounts`);
    // $30 × 3 = $90 discounted, said apart from the $21 unbilled
    assertEquals(
      warnings.find((w) => w.startsWith("metered usage not billed")),
      'metered usage not billed: 1 organization on "pro 2025-12-10" above the requests its plan includes: $21.00 a month at list price (unbilled_usage_usd); discounted, not unbilled: 3 organizations, $90.00 a month (usage_discounts)',
      policy,
    );
    assertEquals(perPlanRunNotes(frame, {}), [
      "Unbilled metered usage: 1 organization on **pro 2025-12-10** sent more requests than its plan includes and was billed no metered usage: $21.00 a month at list price (`unbilled_usage_usd`). Check its subscription (`usage_charges` is the last closed period's).",
      "",
      "Discounted metered usage: 3 organizations on **pro 2025-12-10** were billed metered usage that discounts took $90.00 a month off (`usage_discounts`): a concession, not unbilled.",
      "",
    ], policy);
  }
});

Deno.test("the discounted usage note and clause for one organization, plan names escaped", async () => {
  const book = await loadPriceBook();
  // the 2025-12-10 pro plan renamed with Markdown and HTML in its name (price-book text is data)
  const renamed: PriceBook = {
    ...book,
    scenario: {
      ...book.scenario,
      plans: book.scenario.plans.map((plan) =>
        plan.name === "pro 2025-12-10" ? { ...plan, name: "pro *new* <b>" } : plan
      ),
    },
  };
  // p1 unbilled, $21 (the first test); p4 with nothing billed after discounts (usage_charges 0)
  // but $7.50 of metered usage that a discount took off: billed, so 0, and discounted
  const isP4 = pl.col("org_id").eq(pl.lit("p4"));
  const frame = meteredFrame().filter(pl.col("org_id").isIn(["p1", "p4"])).withColumns(
    pl.when(isP4).then(pl.lit(0)).otherwise(pl.col("usage_charges")).alias("usage_charges"),
    pl.when(isP4).then(pl.lit(7.5)).otherwise(pl.lit(0)).alias("usage_discounts"),
  );
  const { frame: priced, warnings } = await withColumns(frame, 30, renamed);
  closeList(column(priced, "unbilled_usage_usd"), [21, 0], "unbilled");
  assertEquals(
    warnings.find((w) => w.startsWith("metered usage not billed")),
    'metered usage not billed: 1 organization on "pro *new* <b>" above the requests its plan includes: $21.00 a month at list price (unbilled_usage_usd); discounted, not unbilled: 1 organization, $7.50 a month (usage_discounts)',
  );
  assertEquals(perPlanRunNotes(priced, {}).slice(2), [
    "Discounted metered usage: 1 organization on **pro \\*new\\* &lt;b>** was billed metered usage that discounts took $7.50 a month off (`usage_discounts`): a concession, not unbilled.",
    "",
  ]);
  assertEquals(
    perPlanRunNotesText(priced, {})[1],
    'Discounted metered usage: 1 organization on "pro *new* <b>" was billed metered usage that discounts took $7.50 a month off (usage_discounts): a concession, not unbilled.',
  );
});

Deno.test("a price book with no plan listing metered request prices judges no organization: the column is empty", async () => {
  const book = await loadPriceBook();
  const unmetered: PriceBook = {
    ...book,
    scenario: {
      ...book.scenario,
      plans: book.scenario.plans.map(({ meteredPrices: _metered, ...plan }) => plan),
    },
  };
  // p1 ($21 unbilled under the built-in book) and p4 (Stripe billed its usage: 0 under it)
  const frame = meteredFrame().filter(pl.col("org_id").isIn(["p1", "p4"]));
  const { frame: priced, warnings } = await withColumns(frame, 30, unmetered);
  assertEquals(column(priced, "unbilled_usage_usd"), [null, null]);
  assertEquals(warnings.filter((w) => w.includes("not billed")), []);
  assertEquals(perPlanRunNotes(priced, {}), []);
});
