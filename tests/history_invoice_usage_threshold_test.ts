/**
 * Usage billed at thresholds, live and backfilled alike (mrr.ts usageLineInvoicedAt,
 * invoice_mrr.ts invoicedUsage): a repeating coupon on a threshold invoice's usage line is judged
 * at the invoice billing its price's period under way, from the period the line billed, whether
 * the subscription still holds the price or not, and whether a cycle line on that price closed the
 * period or not. Values by hand from the invoices below.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { invoicedUsage } from "../lib/revenue/invoice_mrr.ts";
import {
  AS_OF,
  coupons,
  discount,
  invoice as stripeInvoice,
  type Json,
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

/**
 * Live and backfilled usage of cus_thr at November 1 (a month end), a monthly metered price
 * anchored on the 15th: the period September 15 – October 15 (−47, −17 days) billed 30 USD at a
 * threshold on September 25 (−37) and 10 USD at its close on October 15, a 50 % coupon taking 15
 * and 5 off; it ends November 20 (+19), after the November 15 invoice billing the period under
 * way. The subscription's items now `items` (the metered price's, or another's once swapped off);
 * `cycleLine` false: the October 15 invoice bills the 79 USD plan alone (the metered price was
 * swapped off after its threshold, its usage since dropped); `anchor`: the subscription's
 * billing_cycle_anchor, days from the as-of (October 15, else August 15: −78); `threshold`: the
 * threshold's day (September 25, else October 2: −30, within the invoices listed live);
 * `couponEnd`: the coupon's end (November 20, else November 10: +9).
 */
async function thresholdUsage(
  items: (monthly: Json) => [Json, number | null][],
  { cycleLine = true, anchor = -17, threshold = -37, couponEnd = 19 } = {},
) {
  const T = AS_OF.getTime() / 1000, DAY = 86_400;
  const day = (d: number) => T + d * DAY;
  const period = (a: number, b: number) => ({ period: { start: day(a), end: day(b) } });
  const monthly = price("prod_request_volume", null, { id: "price_thr_m", metered: true });
  const coupon = discount(
    { id: "di_thr", couponId: "co_rep50_thr", percent_off: 50, duration: "repeating" },
    day(couponEnd),
  );
  const usageLine = (id: string, amount: number, from: number, to: number) =>
    stripeLine(id, "price_thr_m", amount, "sub_cus_thr", {
      ...period(from, to),
      discount_amounts: [{ discount: "di_thr", amount: amount / 2 }],
    });
  let usage: Record<string, Record<string, number | null>> = {};
  await withFakeStripe({
    subscriptions: [{
      ...subscription("cus_thr", items(monthly), { id: "sub_cus_thr", discounts: [coupon] }),
      created: day(-90),
      start_date: day(-90),
      billing_cycle_anchor: day(anchor),
    }],
    products,
    prices: [monthly],
    coupons,
    invoices: [
      stripeInvoice("in_thr_threshold", "cus_thr", "sub_cus_thr", day(threshold), [
        usageLine("il_thr_threshold", 3000, -47, threshold),
      ], { billing_reason: "subscription_threshold" }),
      stripeInvoice("in_thr_cycle", "cus_thr", "sub_cus_thr", day(-17), [
        cycleLine
          ? usageLine("il_thr_cycle", 1000, -47, -17)
          : stripeLine("il_thr_plan", PRICES.pro2025.id, 7900, "sub_cus_thr", period(-17, 13)),
      ]),
    ],
  }, async (connection) => {
    const history = await invoiceHistoryBack(connection, 400);
    usage = {
      backfill: Object.fromEntries(invoicedUsage(history, { to: AS_OF, rules })),
      live: usageChargesOf(await liveRevenue(connection, ["cus_thr"])),
    };
  });
  return usage;
}

Deno.test("usage, live and backfilled alike: a threshold invoice's usage line is judged at the cycle invoice billing the period under way, not a month on from its threshold", async () => {
  // both lines count the coupon: (30 − 15) + (10 − 5) = 20 USD. A month on from the threshold
  // line's end (September 25) would be November 25, after the coupon: 35
  assertEquals(await thresholdUsage((monthly) => [[monthly, null]]), {
    backfill: { cus_thr: 20 },
    live: { cus_thr: 20 },
  });
});

Deno.test("usage of a price swapped off since, live and backfilled alike: its threshold line is judged at the invoice billing the period its cycle line closed, not a month on from its threshold", async () => {
  // the metered price left the subscription (now the 79 USD plan alone): live reads its periods
  // off its lines, the closed period's (the cycle invoice's line, ending last), as the backfill
  // does: 20 USD. Off the threshold line's own period, November 25, after the coupon: 35
  assertEquals(await thresholdUsage(() => [[PRICES.pro2025, 1]]), {
    backfill: { cus_thr: 20 },
    live: { cus_thr: 20 },
  });
});

Deno.test("usage of a price swapped off since whose closed period has a threshold line and no cycle line, live and backfilled alike: the line is judged at the invoice billing its period under way on the subscription's cycle, not a month on from its threshold", async () => {
  // anchored on August 15, the threshold on October 2, the coupon ending November 10: the
  // threshold line's period, September 15 – October 2, starts on the subscription's monthly cycle
  // and ends within that period (September 15 – October 15), so the price's period under way at
  // November 1 is billed November 15, after the coupon's end: 30 USD in full. A month on from the
  // threshold (November 2, before the coupon's end) it read 30 − 15 = 15
  const swappedOff = () => [[PRICES.pro2025, 1]] as [Json, number | null][];
  const options = { cycleLine: false, anchor: -78, threshold: -30, couponEnd: 9 };
  assertEquals(await thresholdUsage(swappedOff, options), {
    backfill: { cus_thr: 30 },
    live: { cus_thr: 30 },
  });
});
