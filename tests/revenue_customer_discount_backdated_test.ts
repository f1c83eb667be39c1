/**
 * A customer's own discount stands in for a subscription's only while the subscription has none of
 * its own (Stripe: a subscription created without discounts "inherits the discount from the
 * subscription's customer"). A backdated subscription created with its coupon never had the
 * customer's: at a month end of its backdated stretch, before the coupon's start, live MRR reads
 * the price before any discount, as the invoice backfill reads its first invoice (it carries the
 * subscription's coupon only, which does not count before its start). One whose coupon was added
 * after its creation did have the customer's until then, and its invoices say so. Through the real
 * `stripe` SDK against tests/fake_stripe.ts, live (loadRevenue, from Stripe and from the cache) and
 * backfilled (fetchInvoiceHistory, invoiceRevenue) at the same month ends; figures by hand.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
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
const yearly = price("prod_enterprise", 120000, { id: "price_cd_year_1200", interval: "year" });
const monthly = price("prod_enterprise", 10000, { id: "price_cd_month_100" });

/** both customers' own 10 % off forever, since 2026-01-01 */
const customerTen = {
  ...discount({
    id: "di_customer_10",
    couponId: "co_cd_10_forever",
    percent_off: 10,
    duration: "forever",
  }),
  start: at("2026-01-01"),
};
const twentyFrom = (id: string, start: number) => ({
  ...discount({ id, couponId: "co_cd_20_forever", percent_off: 20, duration: "forever" }),
  start,
});

const created = at("2026-05-10");
const subs = [
  // created 05-10 with 20 % off, backdated to 03-01: Stripe stamps the discount a second after
  // the subscription, in the same request
  {
    ...subscription("cus_cd_backdated", [[yearly, 1]], {
      id: "sub_cd_backdated",
      discounts: [twentyFrom("di_cd_backdated_20", created + 1)],
    }),
    created,
    start_date: at("2026-03-01"),
    billing_cycle_anchor: at("2026-03-01"),
  },
  // created 03-01 without a coupon (the customer's applied), given 20 % off on 05-10
  {
    ...subscription("cus_cd_added_later", [[monthly, 1]], {
      id: "sub_cd_added_later",
      discounts: [twentyFrom("di_cd_later_20", at("2026-05-10"))],
    }),
    created: at("2026-03-01"),
    start_date: at("2026-03-01"),
    billing_cycle_anchor: at("2026-03-01"),
  },
];
const customers = subs.map((s) => s.customer);
const accountCustomers = customers.map((id) => ({ id, object: "customer", discount: customerTen }));

const billed = (
  sub: string,
  p: { id: string; unit_amount: number },
  [from, to]: [string, string],
  [discountId, amount]: [string, number],
) =>
  line(`il_${sub}_${from}`, p.id, p.unit_amount, sub, {
    period: { start: at(from), end: at(to) },
    discount_amounts: [{ discount: discountId, amount }],
  });
const monthInvoice = (from: string, to: string, off: [string, number]) =>
  invoice(`in_cd_later_${from}`, "cus_cd_added_later", "sub_cd_added_later", at(from), [
    billed("sub_cd_added_later", monthly, [from, to], off),
  ]);
const invoices = [
  // created 05-10 for the year from 03-01, the subscription's coupon on it: $1,200 − $240
  invoice("in_cd_backdated", "cus_cd_backdated", "sub_cd_backdated", created, [
    billed("sub_cd_backdated", yearly, ["2026-03-01", "2027-03-01"], ["di_cd_backdated_20", 24000]),
  ]),
  // the customer's 10 % off $100 until the subscription's own 20 % (from the first invoice after
  // 05-10: 06-01)
  monthInvoice("2026-03-01", "2026-04-01", ["di_customer_10", 1000]),
  monthInvoice("2026-04-01", "2026-05-01", ["di_customer_10", 1000]),
  monthInvoice("2026-05-01", "2026-06-01", ["di_customer_10", 1000]),
  monthInvoice("2026-06-01", "2026-07-01", ["di_cd_later_20", 2000]),
];

Deno.test("a backdated subscription created with its coupon never had the customer's discount: live and the invoice backfill read the price before it at month ends before the coupon's start", async () => {
  await withFakeStripe({
    subscriptions: subs,
    products,
    invoices,
    coupons,
    customers: accountCustomers,
  }, async (connection) => {
    const rules = resolveRules({});
    const { history } = await fetchInvoiceHistory({
      ...connection,
      from: new Date("2026-01-01T00:00:00Z"),
      to: new Date("2026-08-01T00:00:00Z"),
      rules,
    });
    // backdated: $1,200 ÷ 12 = $100 at the month ends before its coupon's start (05-10), not
    // $100 × 0.9 = $90 with the customer's; $100 × 0.8 = $80 after. Added later: the customer's
    // $100 × 0.9 = $90 until its own coupon; $100 × 0.8 = $80 at 07-01 (the month end after the
    // 06-01 invoice, the first with it; at 06-01 the backfill still reads May's $90 invoice, a
    // difference docs/revenue.md names: Stripe bills a discount from the next invoice)
    const expected: Record<string, number[]> = {
      "2026-04-01": [100, 90],
      "2026-05-01": [100, 90],
      "2026-07-01": [80, 80],
    };
    for (const [iso, figures] of Object.entries(expected)) {
      const asOf = new Date(`${iso}T00:00:00Z`);
      const backfilled = invoiceRevenue(history, {
        asOf,
        windowDays: 30,
        rules,
        customerIds: customers,
      });
      assertEquals(customers.map((c) => backfilled.byCustomer.get(c)!.mrrRecurring), figures, iso);
      for (const mode of ["refresh", "auto"] as const) {
        const live = await loadRevenue(customers, { ...connection, mode, asOf, rules });
        assertEquals(live.source, mode === "refresh" ? "stripe" : "cache");
        assertEquals(
          customers.map((c) => live.byCustomer.get(c)!.mrrRecurring),
          figures,
          `${iso} ${live.source}`,
        );
      }
    }
  });
});
