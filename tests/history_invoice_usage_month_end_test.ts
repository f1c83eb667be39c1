/**
 * Backfilled usage (invoicedUsage, lib/revenue/invoice_mrr.ts) against live at a month end, when
 * a metered price's periods run from an anchor on the 31st: a repeating coupon is judged at the
 * invoice that will bill the period under way, which the backfill reads off the last period's
 * own dates (it holds no subscription's anchor). Values by hand.
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
import { type Json, rules, withFakeStripe } from "./history_invoice_fixture.ts";

const at = (iso: string) => Date.parse(iso) / 1000;

/**
 * Live and backfilled usage of cus_m31 at October 1: a monthly metered price (price_m31) anchored
 * on January 31 whose August 31 – September 30 period (cut to September's last day) billed 40 USD
 * on September 30, 20 off by a 50 % repeating coupon ending October 30 12:00; the subscription's
 * items now `items` (price_m31's, or another's once it was swapped off).
 */
async function usageAtOctober1(items: (monthly: Json) => [Json, number | null][]) {
  const asOf = new Date("2026-10-01T00:00:00Z");
  const monthly = price("prod_request_volume", null, { id: "price_m31", metered: true });
  const coupon = discount(
    { id: "di_m31", couponId: "co_rep50_m31", percent_off: 50, duration: "repeating" },
    at("2026-10-30T12:00:00Z"),
  );
  let usage: Record<string, number | null | undefined> = {};
  await withFakeStripe({
    subscriptions: [{
      ...subscription("cus_m31", items(monthly), { id: "sub_cus_m31", discounts: [coupon] }),
      created: at("2026-01-31T00:00:00Z"),
      start_date: at("2026-01-31T00:00:00Z"),
      billing_cycle_anchor: at("2026-01-31T00:00:00Z"),
    }],
    products,
    prices: [monthly],
    coupons,
    invoices: [
      stripeInvoice("in_m31_sep", "cus_m31", "sub_cus_m31", at("2026-09-30T00:00:00Z"), [
        stripeLine("il_m31_sep", "price_m31", 4000, "sub_cus_m31", {
          period: { start: at("2026-08-31T00:00:00Z"), end: at("2026-09-30T00:00:00Z") },
          discount_amounts: [{ discount: "di_m31", amount: 2000 }],
        }),
      ]),
    ],
  }, async (connection) => {
    const from = new Date(asOf.getTime() - 400 * 86_400_000);
    const { history } = await fetchInvoiceHistory({ ...connection, from, to: asOf, rules });
    const live = await loadRevenue(["cus_m31"], { ...connection, mode: "auto", asOf, rules });
    usage = {
      live: live.byCustomer.get("cus_m31")?.usageCharges,
      backfill: invoicedUsage(history, { to: asOf, rules }).get("cus_m31"),
    };
  });
  return usage;
}

Deno.test("usage, live and backfilled alike at a month end: a period cut to September 30 from an anchor on the 31st runs on to October 31, not October 30", async () => {
  // At October 1 the period under way is billed on October 31, after the coupon's end: 40 USD,
  // undiscounted, live and backfilled. From September 30 a month on (October 30 00:00) the coupon
  // still ran: 20
  assertEquals(await usageAtOctober1((monthly) => [[monthly, null]]), { live: 40, backfill: 40 });
});

Deno.test("usage of a price swapped off since, live and backfilled alike at a month end: its period cut to September 30 runs on to October 31", async () => {
  // price_m31 left the subscription (now the 79 USD plan alone): live reads its periods off its
  // last line, as the backfill does; from the line's start's day, October 31, not October 30
  assertEquals(await usageAtOctober1(() => [[PRICES.pro2025, 1]]), { live: 40, backfill: 40 });
});
