/**
 * Backfilled usage (invoicedUsage, lib/revenue/invoice_mrr.ts) against live at a month end, when
 * a metered price's periods run from an anchor on a month's last days: a repeating coupon is
 * judged at the invoice that will bill the period under way, on the subscription's own
 * `billing_cycle_anchor` where the period falls on its cycle, else off the last period's own
 * dates. Values by hand.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { fetchInvoiceHistory } from "../lib/revenue/invoice_fetch.ts";
import { invoicedUsage } from "../lib/revenue/invoice_mrr.ts";
import { loadRevenue } from "../lib/revenue/mod.ts";
import {
  coupons,
  discount,
  invoice as stripeInvoice,
  line as stripeLine,
  price,
  PRICES,
  products,
  subscription,
} from "./fixtures/stripe/scenarios.ts";
import { rules, withFakeStripe } from "./history_invoice_fixture.ts";
import type { Json } from "./fixtures/stripe/scenarios.ts";

const at = (iso: string) => Date.parse(iso) / 1000;

/** A metered price's last closed period, billed at its end with half off by a repeating coupon. */
interface ClosedPeriod {
  /** the subscription's start and billing_cycle_anchor */
  start: string;
  anchor: string;
  /** billing_cycle_anchor_config.day_of_month, when the subscription was made with one */
  anchorDay?: number;
  /** the metered price's interval count, in months */
  months: number;
  /** the period the cycle invoice billed (created at its end) */
  period: [string, string];
  /** minor units billed, half of it off */
  amount: number;
  couponEnd: string;
  asOf: string;
}

/**
 * Live and backfilled usage of cus_m31 at the as-of: a metered price (price_m31) billed `amount`
 * for the closed `period`, half off by a 50 % repeating coupon ending `couponEnd`; the
 * subscription's items now `items` (price_m31's, or another's once it was swapped off).
 */
async function usageAt(closed: ClosedPeriod, items: (metered: Json) => [Json, number | null][]) {
  const asOf = new Date(closed.asOf);
  const metered = price("prod_request_volume", null, {
    id: "price_m31",
    metered: true,
    interval_count: closed.months,
  });
  const coupon = discount(
    { id: "di_m31", couponId: "co_rep50_m31", percent_off: 50, duration: "repeating" },
    at(closed.couponEnd),
  );
  const [from, to] = closed.period.map(at);
  let usage: Record<string, number | null | undefined> = {};
  await withFakeStripe({
    subscriptions: [{
      ...subscription("cus_m31", items(metered), { id: "sub_cus_m31", discounts: [coupon] }),
      created: at(closed.start),
      start_date: at(closed.start),
      billing_cycle_anchor: at(closed.anchor),
      ...(closed.anchorDay
        ? { billing_cycle_anchor_config: { day_of_month: closed.anchorDay, hour: 0, minute: 0 } }
        : {}),
    }],
    products,
    prices: [metered],
    coupons,
    invoices: [
      stripeInvoice("in_m31", "cus_m31", "sub_cus_m31", to, [
        stripeLine("il_m31", "price_m31", closed.amount, "sub_cus_m31", {
          period: { start: from, end: to },
          discount_amounts: [{ discount: "di_m31", amount: closed.amount / 2 }],
        }),
      ]),
    ],
  }, async (connection) => {
    const since = new Date(asOf.getTime() - 400 * 86_400_000);
    const { history } = await fetchInvoiceHistory({ ...connection, from: since, to: asOf, rules });
    const live = await loadRevenue(["cus_m31"], { ...connection, mode: "auto", asOf, rules });
    usage = {
      live: live.byCustomer.get("cus_m31")?.usageCharges,
      backfill: invoicedUsage(history, { to: asOf, rules }).get("cus_m31"),
    };
  });
  return usage;
}

/** A monthly price anchored on January 31 whose August 31 – September 30 period (cut to
 * September's last day) billed 40 USD on September 30, the coupon ending October 30 12:00. */
const september: ClosedPeriod = {
  start: "2026-01-31T00:00:00Z",
  anchor: "2026-01-31T00:00:00Z",
  months: 1,
  period: ["2026-08-31T00:00:00Z", "2026-09-30T00:00:00Z"],
  amount: 4000,
  couponEnd: "2026-10-30T12:00:00Z",
  asOf: "2026-10-01T00:00:00Z",
};

Deno.test("usage, live and backfilled alike at a month end: a period cut to September 30 from an anchor on the 31st runs on to October 31, not October 30", async () => {
  // At October 1 the period under way is billed on October 31, after the coupon's end: 40 USD,
  // undiscounted, live and backfilled. From September 30 a month on (October 30 00:00) the coupon
  // still ran: 20
  assertEquals(await usageAt(september, (metered) => [[metered, null]]), {
    live: 40,
    backfill: 40,
  });
});

Deno.test("usage of a price swapped off since, live and backfilled alike at a month end: its period cut to September 30 runs on to October 31", async () => {
  // price_m31 left the subscription (now the 79 USD plan alone): live reads its periods off its
  // last line, as the backfill does; from the line's start's day, October 31, not October 30
  assertEquals(await usageAt(september, () => [[PRICES.pro2025, 1]]), { live: 40, backfill: 40 });
});

/** A quarterly price anchored on August 31, 2025 whose November 30 – February 28 period (both
 * dates cut) billed 90 USD on February 28, the coupon ending May 30 12:00. */
const quarterCut: ClosedPeriod = {
  start: "2025-08-31T00:00:00Z",
  anchor: "2025-08-31T00:00:00Z",
  months: 3,
  period: ["2025-11-30T00:00:00Z", "2026-02-28T00:00:00Z"],
  amount: 9000,
  couponEnd: "2026-05-30T12:00:00Z",
  asOf: "2026-03-01T00:00:00Z",
};

Deno.test("usage of a quarter with both dates cut, live and backfilled on the subscription's anchor: November 30 – February 28 from the 31st runs on to May 31, not May 30", async () => {
  // Stripe keeps the anchor's day: the period under way is billed May 31, after the coupon's end,
  // so 90 USD undiscounted, ÷ 3 = 30 a month. Off the period's dates alone (the 30th, its start's
  // day) it would be billed May 30 00:00, the coupon still running: 45 ÷ 3 = 15
  assertEquals(await usageAt(quarterCut, (metered) => [[metered, null]]), {
    live: 30,
    backfill: 30,
  });
});

Deno.test("usage of a quarter with both dates cut on a price swapped off since, live and backfilled: its periods run on the subscription's anchor, to May 31", async () => {
  // the swap kept the subscription's anchor (same interval: Stripe resets it only on an interval
  // change), and the line's period falls on its cycle: read from it, as for the price held
  assertEquals(await usageAt(quarterCut, () => [[PRICES.pro2025, 1]]), { live: 30, backfill: 30 });
});

Deno.test("usage of a quarter with both dates cut on a price swapped off since with the anchor reset, live and backfilled: read off the period's dates, to May 30", async () => {
  // the swap to a monthly plan reset the anchor (February 10, 09:00): November 30 – February 28
  // does not fall on its cycle, and the dates cannot tell the 31st from the 30th; read from the
  // start's day, May 30 00:00, the coupon still running: 45 ÷ 3 = 15 (Stripe billed May 31: 30)
  const reset = { ...quarterCut, anchor: "2026-02-10T09:00:00Z" };
  assertEquals(await usageAt(reset, () => [[PRICES.pro2025, 1]]), { live: 15, backfill: 15 });
});

/** A monthly price on a subscription started March 31 and anchored on April 30 (a month's last
 * day, the 30th): its first period, March 31 – April 30, billed 40 USD on April 30, the coupon
 * ending May 30 12:00. */
const firstPeriod: ClosedPeriod = {
  start: "2026-03-31T00:00:00Z",
  anchor: "2026-04-30T00:00:00Z",
  months: 1,
  period: ["2026-03-31T00:00:00Z", "2026-04-30T00:00:00Z"],
  amount: 4000,
  couponEnd: "2026-05-30T12:00:00Z",
  asOf: "2026-05-01T00:00:00Z",
};

Deno.test("usage of a first period later in the month than its anchor on a month's last day, live and backfilled: it runs on the anchor's day, to May 30, not May 31", async () => {
  // Stripe bills the period under way on May 30 00:00, the coupon still running: 20 USD. Off the
  // period's dates alone (April 30 cut from the 31st its start shows) it would be May 31: 40
  assertEquals(await usageAt(firstPeriod, (metered) => [[metered, null]]), {
    live: 20,
    backfill: 20,
  });
});

Deno.test("usage of a first period later in the month than its anchor on a price swapped off since, live and backfilled: on the subscription's anchor, to May 30", async () => {
  assertEquals(await usageAt(firstPeriod, () => [[PRICES.pro2025, 1]]), {
    live: 20,
    backfill: 20,
  });
});

/** A monthly price on a subscription made February 10 with billing_cycle_anchor_config's
 * day_of_month 31: Stripe anchors it on February 28 (the 31st cut) and bills March 31, April 30.
 * Its first stretch, February 10 – 28, billed 40 USD on February 28, the coupon ending March 30
 * 12:00. */
const configured: ClosedPeriod = {
  start: "2026-02-10T00:00:00Z",
  anchor: "2026-02-28T00:00:00Z",
  anchorDay: 31,
  months: 1,
  period: ["2026-02-10T00:00:00Z", "2026-02-28T00:00:00Z"],
  amount: 4000,
  couponEnd: "2026-03-30T12:00:00Z",
  asOf: "2026-03-01T00:00:00Z",
};

Deno.test("usage on an anchor configured for the 31st and cut to February 28, live and backfilled: the period under way is billed March 31, not March 28", async () => {
  // March 31 is after the coupon's end: 40 USD undiscounted. From the anchor's own day (the 28th)
  // it would be billed March 28, the coupon still running: 20
  assertEquals(await usageAt(configured, (metered) => [[metered, null]]), {
    live: 40,
    backfill: 40,
  });
});

Deno.test("usage of a price swapped off since on an anchor configured for the 31st, live and backfilled: billed March 31", async () => {
  assertEquals(await usageAt(configured, () => [[PRICES.pro2025, 1]]), { live: 40, backfill: 40 });
});

/** A monthly price on a subscription made January 31 with billing_cycle_anchor_config's
 * day_of_month 31 whose anchor a plan change reset to March 15 since (the configuration still
 * reads 31): its periods run from the 15th, March 15 – April 15 billing 40 USD on April 15, the
 * coupon ending May 20 12:00. */
const reset: ClosedPeriod = {
  start: "2026-01-31T00:00:00Z",
  anchor: "2026-03-15T00:00:00Z",
  anchorDay: 31,
  months: 1,
  period: ["2026-03-15T00:00:00Z", "2026-04-15T00:00:00Z"],
  amount: 4000,
  couponEnd: "2026-05-20T12:00:00Z",
  asOf: "2026-05-01T00:00:00Z",
};

Deno.test("usage on an anchor reset to the 15th since its configuration's 31st, live and backfilled: the period under way is billed May 15, not May 31", async () => {
  // April 15 – May 15 is under way at May 1, billed on May 15 while the coupon runs: half of 40.
  // Read on the configuration's 31st, April 30 – May 31, billed after the coupon's end: 40
  assertEquals(await usageAt(reset, (metered) => [[metered, null]]), { live: 20, backfill: 20 });
});
