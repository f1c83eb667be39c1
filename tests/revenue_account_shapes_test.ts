/**
 * A gateway company's Stripe account, with the shapes a real one has: trials (under way, ended,
 * ending after the as-of), paused collection and Stripe's own `paused`, a subscription schedule,
 * several items with quantities, tiered and metered prices, a seat price at quantity 0, another
 * currency, tax rates, scheduled cancellation, past_due / unpaid / incomplete /
 * incomplete_expired, 100 % coupons, an amount off in another currency, item-level trials (under
 * way, put on after the as-of, ended), a customer with two
 * subscriptions, a customer no organization maps to. Read through the real `stripe` SDK from
 * tests/fake_stripe.ts; every figure worked out by hand from revenue-rules.md (in the comments).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { revenueRulesFromEnv } from "../lib/revenue/rules.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  coupons,
  DAY,
  discount,
  invoice,
  type Json,
  line,
  price,
  PRICES,
  products,
  subscription,
  T,
} from "./fixtures/stripe/scenarios.ts";

/** A subscription running since `startedDaysAgo`, its periods anchored then (Stripe's fields). */
function running(
  customer: string,
  items: [Json, number | null, Json?][],
  options: Json & { startedDaysAgo?: number } = {},
): Json {
  const start = T - (options.startedDaysAgo ?? 40) * DAY;
  return {
    ...subscription(customer, items, options),
    created: start,
    start_date: start,
    billing_cycle_anchor: options.billing_cycle_anchor ?? start,
    trial_start: options.trial_start ?? null,
    trial_end: options.trial_end ?? null,
    pause_collection: options.pause_collection ?? null,
    schedule: options.schedule ?? null,
    default_tax_rates: options.default_tax_rates ?? [],
    automatic_tax: { enabled: false },
  };
}

const meteredTiered = price("prod_request_volume", null, {
  id: "price_h_requests_tiered",
  metered: true,
  tiers_mode: "graduated",
  tiers: [
    { up_to: 100_000, unit_amount_decimal: "0", flat_amount_decimal: null },
    { up_to: null, unit_amount_decimal: "0.05", flat_amount_decimal: null },
  ],
});
const gradFlat = price("prod_seats_graduated", null, {
  id: "price_h_grad_flat",
  tiers_mode: "graduated",
  tiers: [
    { up_to: 3, unit_amount_decimal: "0", flat_amount_decimal: "3000" },
    { up_to: null, unit_amount_decimal: "800", flat_amount_decimal: null },
  ],
});
const gbp = (cents: number) =>
  price("prod_enterprise", cents, { id: `price_h_gbp_${cents}`, currency: "gbp" });
const yearly = price("prod_enterprise", 120000, { id: "price_h_yearly", interval: "year" });
const exclusive10 = {
  id: "txr_h_10_ex",
  object: "tax_rate",
  active: true,
  inclusive: false,
  percentage: 10,
};

const subs: Json[] = [
  // in its trial at the as-of: not counted
  running("cus_h_trialing", [[PRICES.pro2025, 1]], {
    status: "trialing",
    startedDaysAgo: 9,
    trial_start: T - 9 * DAY,
    trial_end: T + 5 * DAY,
    billing_cycle_anchor: T + 5 * DAY,
  }),
  // trial ended 5 days before the as-of, now billing: $79
  running("cus_h_trial_ended", [[PRICES.pro2025, 1]], {
    startedDaysAgo: 19,
    trial_start: T - 19 * DAY,
    trial_end: T - 5 * DAY,
    billing_cycle_anchor: T - 5 * DAY,
  }),
  // Stripe says active now, but its trial ended 4 days after the as-of: trialing then
  running("cus_h_trial_after", [[PRICES.pro2025, 1]], {
    startedDaysAgo: 10,
    trial_start: T - 10 * DAY,
    trial_end: T + 4 * DAY,
    billing_cycle_anchor: T + 4 * DAY,
  }),
  // paying since 60 days before the as-of; a 30-day free stretch (a trial) put on it 3 days
  // after the as-of, which moves the anchor to its end: billing at the as-of, $79
  running("cus_h_trial_granted", [[PRICES.pro2025, 1]], {
    status: "trialing",
    startedDaysAgo: 60,
    trial_start: T + 3 * DAY,
    trial_end: T + 33 * DAY,
    billing_cycle_anchor: T + 33 * DAY,
  }),
  // collection paused (invoices voided): paused, not counted
  running("cus_h_pause_void", [[PRICES.teamBundle, 1]], {
    pause_collection: { behavior: "void", resumes_at: T + 30 * DAY },
  }),
  // Stripe's own paused (a trial ended without a payment method): not counted
  running("cus_h_paused", [[PRICES.teamBundle, 1]], { status: "paused" }),
  // run by a schedule whose next phase (not started) moves to Team: today's $79
  running("cus_h_schedule", [[PRICES.pro2025, 1]], { schedule: "sub_sched_h" }),
  // 7 seats × $20 + prompts $50 + evals 2 × $100 = $390 (base 140, prompts 50, other 200)
  running("cus_h_multi", [[PRICES.proUsers, 7], [PRICES.prompts, 1], [PRICES.evals, 2]]),
  // graduated, a flat $30 for the first 3 seats, then $8 each: 5 seats = 30 + 2 × 8 = $46
  running("cus_h_grad_flat", [[gradFlat, 5]]),
  // a $20 seat and tiered metered requests; the last cycle invoice billed $123.45 of them
  running("cus_h_metered", [[PRICES.proUsers, 1], [meteredTiered, null]], {
    id: "sub_h_metered",
    startedDaysAgo: 35,
  }),
  // a seat price at quantity 0 beside Team $200: $200
  running("cus_h_seat_zero", [[PRICES.proUsers, 0], [PRICES.teamBundle, 1]]),
  // only a seat price, at quantity 0: $0, still an active subscription
  running("cus_h_zero_only", [[PRICES.proUsers, 0]]),
  // £50 a month at 1.27: $63.50
  running("cus_h_gbp", [[gbp(5000), 1]], { currency: "gbp" }),
  // 10 % tax added on top of the price: not revenue, $200
  running("cus_h_tax_excl", [[PRICES.teamBundle, 1]], { default_tax_rates: [exclusive10] }),
  // set to cancel at its period's end: counts until then, scheduled churn
  running("cus_h_cancel_pe", [[PRICES.pro2025, 1]], {
    cancel_at_period_end: true,
    canceled_at: T - 2 * DAY,
  }),
  running("cus_h_past_due", [[PRICES.pro2025, 1]], { status: "past_due" }),
  running("cus_h_unpaid", [[PRICES.pro2025, 1]], { status: "unpaid" }),
  running("cus_h_incomplete", [[PRICES.pro2025, 1]], { status: "incomplete", startedDaysAgo: 1 }),
  running("cus_h_incomplete_expired", [[PRICES.pro2025, 1]], {
    status: "incomplete_expired",
    startedDaysAgo: 5,
    ended_at: T - 4 * DAY,
  }),
  // 100 % off forever: active, pays nothing, $0
  running("cus_h_free100", [[PRICES.teamBundle, 1]], {
    discounts: [discount({ couponId: "co_h_free", percent_off: 100, duration: "forever" })],
  }),
  // 100 % off for 3 months, running: $0
  running("cus_h_free100_rep", [[PRICES.teamBundle, 1]], {
    startedDaysAgo: 20,
    discounts: [
      discount(
        { couponId: "co_h_free_rep", percent_off: 100, duration: "repeating" },
        T + 70 * DAY,
      ),
    ],
  }),
  // 100 % off once: a one-off, not recurring: $200
  running("cus_h_once100", [[PRICES.teamBundle, 1]], {
    discounts: [discount({ couponId: "co_h_free_once", percent_off: 100, duration: "once" })],
  }),
  // £100 less a USD coupon's £20 option, forever: £80 × 1.27 = $101.60
  running("cus_h_gbp_amount", [[gbp(10000), 1]], {
    currency: "gbp",
    discounts: [discount({
      couponId: "co_h_usd10_gbp20",
      amount_off: 1000,
      duration: "forever",
      currency_options: { gbp: { amount_off: 2000 } },
    })],
  }),
  // two subscriptions of one customer (one organization): $79 + $1,200 / 12 = $179
  running("cus_h_two", [[PRICES.pro2025, 1]]),
  running("cus_h_two", [[yearly, 1]]),
  // one trialing and one active: the active one's $79
  running("cus_h_trial_and_active", [[PRICES.pro2025, 1]]),
  running("cus_h_trial_and_active", [[PRICES.teamBundle, 1]], {
    status: "trialing",
    startedDaysAgo: 3,
    trial_start: T - 3 * DAY,
    trial_end: T + 11 * DAY,
    billing_cycle_anchor: T + 11 * DAY,
  }),
  // Stripe says active, but it started 2 days after the as-of: it did not exist then
  running("cus_h_started_after", [[PRICES.teamBundle, 1]], { startedDaysAgo: -2 }),
  // £50 and $79 on one customer: $63.50 + $79 = $142.50, never added as one currency
  running("cus_h_mixed", [[gbp(5000), 1]], { currency: "gbp" }),
  running("cus_h_mixed", [[PRICES.pro2025, 1]]),
  // past_due, its last cycle invoice still open: $20 seat + $40 usage billed = $60
  running("cus_h_past_due_usage", [[PRICES.proUsers, 1], [meteredTiered, null]], {
    id: "sub_h_past_due_usage",
    status: "past_due",
  }),
  // collection paused: its last cycle's usage does not count either
  running("cus_h_paused_usage", [[PRICES.proUsers, 1], [meteredTiered, null]], {
    id: "sub_h_paused_usage",
    pause_collection: { behavior: "keep_as_draft", resumes_at: null },
  }),
  // its last cycle invoice was voided: no usage; the $20 seat
  running("cus_h_void_usage", [[PRICES.proUsers, 1], [meteredTiered, null]], {
    id: "sub_h_void_usage",
  }),
  // paused and set to cancel: paused, not counted, so no scheduled-churn flag
  running("cus_h_paused_cancelling", [[PRICES.pro2025, 1]], {
    cancel_at_period_end: true,
    canceled_at: T - 2 * DAY,
    pause_collection: { behavior: "void", resumes_at: null },
  }),
  // Team $200 beside the prompts add-on ($50) on an item-level trial under way at the as-of
  // (begun 5 days before it, ending 9 days after): the add-on is not billed yet, $200
  running("cus_h_item_trial", [[PRICES.teamBundle, 1], [PRICES.prompts, 1, {
    current_trial: { start_date: T - 5 * DAY, end_date: T + 9 * DAY, trial_offer: null },
  }]]),
  // the add-on's trial was put on it 2 days after the as-of (a free month granted later): it was
  // billing then, $200 + $50 = $250
  running("cus_h_item_trial_granted", [[PRICES.teamBundle, 1], [PRICES.prompts, 1, {
    current_trial: { start_date: T + 2 * DAY, end_date: T + 32 * DAY, trial_offer: null },
  }]]),
  // the add-on's trial ended 6 days before the as-of: $250
  running("cus_h_item_trial_ended", [[PRICES.teamBundle, 1], [PRICES.prompts, 1, {
    current_trial: { start_date: T - 20 * DAY, end_date: T - 6 * DAY, trial_offer: null },
  }]]),
  // no organization maps to this customer: listed by Stripe, not exported
  running("cus_h_unmapped", [[PRICES.teamBundle, 1]]),
];

const invoices: Json[] = [
  invoice("in_h_metered", "cus_h_metered", "sub_h_metered", T - 5 * DAY, [
    line("il_h_seat", "price_pro_users", 2000, "sub_h_metered"),
    line("il_h_requests", "price_h_requests_tiered", 12345, "sub_h_metered"),
  ]),
  invoice("in_h_past_due", "cus_h_past_due_usage", "sub_h_past_due_usage", T - 9 * DAY, [
    line("il_h_pd_seat", "price_pro_users", 2000, "sub_h_past_due_usage"),
    line("il_h_pd_requests", "price_h_requests_tiered", 4000, "sub_h_past_due_usage"),
  ], { status: "open" }),
  invoice("in_h_paused", "cus_h_paused_usage", "sub_h_paused_usage", T - 9 * DAY, [
    line("il_h_pa_requests", "price_h_requests_tiered", 5000, "sub_h_paused_usage"),
  ], { status: "draft" }),
  invoice("in_h_void", "cus_h_void_usage", "sub_h_void_usage", T - 9 * DAY, [
    line("il_h_v_requests", "price_h_requests_tiered", 7000, "sub_h_void_usage"),
  ], { status: "void" }),
];

/** [mrr, base, usage, prompts, other, recurring, status, cancel_at_period_end] */
const EXPECTED: Record<string, Json[]> = {
  cus_h_trialing: [0, 0, 0, 0, 0, 0, "trialing", null],
  cus_h_trial_ended: [79, 79, 0, 0, 0, 79, "active", false],
  cus_h_trial_after: [0, 0, 0, 0, 0, 0, "trialing", null],
  cus_h_trial_granted: [79, 79, 0, 0, 0, 79, "active", false],
  cus_h_pause_void: [0, 0, 0, 0, 0, 0, "paused", null],
  cus_h_paused: [0, 0, 0, 0, 0, 0, "paused", null],
  cus_h_schedule: [79, 79, 0, 0, 0, 79, "active", false],
  cus_h_multi: [390, 140, 0, 50, 200, 390, "active", false],
  cus_h_grad_flat: [46, 46, 0, 0, 0, 46, "active", false],
  cus_h_metered: [143.45, 20, 123.45, 0, 0, 20, "active", false],
  cus_h_seat_zero: [200, 200, 0, 0, 0, 200, "active", false],
  cus_h_zero_only: [0, 0, 0, 0, 0, 0, "active", false],
  cus_h_gbp: [63.5, 63.5, 0, 0, 0, 63.5, "active", false],
  cus_h_tax_excl: [200, 200, 0, 0, 0, 200, "active", false],
  cus_h_cancel_pe: [79, 79, 0, 0, 0, 79, "active", true],
  cus_h_past_due: [79, 79, 0, 0, 0, 79, "past_due", false],
  cus_h_unpaid: [0, 0, 0, 0, 0, 0, "unpaid", null],
  cus_h_incomplete: [0, 0, 0, 0, 0, 0, "incomplete", null],
  cus_h_incomplete_expired: [0, 0, 0, 0, 0, 0, "incomplete_expired", null],
  cus_h_free100: [0, 0, 0, 0, 0, 0, "active", false],
  cus_h_free100_rep: [0, 0, 0, 0, 0, 0, "active", false],
  cus_h_once100: [200, 200, 0, 0, 0, 200, "active", false],
  cus_h_gbp_amount: [101.6, 101.6, 0, 0, 0, 101.6, "active", false],
  cus_h_two: [179, 179, 0, 0, 0, 179, "active", false],
  cus_h_trial_and_active: [79, 79, 0, 0, 0, 79, "active,trialing", false],
  cus_h_mixed: [142.5, 142.5, 0, 0, 0, 142.5, "active", false],
  cus_h_past_due_usage: [60, 20, 40, 0, 0, 20, "past_due", false],
  cus_h_paused_usage: [0, 0, 0, 0, 0, 0, "paused", null],
  cus_h_void_usage: [20, 20, 0, 0, 0, 20, "active", false],
  cus_h_paused_cancelling: [0, 0, 0, 0, 0, 0, "paused", null],
  // nothing of it existed at the as-of: no status then
  cus_h_started_after: [0, 0, 0, 0, 0, 0, null, null],
  cus_h_item_trial: [200, 200, 0, 0, 0, 200, "active", false],
  cus_h_item_trial_granted: [250, 200, 0, 50, 0, 250, "active", false],
  cus_h_item_trial_ended: [250, 200, 0, 50, 0, 250, "active", false],
};

Deno.test("a gateway company's account shapes, read through the Stripe SDK, match the rules worked by hand", async () => {
  const customers = Object.keys(EXPECTED);
  await withFakeStripe(async (_fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(customers, options);
      assertEquals(result.source, source);
      assertEquals(result.failed, false);
      // every customer's row, so one run names every disagreement
      const rows = Object.fromEntries(customers.map((customer) => {
        const r = result.byCustomer.get(customer)!;
        return [customer, [
          r.mrr,
          r.baseSubscription,
          r.usageCharges,
          r.addonPrompts,
          r.addonOther,
          r.mrrRecurring,
          r.subscriptionStatus,
          r.cancelAtPeriodEnd,
        ]];
      }));
      assertEquals(rows, EXPECTED, source);
      assertEquals(result.byCustomer.get("cus_h_two")!.billingInterval, "month,year");
      assertEquals(result.byCustomer.get("cus_h_gbp")!.currency, "GBP");
      assertEquals(result.byCustomer.get("cus_h_mixed")!.currency, "GBP,USD");
      assertEquals(result.byCustomer.get("cus_h_seat_zero")!.stripePlanNames, "team_bundle");
      ok(!result.byCustomer.has("cus_h_unmapped"));
      // its Team $200 is counted apart: in Stripe's MRR, not in the export's
      assertEquals(result.unmappedCustomers, {
        customers: 1,
        mrrUsd: 200,
        mrrRecurringUsd: 200,
        unknownMrrCustomers: 0,
        unknownMrrReasons: { noFxRate: 0, noCurrencyOption: 0 },
      });
      assertEquals(result.unknownCustomerIds ?? [], []);
    }
  }, {
    data: { subscriptions: subs, products, invoices, coupons },
    asOf: AS_OF,
    mode: "auto",
    rules: revenueRulesFromEnv({ PRICING_FX_RATES: "GBP:1.27" }),
  });
});
