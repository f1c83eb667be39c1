/**
 * lib/revenue/price_facts.ts through the real `stripe` SDK against tests/fake_stripe.ts: the
 * normalisation revenue-rules.md pins for every interval with its `interval_count` (month ÷ count,
 * year ÷ (12·count), week × 52/12 ÷ count, day × 365/12 ÷ count: a price bills up to a year,
 * Stripe's limit), quantity × `unit_amount_decimal` (a sub-cent unit price, `unit_amount` null),
 * an amount off per invoice of a two-week price, and an application fee left out (the rules exclude
 * it: the platform's share of a payment, not the subscription's price). Every figure by hand
 * beside its subscription.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  discount,
  price,
  PRICES,
  products,
  subscription,
} from "./fixtures/stripe/scenarios.ts";

const every = (cents: number, interval: string, interval_count: number) =>
  price("prod_enterprise", cents, { interval, interval_count });

/** A seat price of a quarter of a cent (Stripe gives `unit_amount` only for whole cents). */
const quarterCent = {
  ...price("prod_pro_users", null, { id: "price_quarter_cent" }),
  unit_amount_decimal: "0.25",
};

const subscriptions = [
  // $30 every 2 weeks: 30 × 52 / 12 / 2 = $65
  subscription("cus_pf_two_weeks", [[every(3000, "week", 2), 1]]),
  // $30 every 2 weeks, $10 off each invoice forever: (30 − 10) × 52 / 12 / 2 = $43.33
  subscription("cus_pf_two_weeks_off", [[every(3000, "week", 2), 1]], {
    discounts: [discount({ couponId: "co_pf_ten", amount_off: 1000, duration: "forever" })],
  }),
  // $50 every 10 days: 50 × 365 / 12 / 10 = $152.08
  subscription("cus_pf_ten_days", [[every(5000, "day", 10), 1]]),
  // $600 every 6 months: $100
  subscription("cus_pf_half_year", [[every(60000, "month", 6), 1]]),
  // $5,200 every 52 weeks (Stripe's longest in weeks): 5,200 × 52 / 12 / 52 = $433.33
  subscription("cus_pf_52_weeks", [[every(520000, "week", 52), 1]]),
  // 10,000 seats at 0.25 cents: 2,500 cents = $25
  subscription("cus_pf_sub_cent", [[quarterCent, 10_000]]),
  // Team $200 with a 10 % application fee: the fee is no part of the price, $200
  { ...subscription("cus_pf_app_fee", [[PRICES.teamBundle, 1]]), application_fee_percent: 10 },
];

/** [mrr, billing_interval] */
const EXPECTED: Record<string, [number, string]> = {
  cus_pf_two_weeks: [65, "2 week"],
  cus_pf_two_weeks_off: [43.33, "2 week"],
  cus_pf_ten_days: [152.08, "10 day"],
  cus_pf_half_year: [100, "6 month"],
  cus_pf_52_weeks: [433.33, "52 week"],
  cus_pf_sub_cent: [25, "month"],
  cus_pf_app_fee: [200, "month"],
};

Deno.test("every interval with its count, a sub-cent unit price and an application fee: MRR by revenue-rules.md's constants, fetched and from the cache", async () => {
  const customers = Object.keys(EXPECTED);
  await withFakeStripe(async (_fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(customers, options);
      assertEquals(result.source, source);
      const rows = Object.fromEntries(customers.map((customer) => {
        const row = result.byCustomer.get(customer)!;
        // all base plans, recurring: mrr = base = mrr_recurring
        assertEquals([row.baseSubscription, row.mrrRecurring], [row.mrr, row.mrr], customer);
        return [customer, [row.mrr, row.billingInterval]];
      }));
      assertEquals(rows, EXPECTED, source);
    }
  }, { data: { subscriptions, products, invoices: [] }, asOf: AS_OF, mode: "auto" });
});
