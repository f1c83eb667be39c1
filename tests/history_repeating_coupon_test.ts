/**
 * The invoice backfill (history) holds an invoiced discount over the line's whole period: a
 * 3-month repeating coupon on a yearly plan took 50 % off the year's invoice, so every month end
 * of that year reads the discounted level, as live MRR does (discounts.ts discountCounts), and the
 * next year's invoice, without it, reads the full price. A discount counts from its `start`
 * there too: a backdated subscription's invoice, created with its coupon, took it off the months
 * before the coupon's start as well, but at those month ends both the backfill and live MRR read
 * the price before it. Through the real `stripe` SDK against tests/fake_stripe.ts, read at each
 * month end as `deno task history`'s backfill reads them (monthEndAsOfs, invoiceRevenue) and as a
 * live export of that as-of reads them (loadRevenue); figures by hand.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { monthEndAsOfs } from "../lib/history/backfill.ts";
import { invoiceRevenue } from "../lib/history/invoice_revenue.ts";
import { fetchInvoiceHistory } from "../lib/revenue/invoice_fetch.ts";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
import { withFakeStripe } from "./history_invoice_fixture.ts";
import {
  coupons,
  discount,
  invoice,
  line,
  price,
  products,
  subscription,
} from "./fixtures/stripe/scenarios.ts";

const at = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 1000;
const yearly = price("prod_enterprise", 120000, { id: "price_year_1200", interval: "year" });

// 50 % off for 3 months, applied 2026-03-01 (Stripe ends it 06-01); the coupon says its months
const halfThreeMonths = {
  ...discount(
    {
      id: "di_half_3",
      couponId: "co_half_3_months_yearly",
      percent_off: 50,
      duration: "repeating",
    },
    at("2026-06-01"),
  ),
  start: at("2026-03-01"),
};
halfThreeMonths.source.coupon.duration_in_months = 3;
// 20 % off forever, applied 2026-05-10 when the subscription was created, backdated to 03-01:
// the discount's start is its creation, after the subscription's start
const backdatedTwenty = {
  ...discount({
    id: "di_backdated_20",
    couponId: "co_20_forever",
    percent_off: 20,
    duration: "forever",
  }),
  start: at("2026-05-10"),
};

const anchored = (iso: string) => ({ start_date: at(iso), billing_cycle_anchor: at(iso) });
const subs = [
  {
    ...subscription("cus_year_coupon", [[yearly, 1]], {
      id: "sub_year_coupon",
      discounts: [halfThreeMonths],
    }),
    ...anchored("2026-03-01"),
  },
  {
    ...subscription("cus_backdated", [[yearly, 1]], {
      id: "sub_backdated",
      discounts: [backdatedTwenty],
    }),
    ...anchored("2026-03-01"),
  },
];
const customers = subs.map((s) => s.customer);

const yearLine = (
  id: string,
  sub: string,
  [from, to]: [string, string],
  discounts: [string, number][] = [],
) =>
  line(id, yearly.id, 120000, sub, {
    period: { start: at(from), end: at(to) },
    discount_amounts: discounts.map(([discount, amount]) => ({ discount, amount })),
  });
const invoices = [
  // the first year's invoice, created while the coupon ran: $1,200 − $600
  invoice("in_year_1", "cus_year_coupon", "sub_year_coupon", at("2026-03-01"), [
    yearLine("il_year_1", "sub_year_coupon", ["2026-03-01", "2027-03-01"], [["di_half_3", 60000]]),
  ]),
  // the second year's, after it ended: $1,200
  invoice("in_year_2", "cus_year_coupon", "sub_year_coupon", at("2027-03-01"), [
    yearLine("il_year_2", "sub_year_coupon", ["2027-03-01", "2028-03-01"]),
  ]),
  // created 05-10 for the year from the backdated 03-01, its coupon on it: $1,200 − $240
  invoice("in_backdated", "cus_backdated", "sub_backdated", at("2026-05-10"), [
    yearLine("il_backdated", "sub_backdated", ["2026-03-01", "2027-03-01"], [
      ["di_backdated_20", 24000],
    ]),
  ]),
];

Deno.test("the invoice backfill counts a yearly plan's 3-month repeating coupon over the whole year, and a backdated subscription's coupon from its start, as live MRR does", async () => {
  await withFakeStripe(
    { subscriptions: subs, products, invoices, coupons },
    async (connection) => {
      const rules = resolveRules({});
      const { history } = await fetchInvoiceHistory({
        ...connection,
        from: new Date("2026-01-01T00:00:00Z"),
        to: new Date("2027-06-01T00:00:00Z"),
        rules,
      });
      // month ends 2026-04-01 … 2027-05-01 (each reads the month before it)
      const asOfs = monthEndAsOfs(14, new Date("2027-05-01T00:00:00Z"));
      const mrrAt = (asOf: Date, policy = rules) => {
        const revenue = invoiceRevenue(history, {
          asOf,
          windowDays: 30,
          rules: policy,
          customerIds: customers,
        });
        return customers.map((c) => revenue.byCustomer.get(c)!.mrrRecurring);
      };
      const byMonth = Object.fromEntries(
        asOfs.map((asOf) => [asOf.toISOString().slice(0, 10), mrrAt(asOf)]),
      );
      // $600 ÷ 12 = $50 through February 2027 (the coupon ended 06-01: the year was invoiced at it),
      // then $1,200 ÷ 12 = $100; the backdated year at $1,200 ÷ 12 = $100 at the month ends before
      // its coupon's start (05-10: the invoice took it off those months too, but the subscription
      // did not have it then), $1,200 × 0.8 ÷ 12 = $80 from the first after it until that year ends
      assertEquals(byMonth, {
        "2026-04-01": [50, 100],
        "2026-05-01": [50, 100],
        "2026-06-01": [50, 80],
        "2026-07-01": [50, 80],
        "2026-08-01": [50, 80],
        "2026-09-01": [50, 80],
        "2026-10-01": [50, 80],
        "2026-11-01": [50, 80],
        "2026-12-01": [50, 80],
        "2027-01-01": [50, 80],
        "2027-02-01": [50, 80],
        "2027-03-01": [50, 80],
        "2027-04-01": [100, 0],
        "2027-05-01": [100, 0],
      });
      // forever only (Stripe's dashboard): the repeating coupon never counts, $100
      const forever = resolveRules({ discountPolicy: "forever" });
      assertEquals(mrrAt(new Date("2026-09-01T00:00:00Z"), forever), [100, 80]);
      // live MRR at those month ends reads the same (backfill = live): $50 after the repeating
      // coupon ended; the backdated subscription at $100 before its coupon's start, $80 after
      const backfilled: Record<string, number[]> = byMonth;
      for (const iso of ["2026-04-01", "2026-05-01", "2026-06-01", "2026-09-01", "2027-02-01"]) {
        const live = await loadRevenue(customers, {
          ...connection,
          mode: "refresh",
          asOf: new Date(`${iso}T00:00:00Z`),
          rules,
        });
        assertEquals(
          customers.map((c) => live.byCustomer.get(c)!.mrrRecurring),
          backfilled[iso],
          iso,
        );
      }
    },
  );
});
