/**
 * Metered usage in Stripe revenue, through the real `stripe` SDK against tests/fake_stripe.ts: per
 * month of its own interval, the usage look-back, threshold invoices, swapped-off prices, an
 * amount_off split over plan and usage, and a repeating coupon judged at the invoice that will bill
 * the usage of the period under way. Values computed by hand from
 * tests/fixtures/stripe/scenarios.ts.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { computeCustomerRevenue } from "../lib/revenue/mrr.ts";
import { DEFAULT_RULES, revenueRulesFromEnv } from "../lib/revenue/rules.ts";
import { subscriptionLite } from "../lib/revenue/stripe_objects.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  coupons,
  discount,
  invoice,
  line,
  price,
  products,
  subscription,
} from "./fixtures/stripe/scenarios.ts";
import {
  lateThresholdAndLicensedSwapData,
  thresholdAndSwapData,
  thresholdResetData,
} from "./fixtures/stripe/threshold_scenarios.ts";
import { withFake } from "./revenue_fixture.ts";

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

Deno.test("a repeating coupon on usage of a weekly metered price swapped off is judged at that price's next invoice, a week on from its line's: 130.00 USD", async () => {
  const T = AS_OF.getTime() / 1000;
  const DAY = 86_400;
  // Billed weekly on metered price_w_old until October 29 00:00 (T − 3 days), whose cycle invoice
  // billed the week before it, 30 USD, with a 50 % repeating coupon taking 15 off; moved on
  // October 30 (T − 2 days, the anchor since) to a monthly 50 USD plan. The coupon ended October 29
  // 12:00 (T − 2.5 days). Usage is billed at its period's end: the week under way from October 29
  // (the line's period end, weeks on from there) would be billed November 5, after the coupon
  // ended, so the usage reads in full: 30 × 52 / 12 = 130.00 USD (judged at the October 29
  // invoice that opened that week, which billed the week before: (30 − 15) × 52 / 12 = 65.00).
  // The plan's period began after the coupon ended: 50.00 USD; mrr 180.00.
  const weekly = {
    ...price("prod_request_volume", null, { id: "price_w_old", metered: true, interval: "week" }),
    active: false,
  };
  const plan = price("prod_team_bundle", 5000, { id: "price_w_plan" });
  const rep50 = discount(
    { id: "di_w_rep50", couponId: "co_w_rep50", percent_off: 50, duration: "repeating" },
    T - 2.5 * DAY,
  );
  const subs = [{
    ...subscription("cus_wswap", [[plan, 1]], { id: "sub_cus_wswap", discounts: [rep50] }),
    created: T - 90 * DAY,
    start_date: T - 90 * DAY,
    billing_cycle_anchor: T - 2 * DAY,
  }];
  const invoices = [
    invoice("in_wswap", "cus_wswap", "sub_cus_wswap", T - 3 * DAY, [
      line("il_wswap", "price_w_old", 3000, "sub_cus_wswap", {
        period: { start: T - 10 * DAY, end: T - 3 * DAY },
        discount_amounts: [{ discount: "di_w_rep50", amount: 1500 }],
      }),
    ]),
  ];
  await withFake(async (_fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(["cus_wswap"], options);
      assertEquals(result.source, source);
      const r = result.byCustomer.get("cus_wswap")!;
      assertEquals([r.mrr, r.usageCharges, r.mrrRecurring], [180, 130, 50], source);
    }
  }, { subscriptions: subs, products, prices: [weekly], invoices, coupons });
});

Deno.test("a repeating coupon on a monthly metered price's usage counts when it still runs at the next invoice, which bills the period under way", async () => {
  const T = AS_OF.getTime() / 1000; // November 1
  const DAY = 86_400;
  // Monthly metered, anchored on the 15th: the October 15 invoice (T − 17 days) billed September
  // 15 – October 15's usage, 40 USD, with a 50 % repeating coupon taking 20 off; the period under
  // way (October 15 – November 15) is billed November 15 (T + 14 days). The coupon ended
  // October 20 (cus_mid_a: before the as-of), ends November 10 (cus_mid_b: after the as-of,
  // before that invoice) or November 20 (cus_mid_c: after it). Only cus_mid_c's next invoice
  // takes it off: 40, 40 and (40 − 20) = 20 USD a month (judged at the period's start, October 15,
  // each read 20).
  const metered = price("prod_request_volume", null, { id: "price_mid_metered", metered: true });
  const ends: Record<string, number> = {
    cus_mid_a: T - 12 * DAY,
    cus_mid_b: T + 9 * DAY,
    cus_mid_c: T + 19 * DAY,
  };
  const subs = Object.entries(ends).map(([customer, end]) => ({
    ...subscription(customer, [[metered, null]], {
      id: `sub_${customer}`,
      discounts: [
        discount({
          id: `di_${customer}`,
          couponId: "co_mid_rep50",
          percent_off: 50,
          duration: "repeating",
        }, end),
      ],
    }),
    created: T - 90 * DAY,
    start_date: T - 90 * DAY,
    billing_cycle_anchor: T - 17 * DAY,
  }));
  const invoices = Object.keys(ends).map((customer) =>
    invoice(`in_${customer}`, customer, `sub_${customer}`, T - 17 * DAY, [
      line(`il_${customer}`, "price_mid_metered", 4000, `sub_${customer}`, {
        period: { start: T - 47 * DAY, end: T - 17 * DAY },
        discount_amounts: [{ discount: `di_${customer}`, amount: 2000 }],
      }),
    ])
  );
  await withFake(async (_fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(Object.keys(ends), options);
      assertEquals(result.source, source);
      const read = Object.fromEntries(
        [...result.byCustomer].map(([id, r]) => [id, [r.mrr, r.usageCharges]]),
      );
      assertEquals(read, { cus_mid_a: [40, 40], cus_mid_b: [40, 40], cus_mid_c: [20, 20] }, source);
    }
  }, { subscriptions: subs, products, prices: [metered], invoices, coupons });
});
