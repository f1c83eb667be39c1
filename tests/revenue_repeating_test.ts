/**
 * A repeating coupon counts while it covered the invoice of the billing period under way at the
 * as-of (Stripe takes a discount off the invoices created while it runs; a period's invoice is
 * created at its start), through the real `stripe` SDK against tests/fake_stripe.ts. Figures by
 * hand: prices from tests/fixtures/stripe/scenarios.ts, as-of 2026-11-01T00:00:00Z.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { revenueRulesFromEnv } from "../lib/revenue/rules.ts";
import { periodStartAt } from "../lib/revenue/status_at.ts";
import type { SubscriptionLite } from "../lib/revenue/stripe_objects.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  discount,
  price,
  PRICES,
  products,
  subscription,
} from "./fixtures/stripe/scenarios.ts";

const at = (iso: string) => Date.parse(iso) / 1000;
const yearly = price("prod_enterprise", 60000, { id: "price_enterprise_year", interval: "year" });
const half = (end: string) =>
  discount({ couponId: "co_half_3_months", percent_off: 50, duration: "repeating" }, at(end));
const anchored = (anchor: string) => ({ start_date: at(anchor), billing_cycle_anchor: at(anchor) });

const subs = [
  // a 3-month coupon on a yearly plan anchored 2026-06-01: it ended 09-01, but the year's invoice
  // (06-01) was created while it ran, so the year under way is at 50 % off: $600 / 12 × 0.5 = $25
  {
    ...subscription("cus_year_first", [[yearly, 1]], { discounts: [half("2026-09-01T00:00:00Z")] }),
    ...anchored("2026-06-01T00:00:00Z"),
  },
  // the same coupon a year earlier (anchor 2025-09-01, ended 2025-12-01): the year under way
  // opened 2026-09-01, after it, at the full $600 / 12 = $50
  {
    ...subscription("cus_year_second", [[yearly, 1]], {
      discounts: [half("2025-12-01T00:00:00Z")],
    }),
    ...anchored("2025-09-01T00:00:00Z"),
  },
  // monthly $200 anchored on the 20th: the period under way opened 10-20, before the coupon's
  // 10-25 end, so its invoice was discounted: $100
  {
    ...subscription("cus_month_covered", [[PRICES.teamBundle, 1]], {
      discounts: [half("2026-10-25T00:00:00Z")],
    }),
    ...anchored("2026-07-20T00:00:00Z"),
  },
  // the coupon ended 10-15, before the 10-20 invoice: $200
  {
    ...subscription("cus_month_ended", [[PRICES.teamBundle, 1]], {
      discounts: [half("2026-10-15T00:00:00Z")],
    }),
    ...anchored("2026-07-20T00:00:00Z"),
  },
  // no billing_cycle_anchor to tell the period: the coupon's end is set against the as-of
  // itself; ended a day before it: $50
  subscription("cus_year_no_anchor", [[yearly, 1]], { discounts: [half("2026-10-31T00:00:00Z")] }),
  // a 3-month coupon applied with the subscription on 07-20 ends 10-20, the very second the
  // fourth invoice opens the period under way: it took off the first three only, $200
  {
    ...subscription("cus_month_ended_at_invoice", [[PRICES.teamBundle, 1]], {
      discounts: [half("2026-10-20T00:00:00Z")],
    }),
    ...anchored("2026-07-20T00:00:00Z"),
  },
];
const customers = subs.map((s) => s.customer);

Deno.test("a repeating coupon counts over the billing period whose invoice it covered: a yearly plan's whole year", async () => {
  await withFakeStripe(async (_fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(customers, options);
      assertEquals(result.source, source);
      assertEquals(customers.map((c) => result.byCustomer.get(c)!.mrr), [
        25,
        50,
        100,
        200,
        50,
        200,
      ]);
    }
    // forever only (Stripe's dashboard): no repeating coupon counts, $50, $50, $200, $200, $50,
    // $200
    const forever = await loadRevenue(customers, {
      ...options,
      rules: revenueRulesFromEnv({ PRICING_STRIPE_DISCOUNTS: "forever" }),
    });
    assertEquals(customers.map((c) => forever.byCustomer.get(c)!.mrr), [50, 50, 200, 200, 50, 200]);
  }, { data: { subscriptions: subs, products, invoices: [] }, asOf: AS_OF, mode: "auto" });
});

Deno.test("the billing period under way follows the anchor by calendar months, a short month cutting the day", () => {
  const sub = (anchor: string, start = anchor) =>
    ({ billing_cycle_anchor: at(anchor), start_date: at(start) }) as SubscriptionLite;
  const month = { interval: "month" as const, interval_count: 1 };
  const start = (s: SubscriptionLite, recurring: typeof month | object, asOf: string) => {
    const seconds = periodStartAt(s, {
      recurring: recurring as typeof month,
      asOfSeconds: at(asOf),
    });
    return seconds === null ? null : new Date(seconds * 1000).toISOString();
  };
  // anchored on the 31st: February's period opens on the 28th, March's on the 31st again
  const jan31 = sub("2026-01-31T10:00:00Z");
  assertEquals(start(jan31, month, "2026-03-01T00:00:00Z"), "2026-02-28T10:00:00.000Z");
  assertEquals(start(jan31, month, "2026-02-28T09:59:59Z"), "2026-01-31T10:00:00.000Z");
  assertEquals(start(jan31, month, "2026-03-31T10:00:00Z"), "2026-03-31T10:00:00.000Z");
  // a year from 2024-02-29: 2026's opens on 02-28
  assertEquals(
    start(
      sub("2024-02-29T00:00:00Z"),
      { interval: "year", interval_count: 1 },
      "2026-03-01T00:00:00Z",
    ),
    "2026-02-28T00:00:00.000Z",
  );
  // a quarter from 2026-01-15: 10-15 opens the fourth
  assertEquals(
    start(
      sub("2026-01-15T00:00:00Z"),
      { interval: "month", interval_count: 3 },
      "2026-11-01T00:00:00Z",
    ),
    "2026-10-15T00:00:00.000Z",
  );
  // two weeks from 2026-10-01 (a Thursday): 10-15, 10-29
  assertEquals(
    start(
      sub("2026-10-01T00:00:00Z"),
      { interval: "week", interval_count: 2 },
      "2026-11-01T00:00:00Z",
    ),
    "2026-10-29T00:00:00.000Z",
  );
  // anchored after the as-of (a free or prorated stretch first): billed at its start
  assertEquals(
    start(sub("2026-11-10T00:00:00Z", "2026-10-28T00:00:00Z"), month, "2026-11-01T00:00:00Z"),
    "2026-10-28T00:00:00.000Z",
  );
  // no anchor: not known
  assertEquals(
    start(
      { billing_cycle_anchor: null, start_date: null } as SubscriptionLite,
      month,
      "2026-11-01T00:00:00Z",
    ),
    null,
  );
});
