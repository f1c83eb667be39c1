/**
 * The invoice backfill on a mixed-interval subscription with an invoice-level amount-off: yearly
 * 1,200 USD + monthly 100 USD from 2026-03-01 (flexible billing mode), 30 USD off forever. Live MRR
 * reads 170 USD every month (1,200 / 12 + 100 − 30: tests/revenue_edge_probe_test.ts). Stripe
 * invoices it monthly, the yearly line joining March's invoice, and splits the 30 USD over an
 * invoice's lines in proportion to their amounts. By hand:
 * - March: 30 × 1,200 / 1,300 = 27.69 off the yearly line (117,231 cents, held over its year:
 *   9,769.25 cents a month), 2.31 off the monthly (9,769): 195.38 USD read at April 1.
 * - Every other month: the yearly line's 9,769.25 + the monthly 100 − 30 = 70: 167.69 USD.
 * - The year: 19,538 + 11 × 16,769 = 203,997 cents, 16,999.75 a month: 170.00 USD, as live.
 * The backfill reads what each invoice took off each line over that line's period (docs/history.md,
 * "MRR from invoices"): the yearly line's share of March's amount-off is spread over its year, so a
 * month reads 2.31 USD below live, March 25.38 above, and the year's mean equals it.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { type InvoiceLineLite, invoiceMrrAt } from "../lib/revenue/invoice_mrr.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
import type { DiscountLite, PriceLite } from "../lib/revenue/stripe_objects.ts";

const s = (date: string) => new Date(`${date}T00:00:00Z`).getTime() / 1000;

const price = (id: string, cents: number, interval: "month" | "year"): PriceLite => ({
  id,
  product: "prod_enterprise",
  currency: "usd",
  nickname: null,
  billing_scheme: "per_unit",
  tiers_mode: null,
  tiers: null,
  unit_amount_decimal: String(cents),
  transform_quantity: null,
  recurring: { interval, interval_count: 1, usage_type: "licensed" },
  currency_options: null,
});

const OFF30: DiscountLite = {
  id: "di_off30",
  coupon: {
    id: "co_off30",
    percent_off: null,
    amount_off: 3000,
    currency: "usd",
    duration: "forever",
    applies_to_products: null,
    amount_off_by_currency: null,
  },
  start: null,
  end: null,
};

function line(
  priceId: string,
  { amount, off, from, to }: { amount: number; off: number; from: string; to: string },
): InvoiceLineLite {
  return {
    customer: "cus_mixed",
    invoice: `in_${from}`,
    status: "paid",
    created: s(from),
    billing_reason: "subscription_cycle",
    currency: "usd",
    subscription: "sub_mixed",
    price_id: priceId,
    proration: false,
    quantity: 1,
    amount,
    inclusive_tax: 0,
    discount_amounts: [{ discount: OFF30.id, amount: off }],
    period_start: s(from),
    period_end: s(to),
  };
}

/** The first of each month from March 2026 to March 2027. */
const MONTHS = Array.from({ length: 13 }, (_, i) => {
  const d = new Date(Date.UTC(2026, 2 + i, 1));
  return d.toISOString().slice(0, 10);
});

function history() {
  const lines = [
    // March's invoice: 30 USD split 1,200 : 100 (2,769 and 231 cents)
    line("price_year", { amount: 120000, off: 2769, from: "2026-03-01", to: "2027-03-01" }),
    ...MONTHS.slice(0, 12).map((from, i) =>
      line("price_month", { amount: 10000, off: i === 0 ? 231 : 3000, from, to: MONTHS[i + 1] })
    ),
  ];
  return {
    lines,
    prices: [price("price_year", 120000, "year"), price("price_month", 10000, "month")],
    discounts: [OFF30],
    itemDiscounts: [],
    thresholdResets: [],
    pausedSubscriptions: [],
    from: s("2026-03-01"),
    to: s("2027-03-01"),
  };
}

Deno.test("a mixed-interval amount-off backfills at what each invoice took off each line: 195.38 USD in the yearly invoice's month, 167.69 in the others, 170.00 over the year as live", () => {
  const rules = resolveRules();
  const at = (date: string) =>
    invoiceMrrAt(history(), { at: new Date(`${date}T00:00:00Z`), rules }).get("cus_mixed")!;
  assertEquals(at("2026-04-01").usd, 195.38); // March: 97.69 + 97.69
  assertEquals(at("2026-11-01").usd, 167.69); // October: 97.69 + 70
  const yearMinor = MONTHS.slice(1).reduce((sum, d) => sum + at(d).byCurrency.get("usd")!, 0);
  assertEquals(yearMinor, 19538 + 11 * 16769);
  assertEquals(Math.round(yearMinor / 12) / 100, 170); // live's 170 USD a month
});
