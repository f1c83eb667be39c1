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
import { rowsAt } from "./revenue_fixture.ts";
import {
  DAY,
  HOUR,
  type Json,
  PRICES,
  products,
  subscription,
  T,
} from "./fixtures/stripe/scenarios.ts";

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
  assertEquals(await rowsAt(data, customers), [{
    source: "stripe",
    rows: {
      cus_trial_ended: [79, "active", false],
      cus_trial_ahead: [0, "trialing", null],
      cus_trial_cancelled_at_end: [0, "canceled", null],
      cus_trial_cancel_at_before: [0, "canceled", null],
      cus_trial_cancel_at_after: [79, "active", true],
    },
  }]);
});

/** Trial settings for a trial ending without a payment method (`missing_payment_method`). */
const withoutPaymentMethod = (behavior: string) => ({
  trial_settings: { end_behavior: { missing_payment_method: behavior } },
});

/**
 * Customers in a trial ending at `trialEnd`, each with trial settings for a missing payment
 * method, and with or without one: on the subscription (`default_payment_method`) or as the
 * customer's default (`invoice_settings.default_payment_method`, or a `default_source`).
 */
function missingPaymentMethodAccount(trialEnd: number): Json {
  return {
    subscriptions: [
      inTrial("cus_pm_cancel", trialEnd, withoutPaymentMethod("cancel")),
      inTrial("cus_pm_pause", trialEnd, withoutPaymentMethod("pause")),
      inTrial("cus_pm_invoice", trialEnd, withoutPaymentMethod("create_invoice")),
      inTrial("cus_pm_on_subscription", trialEnd, {
        ...withoutPaymentMethod("cancel"),
        default_payment_method: "pm_on_subscription",
      }),
      inTrial("cus_pm_on_customer", trialEnd, withoutPaymentMethod("pause")),
      inTrial("cus_source_on_customer", trialEnd, withoutPaymentMethod("cancel")),
    ],
    customers: [
      ...["cus_pm_cancel", "cus_pm_pause", "cus_pm_invoice", "cus_pm_on_subscription"].map(
        (id) => ({ id, object: "customer", invoice_settings: { default_payment_method: null } }),
      ),
      {
        id: "cus_pm_on_customer",
        object: "customer",
        invoice_settings: { default_payment_method: "pm_on_customer" },
      },
      {
        id: "cus_source_on_customer",
        object: "customer",
        default_source: "card_on_customer",
        invoice_settings: { default_payment_method: null },
      },
    ],
    products,
    invoices: [],
  };
}

const MISSING_PM_CUSTOMERS = [
  "cus_pm_cancel",
  "cus_pm_pause",
  "cus_pm_invoice",
  "cus_pm_on_subscription",
  "cus_pm_on_customer",
  "cus_source_on_customer",
];

/**
 * At the trial's end without a payment method, Stripe does what the trial settings say
 * (`trial_settings.end_behavior.missing_payment_method`: cancel, pause or create_invoice):
 * canceled, 0 USD; paused ("a paused subscription doesn't generate invoices"), 0 USD; invoiced,
 * 79 USD, as active (its invoice unpaid, Stripe lists it past_due, counted alike). With a payment
 * method on the subscription or as the customer's default (which its invoices use), the trial
 * settings do not apply: 79 USD.
 */
const AFTER_TRIAL_END = {
  cus_pm_cancel: [0, "canceled", null],
  cus_pm_pause: [0, "paused", null],
  cus_pm_invoice: [79, "active", false],
  cus_pm_on_subscription: [79, "active", false],
  cus_pm_on_customer: [79, "active", false],
  cus_source_on_customer: [79, "active", false],
};

Deno.test("a trial Stripe still lists trialing that ended by the as-of without a payment method is canceled, paused or invoiced as its trial settings say", async () => {
  // all read 79 USD, active
  assertEquals(await rowsAt(missingPaymentMethodAccount(T - HOUR), MISSING_PM_CUSTOMERS), [
    { source: "stripe", rows: AFTER_TRIAL_END },
  ]);
});

Deno.test("the cache read at a later as-of of its day: a trial that ended since without a payment method is canceled, paused or invoiced as its trial settings say", async () => {
  // fetched at 00:00, the trials ending at 06:00: all 0 USD, trialing; from the cache at 10:00,
  // as a fetch then would list them (all read 79 USD, active: the cache kept neither the
  // settings nor the payment methods)
  assertEquals(
    await rowsAt(missingPaymentMethodAccount(T + 6 * HOUR), MISSING_PM_CUSTOMERS, [0, 10]),
    [
      {
        source: "stripe",
        rows: Object.fromEntries(MISSING_PM_CUSTOMERS.map((c) => [c, [0, "trialing", null]])),
      },
      { source: "cache", rows: AFTER_TRIAL_END },
    ],
  );
});
