/**
 * Stripe revenue through the real `stripe` SDK against tests/fake_stripe.ts. Every expected value
 * is computed by hand from tests/fixtures/stripe/scenarios.ts (arithmetic in the comments).
 */
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import { loadRevenue, type RevenueOptions } from "../lib/revenue/mod.ts";
import { computeCustomerRevenue } from "../lib/revenue/mrr.ts";
import { periodMonths } from "../lib/revenue/price_facts.ts";
import { DEFAULT_RULES, revenueRulesFromEnv } from "../lib/revenue/rules.ts";
import { priceLite, subscriptionLite } from "../lib/revenue/stripe_objects.ts";
import { type FakeStripeData, withFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  coupons,
  CUSTOMERS,
  discount,
  FAKE_DATA,
  invoice,
  lateThresholdAndLicensedSwapData,
  line,
  price,
  PRICES,
  products,
  subscription,
  subscriptions,
  thresholdAndSwapData,
  thresholdResetData,
} from "./fixtures/stripe/scenarios.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

function withFake(
  run: Parameters<typeof withFakeStripe>[0],
  data: FakeStripeData = FAKE_DATA,
) {
  return withFakeStripe(run, {
    data,
    mode: "auto",
    asOf: AS_OF,
    rules: revenueRulesFromEnv({ PRICING_FX_RATES: "EUR:1.1,JPY:0.0067" }),
  });
}

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

Deno.test("a licensed price with the usage role is a recurring add-on (mrr_recurring), with one warning", async () => {
  const subs = [
    // pro $79 + a licensed storage package: 10 × $6 (the name says usage; it is not metered)
    subscription("cus_storage_pack", [
      [PRICES.pro2025, 1],
      [price("prod_storage", 600, { id: "price_storage_pack" }), 10],
    ]),
    // the same storage price on a second customer: still one warning naming it once
    subscription("cus_storage_pack_2", [[
      price("prod_storage", 600, { id: "price_storage_pack" }),
      5,
    ]]),
    // team $200 + evals $100 mapped to usage by PRICING_STRIPE_PRICE_ROLES
    subscription("cus_mapped_usage", [[PRICES.teamBundle, 1], [PRICES.evals, 1]]),
  ];
  await withFakeStripe(async (_fake, options) => {
    const result = await loadRevenue(subs.map((s) => s.customer), options);
    const money = (c: string) => {
      const r = result.byCustomer.get(c)!;
      return [
        r.mrr,
        r.baseSubscription,
        r.usageCharges,
        r.addonPrompts,
        r.addonOther,
        r.mrrRecurring,
      ];
    };
    assertEquals(money("cus_storage_pack"), [139, 79, 0, 0, 60, 139]); // $79 + 10 × $6
    assertEquals(money("cus_storage_pack_2"), [30, 0, 0, 0, 30, 30]); // 5 × $6
    assertEquals(money("cus_mapped_usage"), [300, 200, 0, 0, 100, 300]); // $200 + $100
    const licensed = result.warnings.filter((w) => w.includes("licensed (not metered)"));
    assertEquals(licensed.length, 1, result.warnings.join("\n"));
    match(licensed[0], /PRICING_STRIPE_PRICE_ROLES\): price_evals, price_storage_pack$/);
  }, {
    data: { subscriptions: subs, products, invoices: [] },
    asOf: AS_OF,
    mode: "auto",
    rules: revenueRulesFromEnv({ PRICING_STRIPE_PRICE_ROLES: "price_evals:usage" }),
  });
});

Deno.test("a subscription whose collection is paused counts as paused: not counted by default, shown in subscription_status", async () => {
  const paused = (behavior: string) => ({ behavior, resumes_at: null });
  const subs = [
    // Stripe keeps it active; its invoices are voided while paused
    {
      ...subscription("cus_pause_void", [[PRICES.teamBundle, 1]]),
      pause_collection: paused("void"),
    },
    // one paused (drafts kept) beside an active $100 evals subscription
    {
      ...subscription("cus_pause_one", [[PRICES.pro2025, 1]]),
      pause_collection: paused("keep_as_draft"),
    },
    subscription("cus_pause_one", [[PRICES.evals, 1]]),
    // ended: a pause left on a canceled subscription changes nothing
    {
      ...subscription("cus_pause_canceled", [[PRICES.teamBundle, 1]], { status: "canceled" }),
      pause_collection: paused("mark_uncollectible"),
    },
  ];
  const customers = ["cus_pause_void", "cus_pause_one", "cus_pause_canceled"];
  await withFakeStripe(async (fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(customers, options);
      assertEquals(result.source, source);
      const row = (c: string) => {
        const r = result.byCustomer.get(c)!;
        return [r.mrr, r.mrrRecurring, r.subscriptionStatus];
      };
      assertEquals(row("cus_pause_void"), [0, 0, "paused"]);
      assertEquals(row("cus_pause_one"), [100, 100, "active,paused"]); // evals only
      assertEquals(row("cus_pause_canceled"), [0, 0, "canceled"]);
    }
    // counting paused (a setting, applied to the cached snapshot): $200 and $79 + $100
    const counted = await loadRevenue(customers, {
      ...options,
      rules: revenueRulesFromEnv({ PRICING_STRIPE_COUNTED_STATUSES: "active,past_due,paused" }),
    });
    assertEquals(counted.source, "cache");
    assertEquals(counted.byCustomer.get("cus_pause_void")!.mrr, 200);
    assertEquals(counted.byCustomer.get("cus_pause_one")!.mrr, 179);
    assertEquals(fake.requests.filter((r) => r.endsWith("/subscriptions")).length, 1);
  }, { data: { subscriptions: subs, products, invoices: [] }, asOf: AS_OF, mode: "auto" });
});

Deno.test("a subscription that started, or left its trial, after the as-of is not counted at the as-of", async () => {
  const T = AS_OF.getTime() / 1000;
  const HOUR = 3_600;
  const DAY = 86_400;
  const subs = [
    // Stripe says active now, but its trial ran to 02:00, after the 00:00 as-of: trialing then
    {
      ...subscription("cus_trial_after", [[PRICES.teamBundle, 1]]),
      start_date: T - 14 * DAY,
      trial_end: T + 2 * HOUR,
    },
    // its trial ended in the export window, before the as-of: $79 at the as-of
    {
      ...subscription("cus_trial_before", [[PRICES.pro2025, 1]]),
      start_date: T - 17 * DAY,
      trial_end: T - 3 * DAY,
    },
    // started at 01:00, after the as-of: it did not exist then
    { ...subscription("cus_started_after", [[PRICES.evals, 1]]), start_date: T + HOUR },
    // created after the as-of but backdated to a month before it: billed from then, 2 × $20
    {
      ...subscription("cus_backdated", [[PRICES.proUsers, 2]]),
      created: T + HOUR,
      start_date: T - 30 * DAY,
    },
  ];
  const customers = subs.map((s) => s.customer);
  const mrrOf = (result: Awaited<ReturnType<typeof loadRevenue>>) =>
    customers.map((c) => result.byCustomer.get(c)!.mrr);
  await withFakeStripe(async (fake, options) => {
    const atAsOf = await loadRevenue(customers, options);
    assertEquals(atAsOf.source, "stripe");
    // trialing then 0; $79; not started 0; $40
    assertEquals(mrrOf(atAsOf), [0, 79, 0, 40]);
    // its status at the as-of: trialing then (Stripe says active now); nothing counted, so no
    // scheduled-churn flag; one not started then had no status
    assertEquals(atAsOf.byCustomer.get("cus_trial_after")!.subscriptionStatus, "trialing");
    assertEquals(atAsOf.byCustomer.get("cus_trial_after")!.cancelAtPeriodEnd, null);
    assertEquals(atAsOf.byCustomer.get("cus_started_after")!.subscriptionStatus, null);
    // the same day's cache, read for 03:00: the trial is over and the $100 evals has started
    const later = await loadRevenue(customers, {
      ...options,
      asOf: new Date(AS_OF.getTime() + 3 * HOUR * 1000),
    });
    assertEquals(later.source, "cache");
    assertEquals(mrrOf(later), [200, 79, 100, 40]);
    assertEquals(later.byCustomer.get("cus_trial_after")!.subscriptionStatus, "active");
    assertEquals(later.byCustomer.get("cus_started_after")!.subscriptionStatus, "active");
    // counting trialing (a setting): the trial under way at the as-of counts, $200
    const trialsCounted = await loadRevenue(customers, {
      ...options,
      rules: revenueRulesFromEnv({ PRICING_STRIPE_COUNTED_STATUSES: "active,past_due,trialing" }),
    });
    assertEquals(mrrOf(trialsCounted), [200, 79, 0, 40]);
    assertEquals(fake.requests.filter((r) => r.endsWith("/subscriptions")).length, 1);
  }, { data: { subscriptions: subs, products, invoices: [] }, asOf: AS_OF, mode: "auto" });
});

Deno.test("a subscription whose first full period starts after the as-of counts at its full price, with a warning", async () => {
  const T = AS_OF.getTime() / 1000;
  const DAY = 86_400;
  const subs = [
    // signed 2 days ago, anchored 10 days after the as-of (a free or prorated stretch until
    // then): counted at its $200 a month, the rate it is committed to, and named in a warning
    {
      ...subscription("cus_anchor_ahead", [[PRICES.teamBundle, 1]], { id: "sub_anchor_ahead" }),
      start_date: T - 2 * DAY,
      billing_cycle_anchor: T + 10 * DAY,
    },
    // anchored at its start 40 days ago: $79, no warning
    {
      ...subscription("cus_anchor_past", [[PRICES.pro2025, 1]]),
      start_date: T - 40 * DAY,
      billing_cycle_anchor: T - 40 * DAY,
    },
    // a trialing one anchored at its trial's end is not counted: no warning either
    {
      ...subscription("cus_anchor_trial", [[PRICES.evals, 1]], { status: "trialing" }),
      trial_end: T + 5 * DAY,
      billing_cycle_anchor: T + 5 * DAY,
    },
  ];
  await withFakeStripe(async (_fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(subs.map((s) => s.customer), options);
      assertEquals(result.source, source);
      assertEquals(
        subs.map((s) => result.byCustomer.get(s.customer)!.mrr),
        [200, 79, 0],
      );
      assertEquals(result.warnings.filter((w) => w.includes("billing_cycle_anchor")), [
        "1 Stripe subscription counted in mrr at its full price before its first full billing period (billing_cycle_anchor after the as-of; Stripe bills a prorated or free stretch until then): sub_anchor_ahead",
      ]);
    }
  }, { data: { subscriptions: subs, products, invoices: [] }, asOf: AS_OF, mode: "auto" });
});

Deno.test("a deleted customer whose canceled subscription Stripe still lists is unknown: empty revenue, in the warning", async () => {
  const subs = [
    // deleting a customer cancels its subscriptions; Stripe keeps listing them (status=all)
    subscription("cus_gone", [[PRICES.teamBundle, 1]], { status: "canceled" }),
    subscription("cus_here", [[PRICES.teamBundle, 1]]),
  ];
  const customers = [
    { id: "cus_gone", object: "customer", deleted: true },
    { id: "cus_here", object: "customer" },
  ];
  await withFakeStripe(async (_fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(["cus_gone", "cus_here"], options);
      assertEquals(result.source, source);
      assertEquals(result.unknownCustomerIds, ["cus_gone"]);
      ok(!result.byCustomer.has("cus_gone"), source); // empty revenue, not $0
      assertEquals(result.byCustomer.get("cus_here")!.mrr, 200);
      ok(
        result.warnings.some((w) =>
          w.startsWith("1 stripe_customer_id value is unknown") && w.includes("cus_gone")
        ),
        result.warnings.join("\n"),
      );
    }
  }, {
    data: { subscriptions: subs, products, invoices: [], customers },
    asOf: AS_OF,
    mode: "auto",
  });
});

Deno.test("the unknown customers' warning tells those Stripe deleted from those it never found", async () => {
  const subs = [
    // deleted: Stripe keeps listing its canceled subscription, whose customer reads deleted
    subscription("cus_gone", [[PRICES.teamBundle, 1]], { status: "canceled" }),
    subscription("cus_here", [[PRICES.teamBundle, 1]]),
  ];
  const customers = [
    { id: "cus_gone", object: "customer", deleted: true },
    { id: "cus_here", object: "customer" },
    // deleted without a subscription left: a lookup answers deleted
    { id: "cus_deleted_bare", object: "customer", deleted: true },
  ];
  const unknown = (result: Awaited<ReturnType<typeof loadRevenue>>) =>
    result.warnings.filter((w) => w.includes("unknown to this Stripe account"));
  await withFakeStripe(async (_fake, options) => {
    for (const source of ["stripe", "cache"]) {
      // two deleted (one seen on its subscription, one looked up) and one Stripe never had
      const result = await loadRevenue(
        ["cus_here", "cus_gone", "cus_deleted_bare", "cus_never"],
        options,
      );
      assertEquals(result.source, source);
      assertEquals(unknown(result), [
        "3 stripe_customer_id values are unknown to this Stripe account (2 deleted in Stripe, 1 not found: from another account or test mode, or deleted): their revenue is empty (e.g. cus_gone, cus_deleted_bare, cus_never)",
      ]);
    }
    // deleted ones only; then one never found only
    assertEquals(
      unknown(await loadRevenue(["cus_here", "cus_gone", "cus_deleted_bare"], options)),
      [
        "2 stripe_customer_id values are unknown to this Stripe account (deleted in Stripe, their subscriptions canceled): their revenue is empty (e.g. cus_gone, cus_deleted_bare)",
      ],
    );
    assertEquals(unknown(await loadRevenue(["cus_here", "cus_never"], options)), [
      "1 stripe_customer_id value is unknown to this Stripe account (deleted, or from another account or test mode): its revenue is empty (e.g. cus_never)",
    ]);
  }, {
    data: { subscriptions: subs, products, invoices: [], customers },
    asOf: AS_OF,
    mode: "auto",
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

Deno.test("Stripe's glossary check: 100 × $100/month + 50 × $600/year = $12,500 MRR, in ceil(150/100)+3 calls", async () => {
  const monthly = priceLite({
    id: "price_m",
    product: "prod_pro_users",
    currency: "usd",
    unit_amount_decimal: "10000",
    recurring: { interval: "month", interval_count: 1, usage_type: "licensed" },
  });
  const yearly = priceLite({
    id: "price_y",
    product: "prod_pro_users",
    currency: "usd",
    unit_amount_decimal: "60000",
    recurring: { interval: "year", interval_count: 1, usage_type: "licensed" },
  });
  const subs = Array.from({ length: 150 }, (_, i) => ({
    id: `sub_g${String(i).padStart(3, "0")}`,
    object: "subscription",
    customer: `cus_g${i}`,
    status: "active",
    currency: "usd",
    cancel_at_period_end: false,
    discounts: [],
    items: {
      object: "list",
      data: [{ id: `si_g${i}`, quantity: 1, price: i < 100 ? monthly : yearly, discounts: [] }],
    },
  }));
  await withFake(async (fake, options) => {
    const customers = subs.map((s) => s.customer);
    const result = await loadRevenue(customers, options);
    const total = customers.reduce((sum, c) => sum + result.byCustomer.get(c)!.mrr!, 0);
    assertEquals(total, 12_500);
    // 150 subscriptions = 2 pages, products 1, invoices 1, coupons 1
    assertEquals(result.apiCalls, 5);
    assertEquals(fake.requests.filter((r) => r.endsWith("/subscriptions")).length, 2);
  }, { subscriptions: subs, products, invoices: [] });
});

Deno.test("a few hundred customers cost the call bound at most; the cache then costs none", async () => {
  const template = subscriptions[0];
  const many = Array.from({ length: 420 }, (_, i) => ({
    ...structuredClone(template),
    id: `sub_many${String(i).padStart(4, "0")}`,
    customer: `cus_many${i}`,
  }));
  // Stripe lists customers newest first: the two without a subscription signed up last
  const customerObjects = [
    { id: "cus_free1", object: "customer" },
    { id: "cus_free2", object: "customer" },
    ...many.map((s) => ({ id: s.customer, object: "customer" })),
  ];
  await withFake(async (fake, options) => {
    // 420 subscribers, 2 customers without a subscription, 1 id Stripe does not know
    const customers = [...many.map((s) => s.customer), "cus_free1", "cus_free2", "cus_gone"];
    const first = await loadRevenue(customers, options);
    // bound: ceil(420/100) + ceil(0/100) + 5 = 10. The lists: 5 subscription pages + products,
    // invoices, coupons = 8; 2 calls left for 3 customers: a listing of customers cut off after
    // 2 pages, which finds cus_free1 and cus_free2 but cannot settle cus_gone
    assertEquals(first.apiCalls, 10);
    assertEquals(fake.requests.length, 10);
    assertEquals(fake.requests.filter((r) => r === "GET /v1/customers").length, 2);
    assertEquals(first.byCustomer.get("cus_many7")!.mrr, 100); // $20 × 5 seats
    assertEquals(first.byCustomer.get("cus_free1")!.mrr, 0);
    assertEquals(first.unknownCustomerIds, []);
    assertEquals(first.byCustomer.get("cus_gone")!.mrr, 0);
    ok(
      first.warnings.some((w) =>
        w.startsWith("1 stripe_customer_id values without a subscription were not checked")
      ),
      first.warnings.join("\n"),
    );
    // the next export reads the cache and checks the id it left unverified: unknown, not $0
    const second = await loadRevenue(customers, options);
    assertEquals([second.source, second.apiCalls], ["cache", 1]);
    assertEquals(fake.requests.at(-1), "GET /v1/customers/cus_gone");
    assertEquals(second.unknownCustomerIds, ["cus_gone"]);
    ok(!second.byCustomer.has("cus_gone"));
    ok(!second.warnings.some((w) => w.includes("were not checked")), second.warnings.join("\n"));
    // then the cache settles them all: no request on a cache hit
    const again = await loadRevenue(customers, options);
    assertEquals([again.source, again.apiCalls], ["cache", 0]);
    assertEquals(fake.requests.length, 11, "no request on a cache hit");
    assertEquals(again.byCustomer, second.byCustomer);
    assertEquals(again.warnings, second.warnings);
    // a later export that asks for one more customer: only that one is looked up (unknown)
    const third = await loadRevenue([...customers, "cus_new"], options);
    assertEquals([third.source, third.apiCalls], ["cache", 1]);
    assertEquals(fake.requests.at(-1), "GET /v1/customers/cus_new");
    assertEquals(third.unknownCustomerIds, ["cus_gone", "cus_new"]);
    assertEquals((await loadRevenue([...customers, "cus_new"], options)).apiCalls, 0);
    const refreshed = await loadRevenue(customers, { ...options, mode: "refresh" });
    assertEquals(refreshed.source, "stripe");
    assertEquals(fake.requests.length, 22);
    // the cache holds no key, and no more than the kit needs
    for (const entry of Deno.readDirSync(options.cacheDir)) {
      match(entry.name, /^stripe_[0-9a-f]{16}_2026-11-01\.json$/);
      const text = await Deno.readTextFile(`${options.cacheDir}/${entry.name}`);
      ok(!text.includes(fake.apiKey));
      assertEquals(Object.keys(JSON.parse(text).snapshot.subscriptions[0]).sort(), [
        "billing_cycle_anchor",
        "cancel_at",
        "cancel_at_period_end",
        "canceled_at",
        "created",
        "currency",
        "customer",
        "discounts",
        "ended_at",
        "id",
        "items",
        "start_date",
        "status",
        "trial_end",
        "trial_start",
      ]);
    }
  }, { subscriptions: many, products, invoices: [], customers: customerObjects });
});

Deno.test("metered usage of a quarter, a year or a week is per month, and counts until the next cycle's invoice", async () => {
  const T = AS_OF.getTime() / 1000;
  const DAY = 86_400;
  // A plan and its metered price share an interval (Stripe requires it of a subscription).
  const plan = (key: string, cents: number, recurring: object) =>
    [
      [price("prod_enterprise", cents, { id: `price_plan_${key}`, ...recurring }), 1],
      [
        price("prod_request_volume", null, {
          id: `price_usage_${key}`,
          metered: true,
          ...recurring,
        }),
        null,
      ],
    ] as [unknown, number | null][];
  const quarterly = { interval_count: 3 };
  const usage = (id: string, customer: string, daysAgo: number, key: string, cents: number) =>
    invoice(id, customer, `sub_${customer}`, T - daysAgo * DAY, [
      line(`il_${id}`, `price_usage_${key}`, cents, `sub_${customer}`),
    ]);
  const subs = [
    subscription("cus_q_recent", plan("q", 30000, quarterly), { id: "sub_cus_q_recent" }),
    subscription("cus_q_older", plan("q", 30000, quarterly), { id: "sub_cus_q_older" }),
    subscription("cus_q_stale", plan("q", 30000, quarterly), { id: "sub_cus_q_stale" }),
    {
      ...subscription("cus_q_new", plan("q", 30000, quarterly), { id: "sub_cus_q_new" }),
      created: T - 10 * DAY, // nothing before the listed invoices: no look further back
    },
    subscription("cus_yearly_usage", plan("y", 120000, { interval: "year" }), {
      id: "sub_cus_yearly_usage",
    }),
    subscription("cus_weekly_usage", plan("w", 1000, { interval: "week" }), {
      id: "sub_cus_weekly_usage",
    }),
  ];
  const invoices = [
    usage("in_q_recent", "cus_q_recent", 3, "q", 30000), // in the 35-day listing
    usage("in_q_older", "cus_q_older", 60, "q", 15000), // past 35 days, within 3 × 35
    usage("in_q_oldest", "cus_q_older", 100, "q", 99900), // an earlier cycle: not the last
    usage("in_q_stale", "cus_q_stale", 120, "q", 45000), // past 3 × 35 = 105 days
    usage("in_y", "cus_yearly_usage", 200, "y", 240000), // within 12 × 35 = 420 days
    usage("in_w", "cus_weekly_usage", 2, "w", 3000),
  ];
  /** [mrr, base, usage, prompts, other, recurring], USD per month */
  const expected: Record<string, number[]> = {
    cus_q_recent: [200, 100, 100, 0, 0, 100], // $300 / 3 + $300 usage / 3
    cus_q_older: [150, 100, 50, 0, 0, 100], // $150 usage / 3
    cus_q_stale: [100, 100, 0, 0, 0, 100], // its last cycle is older than the look-back
    cus_q_new: [100, 100, 0, 0, 0, 100], // no cycle closed yet
    cus_yearly_usage: [300, 100, 200, 0, 0, 100], // $1,200 / 12 + $2,400 usage / 12
    // $10 × 52 / 12 = 43.33 + $30 usage × 52 / 12 = 130
    cus_weekly_usage: [173.33, 43.33, 130, 0, 0, 43.33],
  };
  await withFake(async (fake, options) => {
    const customers = Object.keys(expected);
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(customers, options);
      assertEquals(result.source, source);
      for (const [customer, values] of Object.entries(expected)) {
        const r = result.byCustomer.get(customer)!;
        assertEquals(
          [r.mrr, r.baseSubscription, r.usageCharges, r.addonPrompts, r.addonOther, r.mrrRecurring],
          values,
          `${customer} (${source})`,
        );
      }
    }
    // the four lists, then the invoices of the three long cycles whose last invoice is older
    // than the listing, each from its own look-back to where the listing starts (35 days back)
    assertEquals(fake.requests.length, 4 + 3);
    const earlier = fake.log.filter((r) => r.params.has("subscription"));
    assertEquals(
      earlier.map((r) => [
        r.params.get("subscription"),
        (T - Number(r.params.get("created[gte]"))) / DAY,
        (T - Number(r.params.get("created[lt]"))) / DAY,
      ]).sort(),
      [
        ["sub_cus_q_older", 105, 35],
        ["sub_cus_q_stale", 105, 35],
        ["sub_cus_yearly_usage", 420, 35],
      ],
    );
  }, { subscriptions: subs, products, invoices });
});

Deno.test("metered usage counts within the usage look-back whatever the export window", async () => {
  const T = AS_OF.getTime() / 1000;
  const DAY = 86_400;
  const monthly = [
    [price("prod_enterprise", 2000, { id: "price_plan_m" }), 2],
    [price("prod_request_volume", null, { id: "price_usage_m", metered: true }), null],
  ] as [unknown, number | null][];
  // cus_old's last cycle invoice is 50 days old: past the 35-day look-back, but inside a 60-day
  // window's listing (postpaid PTB reads the window); cus_recent's is 10 days old
  const subs = [
    subscription("cus_old", monthly, { id: "sub_cus_old" }),
    subscription("cus_recent", monthly, { id: "sub_cus_recent" }),
  ];
  const invoices = [
    invoice("in_old", "cus_old", "sub_cus_old", T - 50 * DAY, [
      line("il_old", "price_usage_m", 1234, "sub_cus_old"),
    ]),
    invoice("in_recent", "cus_recent", "sub_cus_recent", T - 10 * DAY, [
      line("il_recent", "price_usage_m", 500, "sub_cus_recent"),
    ]),
  ];
  /** [mrr, usage] per customer: $20 × 2 seats, and $5 of usage within the look-back only */
  const expected = { cus_old: [40, 0], cus_recent: [45, 5] };
  await withFake(async (_fake, options) => {
    for (const windowDays of [30, 60, 7]) {
      const result = await loadRevenue(["cus_old", "cus_recent"], { ...options, windowDays });
      for (const [customer, values] of Object.entries(expected)) {
        const r = result.byCustomer.get(customer)!;
        // before: the 60-day export counted cus_old's $12.34 the 30-day one did not
        assertEquals([r.mrr, r.usageCharges], values, `${customer}, ${windowDays} days`);
      }
    }
  }, { subscriptions: subs, products, invoices });
  // a 5-day look-back leaves the 10-day-old invoice out in every window, 7 days too
  await withFakeStripe(async (_fake, options) => {
    for (const windowDays of [30, 7]) {
      const result = await loadRevenue(["cus_recent"], { ...options, windowDays });
      const r = result.byCustomer.get("cus_recent")!;
      assertEquals([r.mrr, r.usageCharges], [40, 0], `${windowDays} days`);
    }
  }, {
    data: { subscriptions: subs, products, invoices },
    mode: "auto",
    asOf: AS_OF,
    rules: revenueRulesFromEnv({ PRICING_STRIPE_USAGE_LOOKBACK_DAYS: "5" }),
  });
});

Deno.test("usage billed at thresholds and on a metered price swapped off the subscription counts", async () => {
  await withFake(async (fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(["cus_thresh", "cus_swap"], options);
      assertEquals(result.source, source);
      const usage = (id: string) => {
        const r = result.byCustomer.get(id)!;
        return [r.mrr, r.usageCharges, r.mrrRecurring];
      };
      // the closed period's thresholds $300 + $300 and its cycle invoice's $100; not the −2 days
      // threshold of the period under way
      assertEquals(usage("cus_thresh"), [700, 700, 0], source);
      // the last cycle billed $250 on price_m_old, swapped off for price_m_new since
      assertEquals(usage("cus_swap"), [250, 250, 0], source);
    }
    // whether price_m_old is metered: one lookup (no subscription holds it), none from the cache
    assertEquals(fake.requests.filter((r) => r.startsWith("GET /v1/prices")), [
      "GET /v1/prices/price_m_old",
    ]);
  }, thresholdAndSwapData());
});

/** [mrr, usage_charges, mrr_recurring] of each customer of a result */
function usageOf(result: Awaited<ReturnType<typeof loadRevenue>>, ids: string[]) {
  return Object.fromEntries(ids.map((id) => {
    const r = result.byCustomer.get(id)!;
    return [id, [r.mrr, r.usageCharges, r.mrrRecurring]];
  }));
}

Deno.test("threshold invoices of a closed period that started before the listed invoices count", async () => {
  await withFake(async (fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(["cus_late"], options);
      assertEquals(result.source, source);
      // the period [−60, −30] days: thresholds $300 (−50) + $300 (−42) and the cycle's $100
      // (−30); not the $999 of the cycle invoice before (−60, an earlier period)
      assertEquals(usageOf(result, ["cus_late"]), { cus_late: [700, 700, 0] }, source);
    }
    // the 35 days listed, then once the invoices from the period's start (−60 days) up to there
    const day = 86_400, until = AS_OF.getTime() / 1000;
    const listings = fake.log.filter((r) => r.path === "/v1/invoices").map((r) => [
      (until - Number(r.params.get("created[gte]"))) / day,
      (until - Number(r.params.get("created[lt]"))) / day,
    ]);
    assertEquals(listings, [[35, 0], [60, 35]]);
  }, lateThresholdAndLicensedSwapData());
});

Deno.test("a threshold that resets the billing cycle anchor closes the period its invoice billed", async () => {
  await withFake(async (_fake, options) => {
    const ids = ["cus_reset", "cus_reset_only", "cus_reset_then_cycle"];
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(ids, options);
      assertEquals(result.source, source);
      assertEquals(usageOf(result, ids), {
        // the −10 days threshold ended the period [−30, −10]: $300, not the cycle before ($100)
        cus_reset: [300, 300, 0],
        // no cycle invoice at all: the last threshold's period [−25, −5], $400
        cus_reset_only: [400, 400, 0],
        // the −40 days threshold closed an earlier period: the cycle's own $100 only
        cus_reset_then_cycle: [100, 100, 0],
      }, source);
    }
  }, thresholdResetData());
});

Deno.test("a metered price swapped off for a licensed-only plan counts, per month of its own interval", async () => {
  await withFake(async (fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(["cus_lic", "cus_licq"], options);
      assertEquals(result.source, source);
      assertEquals(usageOf(result, ["cus_lic", "cus_licq"]), {
        // $250 on price_m_old2 (monthly) + the $50 plan
        cus_lic: [300, 250, 50],
        // $250 on price_m_old2 is a month's ($250), not a third of the quarterly plan's; plus
        // $150 a quarter ($50)
        cus_licq: [300, 250, 50],
      }, source);
    }
    // whether price_m_old2 is metered: one lookup for both; no call per subscription
    assertEquals(fake.requests.filter((r) => !r.startsWith("GET /v1/invoices")).sort(), [
      "GET /v1/coupons",
      "GET /v1/prices/price_m_old2",
      "GET /v1/products",
      "GET /v1/subscriptions",
    ]);
  }, lateThresholdAndLicensedSwapData());
});

Deno.test("an amount_off split by Stripe over the plan and the usage line comes off once", async () => {
  const T = AS_OF.getTime() / 1000;
  const DAY = 86_400;
  const plan = price("prod_team_bundle", 10000, { id: "price_amt_plan" });
  const metered = price("prod_request_volume", null, { id: "price_amt_usage", metered: true });
  const off50 = discount({ id: "di_amt50", amount_off: 5000, duration: "forever" });
  const customerOff50 = discount({
    id: "di_amt_cust50",
    couponId: "co_amt_cust50",
    amount_off: 5000,
    duration: "forever",
  });
  // the last cycle invoice: $100 plan + $100 usage, Stripe's $50 split $25 + $25 over them
  const cycle = (customer: string, sub: string, discountId: string) =>
    invoice(`in_${sub}`, customer, sub, T - 3 * DAY, [
      line(`il_${sub}_plan`, "price_amt_plan", 10000, sub, {
        discount_amounts: [{ discount: discountId, amount: 2500 }],
      }),
      line(`il_${sub}_usage`, "price_amt_usage", 10000, sub, {
        discount_amounts: [{ discount: discountId, amount: 2500 }],
      }),
    ]);
  const subs = [
    subscription("cus_amt_sub", [[plan, 1], [metered, null]], {
      id: "sub_amt_sub",
      discounts: [off50],
    }),
    subscription("cus_amt_cust", [[plan, 1], [metered, null]], { id: "sub_amt_cust" }),
    // no usage invoice yet: the whole $50 comes off the plan (usage counts 0)
    subscription("cus_amt_new", [[plan, 1], [metered, null]], {
      id: "sub_amt_new",
      discounts: [off50],
    }),
  ];
  const invoices = [
    cycle("cus_amt_sub", "sub_amt_sub", "di_amt50"),
    cycle("cus_amt_cust", "sub_amt_cust", "di_amt_cust50"),
  ];
  const customers = [
    { id: "cus_amt_sub", object: "customer" },
    { id: "cus_amt_cust", object: "customer", discount: customerOff50 },
    { id: "cus_amt_new", object: "customer" },
  ];
  /** [mrr, base, usage, recurring]: $100 − $25 plan + $100 − $25 usage, as the customer pays */
  const expected: Record<string, number[]> = {
    cus_amt_sub: [150, 75, 75, 75],
    cus_amt_cust: [150, 75, 75, 75],
    cus_amt_new: [50, 50, 0, 50],
  };
  await withFake(async (_fake, options) => {
    const result = await loadRevenue(Object.keys(expected), options);
    for (const [customer, values] of Object.entries(expected)) {
      const r = result.byCustomer.get(customer)!;
      assertEquals([r.mrr, r.baseSubscription, r.usageCharges, r.mrrRecurring], values, customer);
    }
  }, { subscriptions: subs, products, invoices, customers, coupons });
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
        "Stripe prices that include tax at a rate the subscription does not say (automatic tax on a tax-inclusive price) counted in mrr with their tax: price_tax_auto",
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

Deno.test("429 with Retry-After and a 500 are retried; the run completes", async () => {
  await withFake(async (fake, options) => {
    fake.failNext(429, 2, 0);
    fake.failNext(500, 1);
    const result = await loadRevenue(["cus_seat"], { ...options, mode: "refresh" });
    assertEquals(result.source, "stripe");
    assertEquals(result.byCustomer.get("cus_seat")!.mrr, 100);
    // 7 calls of a normal run (4 lists, items, lines, prices) plus three failed tries
    assertEquals(fake.requests.length, 7 + 3);
    assertEquals(result.apiCalls, fake.requests.length);
  });
});

Deno.test("401, endless 429 and endless 500: export goes on without revenue, or fails in one line with --require-stripe", async () => {
  await withFake(async (fake, options) => {
    const wrongKey = { ...options, apiKey: "sk_test_wrong_key_999", mode: "refresh" as const };
    const unauthorised = await loadRevenue(["cus_seat"], wrongKey);
    assertEquals([unauthorised.source, unauthorised.failed], ["none", true]);
    assertEquals(unauthorised.byCustomer.size, 0);
    match(unauthorised.warnings[0], /REVENUE MISSING: Stripe rejected STRIPE_SECRET_KEY \(401\)/);
    ok(!unauthorised.warnings[0].includes("sk_test_wrong_key_999"));
    ok(!unauthorised.warnings[0].includes("_999"));
    await rejects(
      loadRevenue(["cus_seat"], { ...wrongKey, mode: "require" }),
      (e: Error) =>
        /^Stripe revenue required: Stripe rejected STRIPE_SECRET_KEY/.test(e.message) &&
        !e.message.includes("sk_test_wrong"),
    );

    fake.failNext(429, 50, 0);
    const limited = await loadRevenue(["cus_seat"], { ...options, mode: "refresh" });
    assertEquals([limited.source, limited.failed], ["none", true]);
    match(limited.warnings[0], /rate-limiting \(429\)/);
    ok(limited.apiCalls >= 6, "each list tried 1 + 5 times before giving up");
    await rejects(
      loadRevenue(["cus_seat"], { ...options, mode: "require" }),
      (e: Error) =>
        e.message ===
          "Stripe revenue required: Stripe kept rate-limiting (429) after 5 retries: try again later, raise PRICING_STRIPE_RATE_LIMIT_RETRIES or lower PRICING_STRIPE_CONCURRENCY",
    );

    fake.clearFailures();
    fake.failNext(500, 50);
    const broken = await loadRevenue(["cus_seat"], {
      ...options,
      mode: "refresh",
      rules: { ...DEFAULT_RULES, maxNetworkRetries: 1 },
    });
    assertEquals([broken.source, broken.failed], ["none", true]);
    match(broken.warnings[0], /Stripe request failed \(500\)/);
    await rejects(
      loadRevenue(["cus_seat"], {
        ...options,
        mode: "require",
        rules: { ...DEFAULT_RULES, maxNetworkRetries: 0 },
      }),
      (e: Error) =>
        /^Stripe revenue required: Stripe request failed \(500\)/.test(e.message) &&
        !e.message.includes("\n"),
    );
  });
});

Deno.test("Stripe unreachable: no revenue, loudly; --require-stripe fails in one line", async () => {
  // a port nothing listens on: bind one, note it, close it
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const cacheDir = await Deno.makeTempDir();
  try {
    const options: RevenueOptions = {
      mode: "auto",
      apiKey: "sk_test_unreachable_4242",
      apiHost: "127.0.0.1",
      apiPort: port,
      apiProtocol: "http",
      cacheDir,
      asOf: AS_OF,
      rules: { maxNetworkRetries: 0 },
    };
    const result = await loadRevenue(["cus_seat"], options);
    assertEquals([result.source, result.failed], ["none", true]);
    match(
      result.warnings[0],
      new RegExp(`^REVENUE MISSING: cannot reach Stripe at 127\\.0\\.0\\.1:${port} `),
    );
    // its kind goes with it (the admin page finds it by kind, the manifest stores it)
    assertEquals([...result.warningKinds!], [[result.warnings[0], "revenue_missing"]]);
    await rejects(
      loadRevenue(["cus_seat"], { ...options, mode: "require" }),
      (e: Error) =>
        /^Stripe revenue required: cannot reach Stripe/.test(e.message) &&
        !e.message.includes("\n") &&
        !e.message.includes("4242"),
    );
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("no key: skipped with a warning; --require-stripe without a key fails", async () => {
  const options = { mode: "auto" as const, cacheDir: "/nonexistent", asOf: AS_OF };
  const result = await loadRevenue(["cus_seat"], options);
  assertEquals([result.source, result.failed], ["none", false]);
  match(result.warnings[0], /STRIPE_SECRET_KEY is not set/);
  await rejects(
    loadRevenue(["cus_seat"], { ...options, mode: "require" }),
    /STRIPE_SECRET_KEY is not set/,
  );
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

Deno.test("a usage line whose price left the subscription is per month of that price's own interval", () => {
  const recurring = { interval: "month", interval_count: 3, usage_type: "licensed" };
  const sub = subscriptionLite({
    id: "sub_q",
    customer: "cus_q",
    status: "active",
    currency: "usd",
    discounts: [],
    items: {
      data: [{
        id: "si_plan",
        quantity: 1,
        price: {
          id: "price_plan_q",
          product: "prod_enterprise",
          currency: "usd",
          unit_amount_decimal: "30000",
          recurring,
        },
      }],
    },
  }, { coupons: new Map(), unresolved: new Set() });
  const revenue = computeCustomerRevenue({
    customerId: "cus_q",
    subscriptions: [sub],
    products: new Map(),
    // billed at a quarterly metered price since swapped off the subscription: a quarter's usage
    usageLines: [{
      customer: "cus_q",
      subscription: "sub_q",
      price_id: "price_usage_removed",
      amount: 9000,
      inclusive_tax: 0,
      discount_amounts: [],
      currency: "usd",
      months: 3,
    }],
    asOf: AS_OF,
  }, DEFAULT_RULES).revenue;
  // $300 / 3 = 100; $90 usage / 3 = 30
  assertEquals([revenue.mrr, revenue.baseSubscription, revenue.usageCharges], [130, 100, 30]);
});
