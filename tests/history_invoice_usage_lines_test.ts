/**
 * A metered price swapped off since is judged live by the closed period of its own lines: those of
 * its subscription on that price (mrr.ts usageLineInvoicedAt), not a later line of another
 * subscription of the customer on the same price, and on its subscription's cycle only where that
 * period falls on it (cycleOfPricePeriod: an anchor reset since is not); the backfill reads each
 * subscription's invoices apart (invoice_mrr.ts closedPeriods). Values by hand from the invoices
 * below.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { invoicedUsage } from "../lib/revenue/invoice_mrr.ts";
import {
  AS_OF,
  coupons,
  discount,
  invoice as stripeInvoice,
  line as stripeLine,
  price,
  PRICES,
  products,
  subscription,
} from "./fixtures/stripe/scenarios.ts";
import {
  invoiceHistoryBack,
  liveRevenue,
  rules,
  usageChargesOf,
  withFakeStripe,
} from "./history_invoice_fixture.ts";

Deno.test("usage of a price swapped off since, live and backfilled alike: its closed period is its own subscription's lines on that price, not another subscription's ending later, on the subscription's cycle only where it falls on it", async () => {
  const T = AS_OF.getTime() / 1000, DAY = 86_400; // November 1
  const day = (d: number) => T + d * DAY;
  const period = (a: number, b: number) => ({ period: { start: day(a), end: day(b) } });
  const monthly = price("prod_request_volume", null, { id: "price_lines_m", metered: true });
  const rep50 = (id: string, end: number) =>
    discount({ id, couponId: "co_rep50_lines", percent_off: 50, duration: "repeating" }, end);
  // now on the 79 USD plan alone, anchored on October 15 (−17 days), made 90 days ago
  const sub = (customer: string, id: string, discounts: unknown[]) => ({
    ...subscription(customer, [[PRICES.pro2025, 1]], { id, discounts }),
    created: day(-90),
    start_date: day(-90),
    billing_cycle_anchor: day(-17),
  });
  const usageLine = (
    id: string,
    { priceId, sub, amount, from, to, off }: {
      priceId: string;
      sub: string;
      amount: number;
      from: number;
      to: number;
      off?: string;
    },
  ) =>
    stripeLine(id, priceId, amount, sub, {
      ...period(from, to),
      discount_amounts: off ? [{ discount: off, amount: amount / 2 }] : [],
    });
  // sub_lines_s1's monthly metered 40 USD for September 15 – October 15, half off by a coupon
  // ending November 20 (+19): its period under way is billed November 15, before the end: 20.
  // sub_lines_s2's 10 USD (no coupon, anchored October 25) on the same price for September 25 –
  // October 25 ends later: judged by it, off s1's cycle, s1's line would be billed November 25,
  // after the coupon, 40 (50 in all, not 20 + 10 = 30).
  // cus_lines_r: the same line and coupon, its subscription's anchor reset since to October 25
  // (−7): the closed period is off that cycle, so it runs on from its own end, billed November
  // 15: 20 (on the subscription's cycle, November 25: 40).
  const expected = { cus_lines_r: 20, cus_lines_s: 30 };
  await withFakeStripe({
    subscriptions: [
      {
        ...sub("cus_lines_r", "sub_lines_r", [rep50("di_lines_r", day(19))]),
        billing_cycle_anchor: day(-7),
      },
      sub("cus_lines_s", "sub_lines_s1", [rep50("di_lines_s", day(19))]),
      { ...sub("cus_lines_s", "sub_lines_s2", []), billing_cycle_anchor: day(-7) },
    ],
    products,
    prices: [monthly],
    coupons,
    invoices: [
      stripeInvoice("in_lines_r", "cus_lines_r", "sub_lines_r", day(-17), [
        usageLine("il_lines_r", {
          priceId: "price_lines_m",
          sub: "sub_lines_r",
          amount: 4000,
          from: -47,
          to: -17,
          off: "di_lines_r",
        }),
      ]),
      stripeInvoice("in_lines_s1", "cus_lines_s", "sub_lines_s1", day(-17), [
        usageLine("il_lines_s1", {
          priceId: "price_lines_m",
          sub: "sub_lines_s1",
          amount: 4000,
          from: -47,
          to: -17,
          off: "di_lines_s",
        }),
      ]),
      stripeInvoice("in_lines_s2", "cus_lines_s", "sub_lines_s2", day(-7), [
        usageLine("il_lines_s2", {
          priceId: "price_lines_m",
          sub: "sub_lines_s2",
          amount: 1000,
          from: -37,
          to: -7,
        }),
      ]),
    ],
  }, async (connection) => {
    const cents = (usage: Record<string, number | null>) =>
      Object.fromEntries(
        Object.entries(usage).map(([id, v]) => [id, v === null ? null : Math.round(v * 100) / 100]),
      );
    const history = await invoiceHistoryBack(connection, 400);
    assertEquals(cents(Object.fromEntries(invoicedUsage(history, { to: AS_OF, rules }))), expected);
    const live = await liveRevenue(connection, Object.keys(expected));
    assertEquals(cents(usageChargesOf(live)), expected);
  });
});
