/**
 * Backfilled usage from Stripe invoices (invoicedUsage, lib/revenue/invoice_mrr.ts): per month
 * whatever the usage interval, net of the discounts the discount setting counts (a repeating one
 * while it covers the invoice that will bill the period under way), and counted as the live export
 * counts it (thresholds, swapped prices, invoices two listings hold).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { invoicedUsage } from "../lib/revenue/invoice_mrr.ts";
import { couponLite } from "../lib/revenue/stripe_objects.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
import { invoiceRevenue } from "../lib/history/invoice_revenue.ts";
import {
  AS_OF,
  coupons,
  discount,
  invoice as stripeInvoice,
  type Json,
  line as stripeLine,
  price,
  products,
  subscription,
} from "./fixtures/stripe/scenarios.ts";
import {
  lateThresholdAndLicensedSwapData,
  thresholdAndSwapData,
  thresholdResetData,
} from "./fixtures/stripe/threshold_scenarios.ts";
import {
  historyOf,
  invoiceHistoryBack,
  liteLine,
  liveRevenue,
  P,
  rules,
  s,
  usageChargesOf,
  withFakeStripe,
} from "./history_invoice_fixture.ts";

Deno.test("backfilled usage is per month: a quarter's usage invoice counts ÷ 3 until the next, a week's × 52/12", () => {
  const metered = (id: string, interval: "week" | "month", interval_count: number) => ({
    id,
    product: "prod_request_volume",
    currency: "usd",
    nickname: null,
    billing_scheme: "per_unit" as const,
    tiers_mode: null,
    tiers: null,
    unit_amount_decimal: "1",
    transform_quantity: null,
    recurring: { interval, interval_count, usage_type: "metered" as const },
    currency_options: null,
  });
  const usageLine = (customer: string, priceId: string, created: string, amount: number) => ({
    customer,
    invoice: `in_${customer}_${created}`,
    status: "paid",
    created: s(created),
    currency: "usd",
    subscription: `sub_${customer}`,
    price_id: priceId,
    proration: false,
    quantity: null,
    amount,
    inclusive_tax: 0,
    discount_amounts: [],
    period_start: s(created),
    period_end: s(created),
  });
  const history = {
    prices: [metered("price_quarter", "month", 3), metered("price_week", "week", 1)],
    discounts: [],
    itemDiscounts: [],
    thresholdResets: [],
    billingAnchors: {},
    billingAnchorDays: {},
    pausedSubscriptions: [],
    lines: [
      // quarterly: $300 of usage billed 2026-08-20, then $600 billed 2026-11-20
      usageLine("cus_q", "price_quarter", "2026-08-20", 30000),
      usageLine("cus_q", "price_quarter", "2026-11-20", 60000),
      // weekly: four invoices of $10 in November's window, one before it
      ...["2026-10-28", "2026-11-04", "2026-11-11", "2026-11-18", "2026-11-25"].map((day) =>
        usageLine("cus_w", "price_week", day, 1000)
      ),
    ],
    from: s("2026-01-01"),
    to: s("2026-12-31"),
  };
  const usageAt = (asOf: string) =>
    Object.fromEntries(invoicedUsage(history, {
      to: new Date(`${asOf}T00:00:00Z`),
      rules,
    }));
  // 2026-10-01: the August invoice, 42 days back (within 3 × 30): $300 / 3 = $100 a month
  assertEquals(usageAt("2026-10-01").cus_q, 100);
  // 2026-12-01: the November invoice replaces it: $600 / 3 = $200; the weekly price's last
  // invoice in the window [11-01, 12-01), $10, × 52/12 weeks a month = $43.33 (as live counts
  // it), not the four invoices' $40 (nor five's $50 in a 31-day month)
  const dec = usageAt("2026-12-01");
  assertEquals(dec.cus_q, 200);
  assertEquals(Math.round(dec.cus_w * 100), 4333);
});

Deno.test("backfilled usage subtracts only the discounts the discount setting counts", () => {
  // 50 % off, repeating, ended 2026-11-21 (10 days before the as-of); 10 % off forever
  const ended = discount(
    { id: "di_use_ended", percent_off: 50, duration: "repeating" },
    s("2026-11-21"),
  );
  const forever = discount({ id: "di_use_forever", percent_off: 10, duration: "forever" });
  const usageLine = (customer: string, off: [string, number]) => ({
    ...liteLine(customer, "price_metered", 4000, "2026-11-01", "2026-12-01"),
    created: s("2026-11-25"),
    quantity: null,
    discount_amounts: [{ discount: off[0], amount: off[1] }],
  });
  // $40 of usage each: $20 off by the ended coupon, $4 off by the forever one
  const history = historyOf(
    [P.metered],
    [
      usageLine("cus_ended", ["di_use_ended", 2000]),
      usageLine("cus_forever", ["di_use_forever", 400]),
    ],
    [ended, forever].map((d) => ({
      id: d.id,
      coupon: couponLite(d.source.coupon),
      start: null,
      end: d.end,
    })),
  );
  const usageWith = (discountPolicy: "recurring" | "forever" | "none") =>
    Object.fromEntries(invoicedUsage(history, {
      to: new Date("2026-12-01T00:00:00Z"),
      rules: resolveRules({ ...rules, discountPolicy }),
    }));
  // the ended coupon no longer counts: $40 under every setting, as live usage_charges
  assertEquals(usageWith("recurring"), { cus_ended: 40, cus_forever: 36 });
  assertEquals(usageWith("forever"), { cus_ended: 40, cus_forever: 36 });
  assertEquals(usageWith("none"), { cus_ended: 40, cus_forever: 40 });
});

Deno.test("backfilled usage counts as the live export: the closed period's thresholds, a swapped-off metered price", async () => {
  const data = thresholdAndSwapData();
  await withFakeStripe(data, async (connection) => {
    const history = await invoiceHistoryBack(connection, 35);
    const usage = Object.fromEntries(invoicedUsage(history, { to: AS_OF, rules }));
    // $300 + $300 + $100 billed for the closed period (not the −2 days threshold's $300, of
    // the period under way); $250 on price_m_old, swapped off the subscription since
    assertEquals(usage, { cus_swap: 250, cus_thresh: 700 });
    // the live export of the same account says the same
    const live = await liveRevenue(connection, ["cus_thresh", "cus_swap"]);
    assertEquals(usageChargesOf(live), { cus_swap: 250, cus_thresh: 700 });
  });
});

Deno.test("backfilled usage counts as the live export: a period begun before the live listing, a metered price swapped for a licensed-only plan", async () => {
  const customerIds = ["cus_late", "cus_lic", "cus_licq"];
  const columns = (byCustomer: Map<string, Json>) =>
    Object.fromEntries(
      customerIds.map((id) => {
        const r = byCustomer.get(id);
        return [id, [r.mrr, r.usageCharges, r.mrrRecurring]];
      }),
    );
  // [mrr, usage_charges, mrr_recurring]: cus_late's period [−60, −30] days billed $300 + $300 at
  // thresholds and $100 at its close; cus_lic's and cus_licq's last cycle $250 on the monthly
  // metered price_m_old2, swapped off since, beside $50 a month of licensed plan
  const expected = { cus_late: [700, 700, 0], cus_lic: [300, 250, 50], cus_licq: [300, 250, 50] };
  await withFakeStripe(lateThresholdAndLicensedSwapData(), async (connection) => {
    const history = await invoiceHistoryBack(connection, 400);
    const backfill = invoiceRevenue(history, { asOf: AS_OF, windowDays: 30, rules, customerIds });
    assertEquals(columns(backfill.byCustomer), expected);
    const live = await liveRevenue(connection, customerIds);
    assertEquals(columns(live.byCustomer), expected);
  });
});

Deno.test("backfilled usage counts as the live export: a threshold that resets the billing cycle anchor closes its period", async () => {
  // the threshold at −10 days ended [−30, −10] ($300); the last of two thresholds ended
  // [−25, −5] ($400); a cycle invoice after a resetting threshold bills its own period ($100)
  const expected = { cus_reset: 300, cus_reset_only: 400, cus_reset_then_cycle: 100 };
  await withFakeStripe(thresholdResetData(), async (connection) => {
    const history = await invoiceHistoryBack(connection, 400);
    assertEquals(history.thresholdResets.sort(), Object.keys(expected).map((c) => `sub_${c}`));
    assertEquals(Object.fromEntries(invoicedUsage(history, { to: AS_OF, rules })), expected);
    const live = await liveRevenue(connection, Object.keys(expected));
    assertEquals(usageChargesOf(live), expected);
  });
});

Deno.test("usage, live and backfilled alike: an invoice two listings hold counts once, a 31-day-old cycle invoice counts, an old invoice item widens nothing", async () => {
  const T = AS_OF.getTime() / 1000, DAY = 86_400;
  const day = (d: number) => T + d * DAY;
  const period = (a: number, b: number) => ({ period: { start: day(a), end: day(b) } });
  const quarterly = price("prod_request_volume", null, {
    id: "price_mq",
    metered: true,
    interval_count: 3,
  });
  const monthly = price("prod_request_volume", null, { id: "price_late2", metered: true });
  const licensed = price("prod_team_bundle", 5000, { id: "price_lic5" });
  const oneOff = { ...price("prod_storage", 1000, { id: "price_oneoff" }), recurring: null };
  const cycle = (id: string, customer: string, d: number, lines: Json[], reason?: string) =>
    stripeInvoice(id, customer, `sub_${customer}`, day(d), lines, {
      billing_reason: reason ?? "subscription_cycle",
    });
  const ids = ["cus_mq2", "cus_late2", "cus_item"];
  await withFakeStripe({
    subscriptions: [
      subscription("cus_mq2", [[quarterly, null]], { id: "sub_cus_mq2", created: day(-400) }),
      subscription("cus_late2", [[monthly, null]], { id: "sub_cus_late2", created: day(-400) }),
      subscription("cus_item", [[licensed, 1]], { id: "sub_cus_item", created: day(-400) }),
    ],
    products,
    prices: [oneOff],
    invoices: [
      // cus_mq2, quarterly: thresholds $300 (−100 days) and $300 (−50), cycle $100 (−40), one
      // period [−130, −40): $700 / 3 = $233.33 a month. Its −50 threshold is in both the widened
      // listing (cus_late2's period begins before the 35 days listed) and its own long one.
      cycle("in_m2_t1", "cus_mq2", -100, [
        stripeLine("il_m2t1", "price_mq", 30000, "sub_cus_mq2", period(-130, -100)),
      ], "subscription_threshold"),
      cycle("in_m2_t2", "cus_mq2", -50, [
        stripeLine("il_m2t2", "price_mq", 30000, "sub_cus_mq2", period(-130, -50)),
      ], "subscription_threshold"),
      cycle("in_m2_c", "cus_mq2", -40, [
        stripeLine("il_m2c", "price_mq", 10000, "sub_cus_mq2", period(-130, -40)),
      ]),
      // cus_late2, monthly, calendar billed: threshold $300 (−45), cycle $100 31 days back (a
      // 31-day month before the as-of): $400, live and backfilled
      cycle("in_l2_t", "cus_late2", -45, [
        stripeLine("il_l2t", "price_late2", 30000, "sub_cus_late2", period(-61, -45)),
      ], "subscription_threshold"),
      cycle("in_l2_c", "cus_late2", -31, [
        stripeLine("il_l2c", "price_late2", 10000, "sub_cus_late2", period(-61, -31)),
      ]),
      // cus_item, licensed: a one-off invoice item created 700 days back on its latest invoice
      cycle("in_item", "cus_item", -5, [
        stripeLine("il_i1", "price_lic5", 5000, "sub_cus_item", period(-5, 25)),
        {
          ...stripeLine("il_i2", "price_oneoff", 1000, "sub_cus_item", period(-700, -700)),
          parent: {
            type: "invoice_item_details",
            invoice_item_details: { invoice_item: "ii_1", subscription: "sub_cus_item" },
          },
        },
      ]),
    ],
  }, async (connection, fake) => {
    const live = await liveRevenue(connection, ids);
    const liveUsage = Object.fromEntries(
      ids.map((id) => [id, Math.round((live.byCustomer.get(id)?.usageCharges ?? 0) * 100) / 100]),
    );
    assertEquals(liveUsage, { cus_mq2: 233.33, cus_late2: 400, cus_item: 0 });
    // the invoice item's 700-day-old period listed nothing more: the widened listing reaches
    // back to cus_late2's period (61 days), and the one-off price is never looked up
    const reach = fake.log.filter((r) => r.path === "/v1/invoices")
      .map((r) => Number(r.params.get("created[gte]")));
    ok(Math.min(...reach) >= day(-130), `listed back to ${(T - Math.min(...reach)) / DAY} days`);
    ok(!fake.log.some((r) => r.path === "/v1/prices/price_oneoff"), "no lookup of the one-off");
    const history = await invoiceHistoryBack(connection, 400);
    const backfilled = Object.fromEntries(
      [...invoicedUsage(history, { to: AS_OF, rules })]
        .map(([id, usd]) => [id, Math.round(usd * 100) / 100]),
    );
    assertEquals(backfilled, { cus_mq2: 233.33, cus_late2: 400 });
  });
});

Deno.test("usage, live and backfilled alike: a removed metered item, and invoice items and prorations never usage whatever prices other lines made known", async () => {
  const T = AS_OF.getTime() / 1000, DAY = 86_400;
  const day = (d: number) => T + d * DAY;
  const period = (a: number, b: number) => ({ period: { start: day(a), end: day(b) } });
  const licensed = price("prod_team_bundle", 5000, { id: "price_rm_plan" });
  const removed = price("prod_request_volume", null, { id: "price_rm_metered", metered: true });
  const held = price("prod_request_volume", null, { id: "price_rm_held", metered: true });
  const cycle = (id: string, customer: string, d: number, lines: Json[]) =>
    stripeInvoice(id, customer, `sub_${customer}`, day(d), lines);
  const planLine = (id: string, customer: string, a: number, b: number) =>
    stripeLine(id, "price_rm_plan", 5000, `sub_${customer}`, period(a, b));
  const expected = { cus_rm_after: 250, cus_rm_mid: 0, cus_rm_item: 0, cus_rm_prorated: 100 };
  const ids = Object.keys(expected);
  await withFakeStripe({
    subscriptions: ["cus_rm_after", "cus_rm_mid", "cus_rm_item"].map((c) =>
      subscription(c, [[licensed, 1]], { id: `sub_${c}` })
    ).concat([subscription("cus_rm_prorated", [[held, null]], { id: "sub_cus_rm_prorated" })]),
    products,
    prices: [removed],
    invoices: [
      // cus_rm_after: the metered item was removed after its last cycle (−5 days), which billed
      // $250 of it for [−35, −5]: that period's usage counts until the next cycle
      cycle("in_rm_after", "cus_rm_after", -5, [
        stripeLine("il_rma_m", "price_rm_metered", 25000, "sub_cus_rm_after", period(-35, -5)),
        planLine("il_rma_p", "cus_rm_after", -5, 25),
      ]),
      // cus_rm_mid: removed at −20 days (classic billing: Stripe bills none of that period's
      // usage), so the cycle at −5 closing [−35, −5] has no metered line: $0, not the $100 the
      // cycle before billed for [−65, −35]
      cycle("in_rm_mid_prev", "cus_rm_mid", -35, [
        stripeLine("il_rmm_m", "price_rm_metered", 10000, "sub_cus_rm_mid", period(-65, -35)),
        planLine("il_rmm_p0", "cus_rm_mid", -35, -5),
      ]),
      cycle("in_rm_mid", "cus_rm_mid", -5, [planLine("il_rmm_p", "cus_rm_mid", -5, 25)]),
      // cus_rm_item: an invoice item of $120 on the metered price (its period [−35, −20]) on
      // the cycle invoice: an invoice item is never usage, though cus_rm_after's line makes the
      // price known live
      cycle("in_rm_item", "cus_rm_item", -5, [
        {
          ...stripeLine("il_rmi_m", "price_rm_metered", 12000, "sub_cus_rm_item", period(-35, -20)),
          parent: {
            type: "invoice_item_details",
            invoice_item_details: { invoice_item: "ii_rm", subscription: "sub_cus_rm_item" },
          },
        },
        planLine("il_rmi_p", "cus_rm_item", -5, 25),
      ]),
      // cus_rm_prorated: $100 of usage and an $80 line on the same metered price flagged a
      // proration: a proration is never usage, live or backfilled
      cycle("in_rm_prorated", "cus_rm_prorated", -5, [
        stripeLine("il_rmp_m", "price_rm_held", 10000, "sub_cus_rm_prorated", period(-35, -5)),
        stripeLine("il_rmp_x", "price_rm_held", 8000, "sub_cus_rm_prorated", {
          ...period(-35, -20),
          parent: {
            type: "subscription_item_details",
            subscription_item_details: { subscription: "sub_cus_rm_prorated", proration: true },
          },
        }),
      ]),
    ],
  }, async (connection) => {
    const live = await liveRevenue(connection, ids);
    assertEquals(
      Object.fromEntries(ids.map((id) => [id, live.byCustomer.get(id)?.usageCharges])),
      expected,
    );
    const history = await invoiceHistoryBack(connection, 400);
    const backfilled = invoicedUsage(history, { to: AS_OF, rules });
    assertEquals(Object.fromEntries(ids.map((id) => [id, backfilled.get(id) ?? 0])), expected);
  });
});

Deno.test("usage, live and backfilled alike: a repeating coupon counts while it covers the invoice that will bill the metered period under way", async () => {
  const T = AS_OF.getTime() / 1000, DAY = 86_400; // November 1, a month end
  const day = (d: number) => T + d * DAY;
  const period = (a: number, b: number) => ({ period: { start: day(a), end: day(b) } });
  const rep50 = (customer: string, end: number) =>
    discount({
      id: `di_${customer}`,
      couponId: "co_rep50_usage",
      percent_off: 50,
      duration: "repeating",
    }, end);
  const usageInvoice = (customer: string, priceId: string, d: number, amount: number, a: number) =>
    stripeInvoice(`in_${customer}`, customer, `sub_${customer}`, day(d), [
      stripeLine(`il_${customer}`, priceId, amount, `sub_${customer}`, {
        ...period(a, d),
        discount_amounts: [{ discount: `di_${customer}`, amount: amount / 2 }],
      }),
    ]);
  // Monthly metered, anchored on the 15th: the October 15 invoice (−17 days) took 20 of 40 USD
  // off with a 50 % coupon ending October 20 (cus_rep_a), November 10 (cus_rep_b: running at the
  // as-of) or November 20 (cus_rep_c); the period under way is billed November 15 (+14 days), and
  // only cus_rep_c's coupon is still on then: 40, 40, 20 USD. cus_rep_w: weekly metered, 30 USD
  // billed October 29 (−3 days) with 15 off by a coupon ending October 29 12:00, swapped on
  // October 30 for a monthly 50 USD plan; its week from October 29 is billed November 5, after
  // the coupon: 30 × 52 / 12 = 130.00 USD.
  const monthly = price("prod_request_volume", null, { id: "price_rep_m", metered: true });
  const weekly = {
    ...price("prod_request_volume", null, { id: "price_rep_w", metered: true, interval: "week" }),
    active: false,
  };
  const plan = price("prod_team_bundle", 5000, { id: "price_rep_plan" });
  const ends = { cus_rep_a: day(-12), cus_rep_b: day(9), cus_rep_c: day(19) };
  const expected = { cus_rep_a: 40, cus_rep_b: 40, cus_rep_c: 20, cus_rep_w: 130 };
  await withFakeStripe({
    subscriptions: [
      ...Object.entries(ends).map(([customer, end]) => ({
        ...subscription(customer, [[monthly, null]], {
          id: `sub_${customer}`,
          discounts: [rep50(customer, end)],
        }),
        created: day(-90),
        start_date: day(-90),
        billing_cycle_anchor: day(-17),
      })),
      {
        ...subscription("cus_rep_w", [[plan, 1]], {
          id: "sub_cus_rep_w",
          discounts: [rep50("cus_rep_w", day(-2.5))],
        }),
        created: day(-90),
        start_date: day(-90),
        billing_cycle_anchor: day(-2),
      },
    ],
    products,
    prices: [monthly, weekly],
    coupons,
    invoices: [
      ...Object.keys(ends).map((customer) => usageInvoice(customer, "price_rep_m", -17, 4000, -47)),
      usageInvoice("cus_rep_w", "price_rep_w", -3, 3000, -10),
    ],
  }, async (connection) => {
    const history = await invoiceHistoryBack(connection, 400);
    const backfill = Object.fromEntries(invoicedUsage(history, { to: AS_OF, rules }));
    const cents = (usage: Record<string, number>) =>
      Object.fromEntries(Object.entries(usage).map(([id, v]) => [id, Math.round(v * 100) / 100]));
    assertEquals(cents(backfill), expected);
    const live = await liveRevenue(connection, Object.keys(expected));
    assertEquals(usageChargesOf(live), expected);
  });
});
