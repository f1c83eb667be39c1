/**
 * Stripe revenue through the real `stripe` SDK against tests/fake_stripe.ts. Every expected value
 * is computed by hand from tests/fixtures/stripe/scenarios.ts (arithmetic in the comments): every
 * scenario, discounts, currencies, tax, rounding and period normalisation. Subscription states are
 * in revenue_subscriptions_test.ts, metered usage in revenue_usage_test.ts, Stripe's calls and
 * failures in revenue_stripe_calls_test.ts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { computeCustomerRevenue } from "../lib/revenue/mrr.ts";
import { periodMonths } from "../lib/revenue/price_facts.ts";
import { DEFAULT_RULES, revenueRulesFromEnv } from "../lib/revenue/rules.ts";
import { subscriptionLite } from "../lib/revenue/stripe_objects.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  coupons,
  CUSTOMERS,
  discount,
  FAKE_DATA,
  invoice,
  type Json,
  line,
  price,
  PRICES,
  products,
  subscription,
} from "./fixtures/stripe/scenarios.ts";
import { withFake } from "./revenue_fixture.ts";

/** [mrr, base, usage, prompts, other, recurring] per customer, USD per month */
const EXPECTED: Record<string, (number | null)[]> = {
  cus_seat: [100, 100, 0, 0, 0, 100], // $20 × 5 seats
  cus_team: [200, 200, 0, 0, 0, 200], // team bundle
  cus_prompts_on: [90, 40, 0, 50, 0, 90], // $20 × 2 + prompts $50
  cus_prompts_zero: [20, 20, 0, 0, 0, 20], // prompts item at quantity 0
  cus_yearly: [50, 50, 0, 0, 0, 50], // $600 / 12
  cus_quarterly: [100, 100, 0, 0, 0, 100], // $300 every 3 months / 3
  cus_coupon25: [60, 60, 0, 0, 0, 60], // $20 × 4 × (1 − 25%) forever
  cus_once10: [200, 200, 0, 0, 0, 200], // $10 off once is not recurring
  cus_repeating: [100, 100, 0, 0, 0, 100], // 50% off repeating, still running
  cus_trialing: [0, 0, 0, 0, 0, 0], // trialing does not count
  cus_past_due: [79, 79, 0, 0, 0, 79], // past_due counts
  cus_canceled: [0, 0, 0, 0, 0, 0],
  cus_cancelling: [79, 79, 0, 0, 0, 79], // counts until the period ends
  cus_two: [179, 79, 0, 0, 100, 179], // $79 plan + $100 evals on a second subscription
  cus_graduated: [100, 100, 0, 0, 0, 100], // 5 × $10 + 5 × $8 + 2 × $5
  cus_volume: [94, 94, 0, 0, 0, 94], // 12 units in the second tier: 12 × $7 + $10 flat
  cus_transform: [15, 15, 0, 0, 0, 15], // ceil(250 / 100) = 3 packs × $5
  cus_weekly: [43.33, 43.33, 0, 0, 0, 43.33], // $10 × 52 / 12
  cus_metered: [57.5, 20, 37.5, 0, 0, 20], // $20 seat + $37.50 usage on the latest closed invoice
  cus_eur: [110, 110, 0, 0, 0, 110], // €100 × 1.1
  cus_unknown: [15, 0, 0, 0, 15, 15], // unknown role: counted, under addon_other, with a warning
  cus_no_subscription: [0, 0, 0, 0, 0, 0], // a customer Stripe knows, with no subscription
  cus_paused: [0, 0, 0, 0, 0, 0], // paused does not count (default statuses)
  cus_cancel_at: [200, 200, 0, 0, 0, 200], // cancel_at in 30 days: counts until then
  // seat $20 × (1 − 20%) = $16 (the $5 once coupon is not recurring); usage: volume $50 − $10
  // (20% forever; the $5 once is not taken off) = $40, storage $12 − $2 tax in the price = $10
  cus_metered_discount: [66, 16, 50, 0, 0, 16],
  cus_jpy: [67, 67, 0, 0, 0, 67], // ¥10,000 (no minor unit, not ÷ 100) × 0.0067
  cus_foreign_price: [null, null, null, null, null, null], // billed via currency_options
  cus_item_discount: [85, 60, 0, 25, 0, 85], // $20 × 3 + prompts $50 × (1 − 50%) item coupon
  cus_item_trial: [79, 79, 0, 0, 0, 79], // the prompts item is on trial until after the as-of
  cus_many_items: [130, 20, 0, 0, 110, 130], // $20 seat + 11 × $10 add-ons (2 past the first 10)
  // Team $200 + Prompts $50 × (1 − 50%): the coupon applies to the prompts product only
  cus_prompts_coupon: [225, 200, 0, 25, 0, 225],
  // customer's 10%: $20 × 5 × 0.9 = $90 on the subscription without a discount; the other keeps
  // its own 50% and only that: $200 × 0.5 = $100
  cus_customer_discount: [190, 190, 0, 0, 0, 190],
  cus_currency_option: [99, 99, 0, 0, 0, 99], // the EUR option's €90 × 1.1
  cus_currency_option_tiered: [72.6, 72.6, 0, 0, 0, 72.6], // (5 × €10 + 2 × €8) × 1.1
  cus_eur_amount_coupon: [88, 88, 0, 0, 0, 88], // (€100 − the coupon's €20 option) × 1.1
};

Deno.test("every revenue scenario, fetched through the Stripe SDK, matches hand-computed values", async () => {
  await withFake(async (fake, options) => {
    const result = await loadRevenue(CUSTOMERS, options);
    assertEquals(result.source, "stripe");
    assertEquals(result.failed, false);
    for (const [customer, expected] of Object.entries(EXPECTED)) {
      const r = result.byCustomer.get(customer)!;
      assertEquals(
        [r.mrr, r.baseSubscription, r.usageCharges, r.addonPrompts, r.addonOther, r.mrrRecurring],
        expected,
        customer,
      );
    }
    const statusOf = (c: string) => result.byCustomer.get(c)!.subscriptionStatus;
    assertEquals(statusOf("cus_trialing"), "trialing");
    assertEquals(statusOf("cus_no_subscription"), null);
    assertEquals(result.byCustomer.get("cus_cancelling")!.cancelAtPeriodEnd, true);
    assertEquals(result.byCustomer.get("cus_seat")!.cancelAtPeriodEnd, false);
    assertEquals(result.byCustomer.get("cus_yearly")!.billingInterval, "year");
    assertEquals(result.byCustomer.get("cus_quarterly")!.billingInterval, "3 month");
    assertEquals(result.byCustomer.get("cus_eur")!.currency, "EUR");
    assertEquals(
      result.byCustomer.get("cus_prompts_on")!.stripePlanNames,
      "Prompts add-on, pro-users",
    );
    assertEquals(statusOf("cus_canceled"), "canceled"); // listed: status=all
    assertEquals(result.byCustomer.get("cus_cancel_at")!.cancelAtPeriodEnd, true);
    assertEquals(result.byCustomer.get("cus_jpy")!.currency, "JPY");
    ok(!result.byCustomer.has("cus_not_ours"));
    ok(result.warnings.some((w) => w.includes("price_mystery")), result.warnings.join("\n"));
    ok(result.warnings.some((w) => w.includes("currency_options")), result.warnings.join("\n"));
    // Stripe does not know these two: revenue empty (absent), counted in a warning
    assertEquals(result.unknownCustomerIds, ["cus_deleted", "cus_not_in_stripe"]);
    ok(!result.byCustomer.has("cus_deleted") && !result.byCustomer.has("cus_not_in_stripe"));
    ok(result.warnings.some((w) => w.startsWith("2 stripe_customer_id values are unknown")));
    // subscriptions, products, invoices, coupons (with applies_to): one page each; + the two
    // items past the embedded ten (1 subscription_items page) + the invoice's twelfth line (1 lines
    // page) + one page of recurring prices for 2 tiered prices and 3 priced in another currency
    // (more than the lookup limit of 1) = 7. The bound: ceil(38/100) + ceil(5/100) + 5 + the 2
    // embedded pages = 9, so 2 calls are left for the 3 customers without a subscription: more
    // than 2 lookups, so one page of customers, which settles all three = 8.
    assertEquals(
      FAKE_DATA.subscriptions.length <= 100 && FAKE_DATA.invoices.length <= 100,
      true,
    );
    assertEquals(result.apiCalls, 8);
    assertEquals(fake.requests.length, 8);
    assertEquals(fake.requests.toSorted(), [
      "GET /v1/coupons",
      "GET /v1/customers",
      "GET /v1/invoices",
      "GET /v1/invoices/in_metered_oct/lines",
      "GET /v1/prices",
      "GET /v1/products",
      "GET /v1/subscription_items",
      "GET /v1/subscriptions",
    ]);
    const couponsRequest = fake.log.find((r) => r.path === "/v1/coupons")!;
    assertEquals(
      couponsRequest.params.getAll("expand[0]").concat(
        couponsRequest.params.getAll("expand[1]"),
      ),
      ["data.applies_to", "data.currency_options"],
    );
    const pricesRequest = fake.log.find((r) => r.path === "/v1/prices")!;
    assertEquals(pricesRequest.params.get("type"), "recurring");
  });
});

Deno.test("discount policies apply to the cached snapshot: none, forever, recurring", async () => {
  await withFake(async (fake, options) => {
    await loadRevenue(CUSTOMERS, options);
    const calls = fake.requests.length;
    const with_ = async (policy: string) => {
      const result = await loadRevenue(CUSTOMERS, {
        ...options,
        rules: revenueRulesFromEnv({ PRICING_STRIPE_DISCOUNTS: policy }),
      });
      assertEquals(result.source, "cache");
      const mrr = (c: string) => result.byCustomer.get(c)!.mrr;
      return [mrr("cus_coupon25"), mrr("cus_repeating"), mrr("cus_metered_discount")];
    };
    // none: list prices. $20 × 4 = 80; $200; seat $20 + volume $50 + storage $10 = 80
    assertEquals(await with_("none"), [80, 200, 80]);
    // forever: 25% off forever = 60; repeating does not count = 200; as recurring = 66
    assertEquals(await with_("forever"), [60, 200, 66]);
    // recurring (default): 60; 50% off still running = 100; 66
    assertEquals(await with_("recurring"), [60, 100, 66]);
    assertEquals(fake.requests.length, calls, "rules change without a refetch");
  });
});

Deno.test("a currency without a configured rate leaves that customer's revenue empty, with a warning", async () => {
  await withFake(async (_fake, options) => {
    const result = await loadRevenue(["cus_eur", "cus_seat"], { ...options, rules: DEFAULT_RULES });
    assertEquals(result.byCustomer.get("cus_eur")!.mrr, null);
    assertEquals(result.byCustomer.get("cus_seat")!.mrr, 100);
    ok(result.warnings.some((w) => w.includes("EUR") && w.includes("PRICING_FX_RATES")));
  });
});

Deno.test("three-decimal currencies and Stripe's special cases are converted from their own minor units", async () => {
  const T = AS_OF.getTime() / 1000;
  const inCurrency = (currency: string, cents: number, options = {}) =>
    price("prod_enterprise", cents, { id: `price_${currency}`, currency, ...options });
  const subs = [
    // 10.000 KWD a month (10000 thousandths) and a metered request volume in KWD
    subscription("cus_kwd", [
      [inCurrency("kwd", 10000), 1],
      [
        price("prod_request_volume", null, {
          id: "price_kwd_usage",
          currency: "kwd",
          metered: true,
        }),
        null,
      ],
    ], { id: "sub_kwd", currency: "kwd" }),
    // 120.000 BHD a year
    subscription("cus_bhd", [[inCurrency("bhd", 120000, { interval: "year" }), 1]], {
      currency: "bhd",
    }),
    // 50,000 UGX and 5,000 ISK, passed with two decimals (Stripe's special cases)
    subscription("cus_ugx", [[inCurrency("ugx", 5000000), 1]], { currency: "ugx" }),
    subscription("cus_isk", [[inCurrency("isk", 500000), 1]], { currency: "isk" }),
    // HUF and TWD are charged in two decimals (zero-decimal for payouts only)
    subscription("cus_huf", [[inCurrency("huf", 1000000), 1]], { currency: "huf" }),
    subscription("cus_twd", [[inCurrency("twd", 80000), 1]], { currency: "twd" }),
  ];
  // the last closed cycle billed 4.000 KWD of request volume
  const invoices = [
    invoice("in_kwd", "cus_kwd", "sub_kwd", T - 3 * 86_400, [
      line("il_kwd", "price_kwd_usage", 4000, "sub_kwd", { currency: "kwd" }),
    ], { currency: "kwd" }),
  ];
  await withFakeStripe(async (_fake, options) => {
    const result = await loadRevenue(subs.map((s) => s.customer), options);
    const money = (c: string) => {
      const r = result.byCustomer.get(c)!;
      return [r.mrr, r.baseSubscription, r.usageCharges, r.mrrRecurring];
    };
    assertEquals(money("cus_kwd"), [45.5, 32.5, 13, 32.5]); // 10 × 3.25; usage 4 × 3.25 = 13
    assertEquals(money("cus_bhd"), [26.5, 26.5, 0, 26.5]); // 120 / 12 × 2.65
    assertEquals(money("cus_ugx"), [13.5, 13.5, 0, 13.5]); // 50,000 × 0.00027
    assertEquals(money("cus_isk"), [36, 36, 0, 36]); // 5,000 × 0.0072
    assertEquals(money("cus_huf"), [28, 28, 0, 28]); // 10,000 × 0.0028
    assertEquals(money("cus_twd"), [24.8, 24.8, 0, 24.8]); // 800 × 0.031
  }, {
    data: { subscriptions: subs, products, invoices },
    asOf: AS_OF,
    mode: "auto",
    rules: revenueRulesFromEnv({
      PRICING_FX_RATES: "KWD:3.25,BHD:2.65,UGX:0.00027,ISK:0.0072,HUF:0.0028,TWD:0.031",
    }),
  });
});

Deno.test("the currency warnings count the customers whose revenue they leave empty", async () => {
  const subs = [
    // two customers in EUR and one in JPY, no rate for either: three left empty
    subscription("cus_eur_a", [[price("prod_enterprise", 10000, { currency: "eur" }), 1]], {
      currency: "eur",
    }),
    subscription("cus_eur_b", [[price("prod_enterprise", 5000, { currency: "eur" }), 1]], {
      currency: "eur",
    }),
    subscription("cus_jpy_a", [[price("prod_enterprise", 10000, { currency: "jpy" }), 1]], {
      currency: "jpy",
    }),
    // a USD price billed in GBP without a GBP amount (a rate for GBP is set): one left empty
    subscription("cus_gbp_no_option", [[
      price("prod_enterprise", 10000, { id: "price_usd_no_gbp" }),
      1,
    ]], { currency: "gbp" }),
    subscription("cus_usd", [[PRICES.teamBundle, 1]]),
  ];
  await withFakeStripe(async (_fake, options) => {
    const result = await loadRevenue(subs.map((s) => s.customer), options);
    assertEquals(result.byCustomer.get("cus_usd")!.mrr, 200);
    for (const c of ["cus_eur_a", "cus_eur_b", "cus_jpy_a", "cus_gbp_no_option"]) {
      assertEquals(result.byCustomer.get(c)!.mrr, null, c);
    }
    assertEquals(result.warnings.filter((w) => w.startsWith("revenue left empty")), [
      "revenue left empty for 3 customers billed in currencies without a rate to USD (EUR, JPY): set PRICING_FX_RATES (e.g. EUR:1.08) to convert",
      "revenue left empty for 1 customer billed in another currency than a price's own, where the price has no amount in that currency (currency_options): price_usd_no_gbp",
    ]);
  }, {
    data: { subscriptions: subs, products, invoices: [] },
    asOf: AS_OF,
    mode: "auto",
    rules: revenueRulesFromEnv({ PRICING_FX_RATES: "GBP:1.27" }),
  });
});

Deno.test("tax included in a price is taken out of MRR; an unknown included rate is counted and warned of", async () => {
  const rate = (percentage: number, inclusive: boolean) => ({
    id: `txr_${percentage}_${inclusive ? "in" : "ex"}`,
    object: "tax_rate",
    active: true,
    inclusive,
    percentage,
  });
  const plan = (cents: number, id: string, taxBehavior = "unspecified") => ({
    ...price("prod_team_bundle", cents, { id }),
    tax_behavior: taxBehavior,
  });
  const taxed = (customer: string, items: [Json, number][], extra: Json) => ({
    ...subscription(customer, items, { id: `sub_${customer}` }),
    default_tax_rates: [],
    automatic_tax: { enabled: false },
    ...extra,
  });
  const withItemRates = taxed("cus_tax_item", [[plan(12000, "price_tax_item"), 1]], {
    default_tax_rates: [rate(20, true)],
  });
  // the item's own rates win over the subscription's: 10 % inclusive on $110
  withItemRates.items.data[0].price.unit_amount = 11000;
  withItemRates.items.data[0].price.unit_amount_decimal = "11000";
  withItemRates.items.data[0].tax_rates = [rate(10, true)];
  const subs = [
    // $120 with 20 % included: $120 / 1.2 = $100
    taxed("cus_tax_incl", [[plan(12000, "price_tax_incl"), 1]], {
      default_tax_rates: [rate(20, true)],
    }),
    withItemRates, // $110 / 1.1 = $100
    // tax added on top of the price is not in it: $120
    taxed("cus_tax_excl", [[plan(12000, "price_tax_excl"), 1]], {
      default_tax_rates: [rate(20, false)],
    }),
    // $24 off forever comes off the billed $120, then the tax: ($120 − $24) / 1.2 = $80
    taxed("cus_tax_disc", [[plan(12000, "price_tax_disc"), 1]], {
      default_tax_rates: [rate(20, true)],
      discounts: [discount({ id: "di_tax24", amount_off: 2400, duration: "forever" })],
    }),
    // Stripe Tax on a tax-inclusive price: the rate is not on the subscription; $120, warned of
    taxed("cus_tax_auto", [[plan(12000, "price_tax_auto", "inclusive"), 1]], {
      automatic_tax: { enabled: true },
    }),
  ];
  /** [mrr, base, recurring] */
  const expected: Record<string, number[]> = {
    cus_tax_incl: [100, 100, 100],
    cus_tax_item: [100, 100, 100],
    cus_tax_excl: [120, 120, 120],
    cus_tax_disc: [80, 80, 80],
    cus_tax_auto: [120, 120, 120],
  };
  await withFake(async (fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(Object.keys(expected), options);
      assertEquals(result.source, source);
      for (const [customer, values] of Object.entries(expected)) {
        const r = result.byCustomer.get(customer)!;
        assertEquals([r.mrr, r.baseSubscription, r.mrrRecurring], values, `${customer} ${source}`);
      }
      assertEquals(result.warnings.filter((w) => w.includes("include tax")), [
        "Stripe prices that include tax at a rate the subscription does not say (automatic tax on a tax-inclusive price) counted with their tax in mrr and mrr_recurring: price_tax_auto",
      ]);
    }
    // the rates come embedded in the subscriptions' listing: no call more
    assertEquals([...fake.requests].sort(), [
      "GET /v1/coupons",
      "GET /v1/invoices",
      "GET /v1/products",
      "GET /v1/subscriptions",
    ]);
  }, { subscriptions: subs, products, invoices: [], coupons });
});

Deno.test("mrr and mrr_recurring are the sums of their rounded columns, to the cent", async () => {
  const weekly = { interval: "week" };
  const subs = [
    subscription("cus_weekly_two", [
      [price("prod_pro_users", 1000, { id: "price_pro_users_weekly", ...weekly }), 1],
      [price("prod_prompts", 1000, { id: "price_prompts_weekly", ...weekly }), 1],
    ]),
  ];
  await withFake(async (_fake, options) => {
    const r = (await loadRevenue(["cus_weekly_two"], options)).byCustomer.get("cus_weekly_two")!;
    // each $10 × 52 / 12 = 43.333… → 43.33; the exact total 86.666… would round to 86.67
    assertEquals(
      [r.mrr, r.baseSubscription, r.usageCharges, r.addonPrompts, r.addonOther, r.mrrRecurring],
      [86.66, 43.33, 0, 43.33, 0, 86.66],
    );
  }, { subscriptions: subs, products, invoices: [] });
});

Deno.test("period normalisation pins week = 52/12 and day = 365/12 per month", () => {
  assertEquals(periodMonths({ interval: "month", interval_count: 1, usage_type: "licensed" }), 1);
  assertEquals(periodMonths({ interval: "year", interval_count: 2, usage_type: "licensed" }), 24);
  const perMonth = (interval: "week" | "day") =>
    1 / periodMonths({ interval, interval_count: 1, usage_type: "licensed" });
  ok(Math.abs(perMonth("week") - 52 / 12) < 1e-12);
  ok(Math.abs(perMonth("day") - 365 / 12) < 1e-12);
});

Deno.test("discount policy: forever only, none, and a repeating discount that has ended", () => {
  const sub = subscriptionLite({
    id: "sub_x",
    customer: "cus_x",
    status: "active",
    currency: "usd",
    discounts: [
      {
        id: "di_a",
        source: { coupon: { id: "co_a", percent_off: 50, duration: "repeating" } },
        end: AS_OF.getTime() / 1000 - 1, // ended a second before the as-of
      },
      // an older API version's shape: the coupon on the discount itself
      { id: "di_b", coupon: { id: "co_b", percent_off: 10, duration: "forever" }, end: null },
    ],
    items: {
      data: [{
        id: "si",
        quantity: 1,
        price: {
          id: "p",
          product: "prod_pro_users",
          currency: "usd",
          unit_amount_decimal: "10000",
          recurring: { interval: "month", interval_count: 1 },
        },
      }],
    },
  }, { coupons: new Map(), unresolved: new Set() });
  const compute = (policy: "recurring" | "forever" | "none") =>
    computeCustomerRevenue(
      {
        customerId: "cus_x",
        subscriptions: [sub],
        products: new Map(),
        usageLines: [],
        asOf: AS_OF,
      },
      { ...DEFAULT_RULES, discountPolicy: policy },
    ).revenue.mrr;
  assertEquals(compute("recurring"), 90); // the ended 50% no longer counts; 10% forever does
  assertEquals(compute("forever"), 90);
  assertEquals(compute("none"), 100);
});
