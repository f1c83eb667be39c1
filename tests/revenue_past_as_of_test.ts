/**
 * Revenue at an as-of in the past, through the real `stripe` SDK against tests/fake_stripe.ts:
 * subscriptions canceled since the as-of (Stripe's `ended_at` after it) were live then. Every
 * figure by hand from the subscriptions below (prices from tests/fixtures/stripe/scenarios.ts).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  DAY,
  discount,
  price,
  PRICES,
  products,
  subscription,
  T,
} from "./fixtures/stripe/scenarios.ts";

const started = { start_date: T - 100 * DAY };

const subs = [
  // canceled at once 5 days after the as-of: live then, $200
  {
    ...subscription("cus_ended_after", [[PRICES.teamBundle, 1]], {
      id: "sub_ended_after",
      status: "canceled",
      canceled_at: T + 5 * DAY,
      ended_at: T + 5 * DAY,
    }),
    ...started,
  },
  // set to cancel 3 days before the as-of, ended at its period's end 10 days after: $79, and
  // scheduled churn at the as-of
  {
    ...subscription("cus_scheduled", [[PRICES.pro2025, 1]], {
      id: "sub_scheduled",
      status: "canceled",
      cancel_at_period_end: true,
      canceled_at: T - 3 * DAY,
      ended_at: T + 10 * DAY,
    }),
    ...started,
  },
  // ended a day before the as-of: not counted
  {
    ...subscription("cus_ended_before", [[PRICES.teamBundle, 1]], {
      status: "canceled",
      canceled_at: T - DAY,
      ended_at: T - DAY,
    }),
    ...started,
  },
  // canceled in its trial, which ran past the as-of: trialing then, not counted
  {
    ...subscription("cus_ended_in_trial", [[PRICES.teamBundle, 1]], {
      status: "canceled",
      canceled_at: T + DAY,
      ended_at: T + DAY,
    }),
    start_date: T - 5 * DAY,
    trial_end: T + 2 * DAY,
  },
  // a $600 yearly plan at 50 % off forever, ended 30 days after the as-of: 600 / 12 × 0.5 = $25
  {
    ...subscription("cus_ended_yearly", [[
      price("prod_enterprise", 60000, { interval: "year" }),
      1,
    ]], {
      id: "sub_ended_yearly",
      status: "canceled",
      canceled_at: T + 30 * DAY,
      ended_at: T + 30 * DAY,
      discounts: [discount({ percent_off: 50, duration: "forever" })],
    }),
    ...started,
  },
  // started and ended after the as-of: it did not exist then
  {
    ...subscription("cus_started_after", [[PRICES.evals, 1]], {
      status: "canceled",
      canceled_at: T + 3 * DAY,
      ended_at: T + 3 * DAY,
    }),
    start_date: T + DAY,
  },
  // a plan switched 2 days after the as-of: the old $79 ended then (counted), the new $200
  // started then (not yet): $79
  {
    ...subscription("cus_switched", [[PRICES.pro2025, 1]], {
      id: "sub_switched_old",
      status: "canceled",
      canceled_at: T + 2 * DAY,
      ended_at: T + 2 * DAY,
    }),
    ...started,
  },
  { ...subscription("cus_switched", [[PRICES.teamBundle, 1]]), start_date: T + 2 * DAY },
  // canceled, with no ended_at to tell when: not counted, named in a warning
  {
    ...subscription("cus_end_unknown", [[PRICES.teamBundle, 1]], {
      id: "sub_end_unknown",
      status: "canceled",
      canceled_at: null,
      ended_at: null,
    }),
    ...started,
  },
];
const customers = [...new Set(subs.map((s) => s.customer))];
const mrrOf = (result: Awaited<ReturnType<typeof loadRevenue>>) =>
  customers.map((c) => result.byCustomer.get(c)!.mrr);

Deno.test("a subscription canceled after the as-of counts at it, at the price it ended with, from the one subscriptions listing", async () => {
  await withFakeStripe(async (fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(customers, options);
      assertEquals(result.source, source);
      assertEquals(mrrOf(result), [200, 79, 0, 0, 25, 0, 79, 0]);
      const row = (c: string) => result.byCustomer.get(c)!;
      // the status it is counted by at the as-of; Stripe's now when it ended before
      assertEquals(row("cus_ended_after").subscriptionStatus, "active");
      assertEquals(row("cus_ended_before").subscriptionStatus, "canceled");
      assertEquals(row("cus_switched").subscriptionStatus, "active");
      // in its trial at the as-of (canceled since); not yet started at it: no status then
      assertEquals(row("cus_ended_in_trial").subscriptionStatus, "trialing");
      assertEquals(row("cus_started_after").subscriptionStatus, null);
      // scheduled churn only where the cancellation was asked by the as-of
      assertEquals(row("cus_ended_after").cancelAtPeriodEnd, false);
      assertEquals(row("cus_scheduled").cancelAtPeriodEnd, true);
      assertEquals(
        result.warnings.filter((w) => w.includes("canceled after the as-of")),
        [
          "4 Stripe subscriptions canceled after the as-of counted in mrr as active at the as-of, at the items and prices they ended with (Stripe keeps neither their earlier status nor their earlier items: one unpaid or paused then reads high, one changed since at its last items): sub_ended_after, sub_ended_yearly, sub_scheduled, sub_switched_old",
        ],
      );
      assertEquals(result.warnings.filter((w) => w.includes("ended_at")), [
        "1 canceled Stripe subscription left out of mrr: Stripe gives no ended_at, so whether it was live at the as-of is not known: sub_end_unknown",
      ]);
    }
    // every subscription, canceled ones too, in the one listing (status=all): no call more
    const listings = fake.log.filter((r) => r.path === "/v1/subscriptions");
    assertEquals(listings.map((r) => r.params.get("status")), ["all"]);
  }, { data: { subscriptions: subs, products, invoices: [] }, asOf: AS_OF, mode: "auto" });
});

Deno.test("at an as-of after they ended, the canceled subscriptions count nothing and no warning names them", async () => {
  const later = new Date(AS_OF.getTime() + 40 * DAY * 1000);
  await withFakeStripe(async (_fake, options) => {
    const result = await loadRevenue(customers, options);
    // all ended by then; cus_switched's $200 runs: started 2 days after AS_OF
    assertEquals(mrrOf(result), [0, 0, 0, 0, 0, 0, 200, 0]);
    assertEquals(result.byCustomer.get("cus_ended_after")!.subscriptionStatus, "canceled");
    assertEquals(result.byCustomer.get("cus_switched")!.subscriptionStatus, "active,canceled");
    ok(
      !result.warnings.some((w) => w.includes("canceled after the as-of")),
      result.warnings.join("\n"),
    );
  }, { data: { subscriptions: subs, products, invoices: [] }, asOf: later, mode: "auto" });
});

Deno.test("cancel_at is scheduled churn only after the as-of: a running subscription whose cancel_at is at or before it was canceled then (Stripe cancels it at that time: revenue_cancel_at_passed_test.ts), set to cancel at its period's end or not; live and from the cache", async () => {
  const running = (customer: string, options: Record<string, unknown>) => ({
    ...subscription(customer, [[PRICES.teamBundle, 1]], options),
    ...started,
    // monthly periods from October 1: the one under way at the as-of (November 1) begins there
    billing_cycle_anchor: T - 31 * DAY,
  });
  const data = {
    subscriptions: [
      // still listed active, yet set to cancel 2 days before the as-of: canceled then
      running("cus_cancel_at_before", { cancel_at: T - 2 * DAY }),
      // at the as-of itself: ended then
      running("cus_cancel_at_as_of", { cancel_at: T }),
      // a second after it: scheduled churn
      running("cus_cancel_at_after", { cancel_at: T + 1 }),
      // set to cancel at its period's end, which was 2 days before the as-of (Stripe fills
      // cancel_at with it): as cancel_at alone, canceled then
      running("cus_cancel_at_before_period_end", {
        cancel_at: T - 2 * DAY,
        cancel_at_period_end: true,
      }),
      // its period (October) ends at the as-of itself: ended then, as cus_cancel_at_as_of
      running("cus_period_end_at_as_of", { cancel_at: T, cancel_at_period_end: true }),
      // its period under way at the as-of (November) ends after it: scheduled churn
      running("cus_period_end_after", { cancel_at: T + 30 * DAY, cancel_at_period_end: true }),
      // without cancel_at (a fixture's, not Stripe's): the period under way, after the as-of
      running("cus_period_end_no_cancel_at", { cancel_at_period_end: true }),
    ],
    products,
    invoices: [],
  };
  const ids = data.subscriptions.map((s) => String(s.customer));
  await withFakeStripe(async (_fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(ids, options);
      assertEquals(result.source, source);
      // those due by the as-of canceled, 0 USD (each read $200, active, unflagged); the others
      // counted at their $200, scheduled churn
      assertEquals(ids.map((c) => result.byCustomer.get(c)!.mrr), [0, 0, 200, 0, 0, 200, 200]);
      assertEquals(ids.map((c) => result.byCustomer.get(c)!.subscriptionStatus), [
        "canceled",
        "canceled",
        "active",
        "canceled",
        "canceled",
        "active",
        "active",
      ]);
      assertEquals(ids.map((c) => result.byCustomer.get(c)!.cancelAtPeriodEnd), [
        null,
        null,
        true,
        null,
        null,
        true,
        true,
      ]);
    }
  }, { data, asOf: AS_OF, mode: "auto" });
});

Deno.test("a canceled subscription without ended_at whose cancel_at was by the as-of is known over then: not counted, and not named as one whose end is not known", async () => {
  const data = {
    subscriptions: [
      // set to cancel 5 days before the as-of: Stripe canceled it then at the latest
      {
        ...subscription("cus_no_end_cancel_at_before", [[PRICES.teamBundle, 1]], {
          id: "sub_no_end_cancel_at_before",
          status: "canceled",
          cancel_at: T - 5 * DAY,
          canceled_at: T - 10 * DAY,
          ended_at: null,
        }),
        ...started,
      },
      // set to cancel 5 days after it: it may have run at the as-of, so it stays named
      {
        ...subscription("cus_no_end_cancel_at_after", [[PRICES.teamBundle, 1]], {
          id: "sub_no_end_cancel_at_after",
          status: "canceled",
          cancel_at: T + 5 * DAY,
          canceled_at: T - 10 * DAY,
          ended_at: null,
        }),
        ...started,
      },
    ],
    products,
    invoices: [],
  };
  const ids = ["cus_no_end_cancel_at_before", "cus_no_end_cancel_at_after"];
  await withFakeStripe(async (_fake, options) => {
    const result = await loadRevenue(ids, options);
    assertEquals(ids.map((c) => result.byCustomer.get(c)!.mrr), [0, 0]);
    // both were named
    assertEquals(result.warnings.filter((w) => w.includes("ended_at")), [
      "1 canceled Stripe subscription left out of mrr: Stripe gives no ended_at, so whether it was live at the as-of is not known: sub_no_end_cancel_at_after",
    ]);
  }, { data, asOf: AS_OF, mode: "auto" });
});
