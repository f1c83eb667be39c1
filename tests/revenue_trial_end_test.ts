/**
 * A subscription's trial ending by the as-of, through the real `stripe` SDK against
 * tests/fake_stripe.ts. Stripe ends a trial at `trial_end` ("Use free trial periods on
 * subscriptions": a new billing cycle begins and an invoice is created then) and lists the
 * subscription `trialing` only while the trial is under way (Subscription object, `status`); one
 * listed `trialing` with its trial ended by the as-of (Stripe not yet moved on, or a cache read
 * later) is judged as Stripe moves it then. Values by hand from tests/fixtures/stripe/scenarios.ts
 * (pro-20251210 at 79 USD a month).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import { AS_OF, PRICES, products, subscription } from "./fixtures/stripe/scenarios.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const T = AS_OF.getTime() / 1000;
const HOUR = 3600;
const DAY = 86_400;

/** Started 14 days before the as-of in a trial ending at `trialEnd`, anchored there. */
function inTrial(customer: string, trialEnd: number, extra: Json = {}): Json {
  return {
    ...subscription(customer, [[PRICES.pro2025, 1]], { status: "trialing" }),
    created: T - 14 * DAY,
    start_date: T - 14 * DAY,
    trial_start: T - 14 * DAY,
    trial_end: trialEnd,
    billing_cycle_anchor: trialEnd,
    ...extra,
  };
}

/** Each customer's [mrr, subscription_status, cancel_at_period_end] at `asOf`, fetched. */
async function rowsAt(data: Json, customers: string[], asOf = AS_OF) {
  let rows: Record<string, unknown[]> = {};
  await withFakeStripe(async (_fake, options) => {
    const result = await loadRevenue(customers, { ...options, asOf });
    assertEquals(result.source, "stripe");
    rows = Object.fromEntries(customers.map((c) => {
      const row = result.byCustomer.get(c)!;
      return [c, [row.mrr, row.subscriptionStatus, row.cancelAtPeriodEnd]];
    }));
  }, { data, asOf, mode: "auto" });
  return rows;
}

Deno.test("a subscription Stripe still lists trialing whose trial ended by the as-of bills its price, as active, unless set to cancel by the trial's end; one whose trial ends after it is not counted", async () => {
  // the trial ended an hour before the as-of, Stripe not yet moved on: its first period began
  // then, invoiced at 79 USD (revenue-rules.md counts trial → active even if that invoice is
  // unpaid); it read trialing, 0 USD. The trial ending an hour after the as-of: 0 USD, trialing.
  // One set to cancel at its period's end, the trial's (Stripe sets cancel_at to it), or at a
  // cancel_at before it: canceled at the trial's end, 0 USD; one set to cancel a week after its
  // trial ended billed its first period: 79 USD (scheduled churn)
  const customers = [
    "cus_trial_ended",
    "cus_trial_ahead",
    "cus_trial_cancelled_at_end",
    "cus_trial_cancel_at_before",
    "cus_trial_cancel_at_after",
  ];
  const data = {
    subscriptions: [
      inTrial("cus_trial_ended", T - HOUR),
      inTrial("cus_trial_ahead", T + HOUR),
      inTrial("cus_trial_cancelled_at_end", T - HOUR, {
        cancel_at_period_end: true,
        cancel_at: T - HOUR,
        canceled_at: T - 3 * DAY,
      }),
      inTrial("cus_trial_cancel_at_before", T - HOUR, {
        cancel_at: T - 2 * HOUR,
        canceled_at: T - 3 * DAY,
      }),
      inTrial("cus_trial_cancel_at_after", T - HOUR, {
        cancel_at: T + 7 * DAY,
        canceled_at: T - 3 * DAY,
      }),
    ],
    products,
    invoices: [],
  };
  assertEquals(await rowsAt(data, customers), {
    cus_trial_ended: [79, "active", false],
    cus_trial_ahead: [0, "trialing", null],
    cus_trial_cancelled_at_end: [0, "canceled", null],
    cus_trial_cancel_at_before: [0, "canceled", null],
    cus_trial_cancel_at_after: [79, "active", true],
  });
});
