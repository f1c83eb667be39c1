/**
 * Edge subscriptions (tests/fixtures/stripe/edge_subscriptions.ts) through the real `stripe` SDK
 * against tests/fake_stripe.ts, each customer's MRR worked out by hand from docs/revenue.md's
 * rules (arithmetic in the comments): intervals, quantity 0, coupons past the price, a repeating
 * coupon that ended, trials, cancellations, statuses, metered and tiered prices, tax, currencies,
 * a deleted customer, a subscription started after the as-of, and 250 more subscriptions paged
 * while one changes between pages.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { revenueRulesFromEnv } from "../lib/revenue/rules.ts";
import { type FakeStripe, withFakeStripe } from "./fake_stripe.ts";
import { AS_OF, coupons, type Json } from "./fixtures/stripe/scenarios.ts";
import {
  EDGE_INVOICES,
  EDGE_SUBSCRIPTIONS,
  edgeCustomers,
  fillerSubscriptions,
  products,
} from "./fixtures/stripe/edge_subscriptions.ts";

const RULES = revenueRulesFromEnv({ PRICING_FX_RATES: "EUR:1.1,JPY:0.0067,KWD:3.25" });

/** [mrr, base, usage, prompts, other, recurring] per customer, USD per month */
const EXPECTED: Record<string, number[]> = {
  // $10 × 52/12 + $90 / 3 + $1,200 / 12 = 43.333 + 30 + 100
  cus_e_mixed: [173.33, 173.33, 0, 0, 0, 173.33],
  // $1,200 / 12 + $100 − $30: Stripe invoices it monthly (the yearly item joins one invoice a
  // year) and takes the $30 off each invoice, whichever item is listed first
  cus_e_mixed_off_ym: [170, 170, 0, 0, 0, 170],
  cus_e_mixed_off_my: [170, 170, 0, 0, 0, 170],
  // the yearly item's March invoice at 50 %, held for its year ($600 / 12), the monthly one's
  // October invoice in full ($100), whichever item is listed first
  cus_e_mixed_rep_ym: [150, 150, 0, 0, 0, 150],
  cus_e_mixed_rep_my: [150, 150, 0, 0, 0, 150],
  // $1,200 / 12 + the Oct 1 invoice's $40 of usage in full: the coupon that took $20 off it ended
  // Oct 20, before the metered item's period under way (from Nov 1), whichever item is first
  cus_e_usage_rep_ym: [140, 100, 40, 0, 0, 100],
  cus_e_usage_rep_my: [140, 100, 40, 0, 0, 100],
  cus_e_qty0: [0, 0, 0, 0, 0, 0], // 0 seats
  cus_e_full_coupon: [0, 0, 0, 0, 0, 0], // $200 × (1 − 100 %)
  cus_e_big_amount_off: [0, 0, 0, 0, 0, 0], // $79 + $50 − $200, never below 0
  cus_e_repeat_ended: [200, 200, 0, 0, 0, 200], // ended before the Oct 15 invoice
  cus_e_repeat_mid: [100, 100, 0, 0, 0, 100], // covered the Oct 15 invoice: $200 × 50 %
  cus_e_trial: [0, 0, 0, 0, 0, 0],
  cus_e_trial_since: [0, 0, 0, 0, 0, 0], // in its trial at the as-of
  cus_e_cancelling: [79, 79, 0, 0, 0, 79], // counts until its period ends
  cus_e_canceled: [0, 0, 0, 0, 0, 0],
  cus_e_past_due: [79, 79, 0, 0, 0, 79],
  cus_e_unpaid: [0, 0, 0, 0, 0, 0],
  cus_e_incomplete: [0, 0, 0, 0, 0, 0],
  cus_e_paused: [0, 0, 0, 0, 0, 0],
  cus_e_pause_collection: [0, 0, 0, 0, 0, 0],
  cus_e_metered: [60, 20, 40, 0, 0, 20], // $20 seat + the last cycle's $40 of usage
  cus_e_graduated: [85, 85, 0, 0, 0, 85], // 5 × $10 + $20 flat + 3 × $5
  cus_e_volume_edge: [90, 90, 0, 0, 0, 90], // 10 × $9: the first tier holds 10
  cus_e_tax_incl: [100, 100, 0, 0, 0, 100], // $120 / 1.2
  cus_e_tax_excl: [100, 100, 0, 0, 0, 100], // tax on top is not revenue
  cus_e_tax_incl_coupon: [75, 75, 0, 0, 0, 75], // $120 × 0.75 / 1.2
  cus_e_multi: [210, 210, 0, 0, 0, 210], // $100 + €100 × 1.1
  cus_e_jpy: [67, 67, 0, 0, 0, 67], // (¥12,000 − ¥2,000) × 0.0067
  cus_e_kwd: [97.5, 97.5, 0, 0, 0, 97.5], // 3 × 10.000 KWD × 3.25
  cus_e_future: [0, 0, 0, 0, 0, 0], // started after the as-of
};

const STATUSES: Record<string, string | null> = {
  cus_e_qty0: "active",
  cus_e_full_coupon: "active",
  cus_e_trial: "trialing",
  cus_e_trial_since: "trialing",
  cus_e_canceled: "canceled",
  cus_e_past_due: "past_due",
  cus_e_unpaid: "unpaid",
  cus_e_incomplete: "incomplete",
  cus_e_paused: "paused",
  cus_e_pause_collection: "paused",
  cus_e_future: null,
};

function money(result: Awaited<ReturnType<typeof loadRevenue>>, customer: string) {
  const r = result.byCustomer.get(customer);
  if (!r) return null;
  return [r.mrr, r.baseSubscription, r.usageCharges, r.addonPrompts, r.addonOther, r.mrrRecurring];
}

/**
 * The fake's data, whose subscriptions change once the listing's first page was served (the
 * second subscriptions request is logged before it is answered): cus_p_50's, on the first page
 * already read, goes to 4 seats; cus_p_200's, on a page still to come, to 3 seats; and a new
 * subscription is created for cus_p_new (newest: before every cursor, never on a later page).
 */
function changingData(fillers: number) {
  const subscriptions = [...EDGE_SUBSCRIPTIONS, ...fillerSubscriptions(fillers)];
  let fake: FakeStripe | null = null;
  let changed = false;
  const change = () => {
    const quantity = (id: string, seats: number) =>
      subscriptions.find((s) => s.id === id).items.data[0].quantity = seats;
    quantity("sub_p_50", 4);
    quantity("sub_p_200", 3);
    const now = Math.floor(Date.now() / 1000);
    subscriptions.push({
      ...structuredClone(subscriptions.find((s) => s.id === "sub_p_1")),
      id: "sub_p_new",
      customer: "cus_p_new",
      created: now,
      start_date: now,
    });
  };
  const data = {
    get subscriptions() {
      const listings = fake?.log.filter((r) => r.path === "/v1/subscriptions").length ?? 0;
      if (!changed && listings >= 2) {
        changed = true;
        change();
      }
      return subscriptions;
    },
    products,
    invoices: EDGE_INVOICES,
    customers: edgeCustomers(subscriptions),
    coupons,
  };
  return { data, attach: (f: FakeStripe) => fake = f, changed: () => changed };
}

Deno.test("edge subscriptions through the Stripe SDK match their hand-computed MRR; 250 more paged while two change count once each", async () => {
  const fillers = 250;
  const setup = changingData(fillers);
  const edgeIds = Object.keys(EXPECTED).concat("cus_e_deleted");
  const fillerIds = Array.from({ length: fillers }, (_, i) => `cus_p_${i + 1}`);
  await withFakeStripe(async (fake, options) => {
    setup.attach(fake);
    const result = await loadRevenue([...edgeIds, ...fillerIds], options);
    assertEquals(result.source, "stripe");
    ok(setup.changed(), "the subscriptions changed between pages");
    const wrong: string[] = [];
    for (const [customer, expected] of Object.entries(EXPECTED)) {
      const got = money(result, customer);
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        wrong.push(`${customer}: kit ${JSON.stringify(got)}, hand ${JSON.stringify(expected)}`);
      }
    }
    assertEquals(wrong, []);
    for (const [customer, status] of Object.entries(STATUSES)) {
      assertEquals(result.byCustomer.get(customer)!.subscriptionStatus, status, customer);
    }
    const row = (c: string) => result.byCustomer.get(c)!;
    assertEquals(row("cus_e_cancelling").cancelAtPeriodEnd, true);
    assertEquals(row("cus_e_past_due").cancelAtPeriodEnd, false);
    assertEquals(row("cus_e_canceled").cancelAtPeriodEnd, null); // nothing counted
    assertEquals(row("cus_e_mixed").billingInterval, "3 month,week,year");
    assertEquals(row("cus_e_multi").currency, "EUR,USD");
    assertEquals(row("cus_e_multi").mrrRecurringMinor, null); // no one currency's amount
    assertEquals(row("cus_e_kwd").mrrRecurringMinor, 30000); // 30.000 KWD in thousandths
    assertEquals(row("cus_e_jpy").mrrRecurringMinor, 10000); // ¥10,000
    // the deleted customer: unknown, empty revenue
    assertEquals(result.unknownCustomerIds, ["cus_e_deleted"]);
    // pages: cus_p_50 as the first page had it (1 seat), cus_p_200 as changed (3 seats), every
    // other at 1 seat; each once, and the subscription created since in none
    const fillerMrr = fillerIds.map((c) => row(c).mrr!);
    assertEquals(row("cus_p_50").mrr, 10);
    assertEquals(row("cus_p_200").mrr, 30);
    assertEquals(fillerMrr.reduce((a, b) => a + b, 0), 250 * 10 + 20);
    ok(!result.byCustomer.has("cus_p_new"));
  }, { data: setup.data as Json, asOf: AS_OF, mode: "auto", rules: RULES });
});
