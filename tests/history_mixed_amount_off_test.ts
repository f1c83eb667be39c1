/**
 * The invoice backfill on a mixed-interval subscription with an invoice-level coupon: yearly
 * 1,200 USD + monthly 100 USD from 2026-03-01 (flexible billing mode). Stripe invoices it monthly,
 * the yearly line joining March's invoice, and splits an amount-off over an invoice's lines in
 * proportion to their amounts: 30 USD off is 30 × 1,200 / 1,300 = 27.69 off March's yearly line
 * and 2.31 off its monthly one, 30 off each later monthly line. Read as the invoices split it, the
 * yearly line's 27.69 would be spread over its year (97.69 USD a month): 195.38 USD in March,
 * 167.69 in the others. The backfill reads it as live MRR does (revenue-rules.md rule 4: backfill
 * = live; tests/revenue_edge_probe_test.ts cus_e_mixed_off_*): the amount off once an invoice of
 * the shortest item's period, 1 month, split over the items. By hand, every month:
 * - 30 USD off forever: 1,200 / 12 + 100 − 30 / 1 = 100 + 100 − 30 = 170.00 USD.
 * - 20 % off forever (already so as invoiced, each line at 20 % off): (120,000 − 24,000) / 12 +
 *   (10,000 − 2,000) = 8,000 + 8,000 cents = 160.00 USD.
 * - 30 USD off for 3 months (March, April, May invoices): live counts a repeating coupon on the
 *   items whose invoice under way it covered, once a period of the shortest of them: to the end of
 *   May's period (the month ends of April, May and June) both, 170.00 USD; from June's monthly
 *   invoice, billed without it, the yearly item's March invoice alone, once a year:
 *   (1,200 − 30) / 12 + 100 = 97.50 + 100 = 197.50 USD (not 30 off a month all year, 360 USD for
 *   a coupon that took 90).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { type InvoiceLineLite, invoiceMrrAt } from "../lib/revenue/invoice_mrr.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
import type { DiscountLite, PriceLite } from "../lib/revenue/stripe_objects.ts";

const s = (date: string) => new Date(`${date}T00:00:00Z`).getTime() / 1000;

const price = (
  id: string,
  cents: number,
  interval: "month" | "year",
  usage: "licensed" | "metered" = "licensed",
): PriceLite => ({
  id,
  product: "prod_enterprise",
  currency: "usd",
  nickname: null,
  billing_scheme: "per_unit",
  tiers_mode: null,
  tiers: null,
  unit_amount_decimal: String(cents),
  transform_quantity: null,
  recurring: { interval, interval_count: 1, usage_type: usage },
  currency_options: null,
});

function coupon(
  id: string,
  terms: Pick<DiscountLite["coupon"], "percent_off" | "amount_off" | "duration">,
  end: string | null = null,
): DiscountLite {
  return {
    id: `di_${id}`,
    coupon: {
      id: `co_${id}`,
      currency: terms.amount_off ? "usd" : null,
      applies_to_products: null,
      amount_off_by_currency: null,
      ...terms,
    },
    start: null,
    end: end === null ? null : s(end),
  };
}

const OFF30 = coupon("off30", { percent_off: null, amount_off: 3000, duration: "forever" });
const PERCENT20 = coupon("pct20", { percent_off: 20, amount_off: null, duration: "forever" });
const OFF30_3_MONTHS = coupon(
  "off30x3",
  { percent_off: null, amount_off: 3000, duration: "repeating" },
  "2026-06-01",
);

function line(
  priceId: string,
  { amount, off, from, to, discount }: {
    amount: number;
    off: number;
    from: string;
    to: string;
    discount: DiscountLite;
  },
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
    discount_amounts: off === 0 ? [] : [{ discount: discount.id, amount: off }],
    period_start: s(from),
    period_end: s(to),
  };
}

/** The first of each month from March 2026 to March 2027. */
const MONTHS = Array.from({ length: 13 }, (_, i) => {
  const d = new Date(Date.UTC(2026, 2 + i, 1));
  return d.toISOString().slice(0, 10);
});

/** The year's lines: what `discount` took off March's yearly and monthly lines, then each month. */
function history(
  discount: DiscountLite,
  off: { year: number; march: number; monthly: (month: number) => number },
) {
  const lines = [
    line("price_year", {
      amount: 120000,
      off: off.year,
      from: "2026-03-01",
      to: "2027-03-01",
      discount,
    }),
    ...MONTHS.slice(0, 12).map((from, i) =>
      line("price_month", {
        amount: 10000,
        off: i === 0 ? off.march : off.monthly(i),
        from,
        to: MONTHS[i + 1],
        discount,
      })
    ),
  ];
  return {
    lines,
    prices: [price("price_year", 120000, "year"), price("price_month", 10000, "month")],
    discounts: [discount],
    itemDiscounts: [],
    thresholdResets: [],
    billingAnchors: {},
    billingAnchorDays: {},
    pausedSubscriptions: [],
    from: s("2026-03-01"),
    to: s("2027-03-01"),
  };
}

const rules = resolveRules();

/** USD at each month end of the year, Apr 1 2026 to Mar 1 2027 (as-ofs). */
function yearOf(lines: ReturnType<typeof history>): (number | null)[] {
  return MONTHS.slice(1).map((date) =>
    invoiceMrrAt(lines, { at: new Date(`${date}T00:00:00Z`), rules }).get("cus_mixed")!.usd
  );
}

const EVERY_MONTH = (usd: number) => MONTHS.slice(1).map(() => usd);

Deno.test("a mixed-interval amount-off backfills at live MRR every month: 170.00 USD, not 195.38 in the yearly invoice's month and 167.69 in the others", () => {
  // March's invoice: 30 USD split 1,200 : 100 (2,769 and 231 cents); 3,000 off each later month
  const off = { year: 2769, march: 231, monthly: () => 3000 };
  assertEquals(yearOf(history(OFF30, off)), EVERY_MONTH(170));
});

Deno.test("a mixed-interval percent-off backfills at live MRR every month: 160.00 USD", () => {
  // 20 % off each line as invoiced: 24,000 off the yearly line, 2,000 off each monthly one
  const off = { year: 24000, march: 2000, monthly: () => 2000 };
  assertEquals(yearOf(history(PERCENT20, off)), EVERY_MONTH(160));
});

Deno.test("a mixed-interval 3-month amount-off backfills at live MRR: 170.00 USD while the monthly invoices carry it, then 197.50 USD (once a year, the yearly item's March invoice alone)", () => {
  // off March (split), April and May's invoices; none from June
  const off = { year: 2769, march: 231, monthly: (month: number) => month < 3 ? 3000 : 0 };
  assertEquals(yearOf(history(OFF30_3_MONTHS, off)), [
    ...[170, 170, 170], // the month ends of April, May, June: May's invoice the last it covered
    ...EVERY_MONTH(197.5).slice(3), // July 1 to March 1
  ]);
});

Deno.test("a mixed-interval amount-off partly taken off metered usage comes off the licensed lines less that share, as live: 185.00 USD", () => {
  // October's invoice: 100 USD of September's usage and the monthly line, 15 USD off each; the
  // yearly line keeps March's 27.69 as invoiced (97.69 + 85 = 182.69 read so). Live: (30 − 15) / 1
  // month off the licensed items: 100 + 100 − 15 = 185.00 USD.
  const off = { year: 2769, march: 231, monthly: (month: number) => month === 7 ? 1500 : 3000 };
  const year = history(OFF30, off);
  const usage = line("price_usage", {
    amount: 10000,
    off: 1500,
    from: "2026-09-01",
    to: "2026-10-01",
    discount: OFF30,
  });
  year.lines.push({ ...usage, invoice: "in_2026-10-01", created: s("2026-10-01") });
  year.prices.push(price("price_usage", 0, "month", "metered"));
  const at = new Date("2026-11-01T00:00:00Z");
  assertEquals(invoiceMrrAt(year, { at, rules }).get("cus_mixed")!.usd, 185);
});

Deno.test("a mixed-interval amount-off its invoice under way no longer carries (removed) keeps the invoices' reading: 197.69 USD", () => {
  // forever, off March to June's invoices, none from July: not the subscription's then, so the
  // yearly line keeps March's 27.69 over its year (9,769.25 cents) + the monthly 100 = 197.69 USD
  // (live, reading today's subscription without it, 200: docs/history.md)
  const off = { year: 2769, march: 231, monthly: (month: number) => month < 4 ? 3000 : 0 };
  const at = new Date("2026-11-01T00:00:00Z");
  assertEquals(invoiceMrrAt(history(OFF30, off), { at, rules }).get("cus_mixed")!.usd, 197.69);
});

Deno.test("a mixed-interval amount-off on the yearly item's product alone backfills as live reads it: 197.50 USD", () => {
  // 30 USD off forever, applies_to the yearly add-on's product only: the yearly line's invoice
  // takes all 30 off it, the monthly invoices carry no line it covers and take nothing.
  // (120,000 − 3,000) / 12 + 10,000 = 9,750 + 10,000 cents = 197.50 USD, as live MRR reads it
  // (tests/revenue_rule_edges_test.ts: the amount off once a period of the items it covers)
  const addonOff: DiscountLite = {
    ...OFF30,
    id: "di_addon_off30",
    coupon: { ...OFF30.coupon, id: "co_addon_off30", applies_to_products: ["prod_addon"] },
  };
  const year = history(addonOff, { year: 3000, march: 0, monthly: () => 0 });
  year.prices[0] = { ...year.prices[0], product: "prod_addon" };
  assertEquals(yearOf(year), EVERY_MONTH(197.5));
});

Deno.test("a mixed-interval amount-off beside a weekly item it does not cover backfills as live reads it: 213.33 USD", () => {
  // 30 USD off forever on prod_enterprise (the yearly and monthly items), beside a weekly 10 USD
  // item of another product. Live takes the 30 off once a month, the shortest period of the items
  // it covers: 1,200 / 12 + 100 − 30 + 10 × 52 / 12 = 170 + 43.33 = 213.33 USD. The invoices'
  // reading (October's 30 off the monthly line, March's 27.69 off the yearly one over its year)
  // would be 97.69 + 70 + 43.33 = 211.03 USD.
  const enterpriseOff: DiscountLite = {
    ...OFF30,
    coupon: { ...OFF30.coupon, applies_to_products: ["prod_enterprise"] },
  };
  const year = history(enterpriseOff, { year: 2769, march: 231, monthly: () => 3000 });
  year.prices.push({
    ...price("price_week", 1000, "month"),
    product: "prod_weekly",
    recurring: { interval: "week", interval_count: 1, usage_type: "licensed" },
  });
  const week = line("price_week", {
    amount: 1000,
    off: 0,
    from: "2026-10-29",
    to: "2026-11-05",
    discount: enterpriseOff,
  });
  year.lines.push(week);
  const at = new Date("2026-11-01T00:00:00Z");
  assertEquals(invoiceMrrAt(year, { at, rules }).get("cus_mixed")!.usd, 213.33);
});

Deno.test("a mixed-interval amount-off on tax-inclusive prices backfills at live MRR, tax out after the coupon: 139.20 USD, not 139.60", () => {
  // Both prices include 25 % tax; 26 USD off forever. Stripe splits March's 26 as 24 : 2 (1,200 :
  // 100) and takes the inclusive tax out of what is left: (120,000 − 2,400) / 5 = 23,520 off the
  // yearly line, (10,000 − 200) / 5 = 1,960 off March's monthly line, (10,000 − 2,600) / 5 = 1,480
  // off each later one. Live (mrr.ts) takes the coupon off the prices as billed and the tax out of
  // the rest: (1,200 / 12 + 100 − 26) / 1.25 = 174 / 1.25 = 139.20 USD every month. Taking the 26
  // off the lines' levels with their tax already out would read (8,040 + 8,520 − 2,600) cents =
  // 139.60 USD.
  const off26: DiscountLite = coupon("off26", {
    percent_off: null,
    amount_off: 2600,
    duration: "forever",
  });
  const year = history(off26, { year: 2400, march: 200, monthly: () => 2600 });
  for (const l of year.lines) {
    const off = l.discount_amounts.reduce((sum, d) => sum + d.amount, 0);
    l.inclusive_tax = (l.amount - off) / 5;
  }
  assertEquals(year.lines.map((l) => l.inclusive_tax).slice(0, 3), [23520, 1960, 1480]);
  assertEquals(yearOf(year), EVERY_MONTH(139.2));
});
