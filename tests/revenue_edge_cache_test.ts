/**
 * The daily Stripe cache reused at a later as-of of its day, through the real `stripe` SDK
 * against tests/fake_stripe.ts: subscriptions fetched for 00:00, read again for 10:00, when
 * dates Stripe held at 00:00 have passed. Values worked out by hand from docs/revenue.md's rules.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { loadRevenue, readCacheComputeAhead } from "../lib/revenue/mod.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  DAY,
  discount,
  HOUR,
  type Json,
  PRICES,
  products,
  subscription,
  T,
} from "./fixtures/stripe/scenarios.ts";

/** Started in the summer, billing monthly from the 1st at 06:00 (periods end 06:00 on the 1st). */
function dated(sub: Json, extra: Json = {}): Json {
  return {
    ...sub,
    created: T - 120 * DAY,
    start_date: T - 120 * DAY,
    billing_cycle_anchor: T - 31 * DAY + 6 * HOUR, // 2026-10-01T06:00Z
    ...extra,
  };
}

/** The account as Stripe held it at 00:00 on November 1. */
function accountAtMidnight(): Json {
  return {
    subscriptions: [
      dated(subscription("cus_c_steady", [[PRICES.teamBundle, 1]])),
      // set (two days before) to cancel at 06:00
      dated(subscription("cus_c_cancel_at", [[PRICES.teamBundle, 1]]), {
        cancel_at: T + 6 * HOUR,
        canceled_at: T - 2 * DAY,
      }),
      // set to cancel at its period's end, 06:00 (Stripe sets cancel_at to it)
      dated(
        subscription("cus_c_period_end", [[PRICES.pro2025, 1]], {
          cancel_at_period_end: true,
        }),
        { cancel_at: T + 6 * HOUR, canceled_at: T - 3 * DAY },
      ),
      // a 50 % repeating coupon that ended October 20: it covered the October 1 invoice only
      dated(subscription("cus_c_repeat", [[PRICES.teamBundle, 1]], {
        discounts: [
          discount(
            { couponId: "co_cache_rep50", percent_off: 50, duration: "repeating" },
            T - 12 * DAY,
          ),
        ],
      })),
      // in its trial until 06:00, its first period from then (Stripe anchors it at the trial's end)
      dated(subscription("cus_c_trial", [[PRICES.pro2025, 1]], { status: "trialing" }), {
        trial_start: T - 14 * DAY,
        trial_end: T + 6 * HOUR,
        billing_cycle_anchor: T + 6 * HOUR,
      }),
      // set (three days before) to cancel at its period's end, 06:00, without cancel_at (an
      // account whose subscriptions do not carry it)
      dated(
        subscription("cus_c_period_end_only", [[PRICES.pro2025, 1]], {
          cancel_at_period_end: true,
        }),
        { canceled_at: T - 3 * DAY },
      ),
    ],
    products,
    invoices: [],
  };
}

const CUSTOMERS = [
  "cus_c_steady",
  "cus_c_cancel_at",
  "cus_c_period_end",
  "cus_c_repeat",
  "cus_c_trial",
  "cus_c_period_end_only",
];

Deno.test("the cache read at a later as-of of its day: a subscription whose cancel_at or period end with cancel_at_period_end passed since the fetch has ended; a trial ended since pays; a repeating coupon's next period starts undiscounted", async () => {
  await withFakeStripe(async (_fake, options) => {
    const at = async (hours: number, { ahead = false } = {}) => {
      const asOf = new Date((T + hours * HOUR) * 1000);
      // the revenue worker's way: the cache read, and its revenue computed, ahead
      const cacheAhead = ahead ? readCacheComputeAhead({ ...options, asOf }) : undefined;
      const result = await loadRevenue(CUSTOMERS, { ...options, asOf, cacheAhead });
      return {
        source: result.source,
        rows: Object.fromEntries(CUSTOMERS.map((c) => {
          const r = result.byCustomer.get(c)!;
          return [c, [r.mrr, r.subscriptionStatus, r.cancelAtPeriodEnd]];
        })),
      };
    };
    // 00:00, fetched: both cancellations still ahead (scheduled churn); the coupon covered the
    // period from October 1 ($200 × 50 %); the trial not counted
    assertEquals(await at(0), {
      source: "stripe",
      rows: {
        cus_c_steady: [200, "active", false],
        cus_c_cancel_at: [200, "active", true],
        cus_c_period_end: [79, "active", true],
        cus_c_repeat: [100, "active", false],
        cus_c_trial: [0, "trialing", null],
        cus_c_period_end_only: [79, "active", true],
      },
    });
    // 10:00, from the 00:00 cache: Stripe ended the three cancellations at 06:00 (as a fetch at
    // 10:00 would list them: canceled, $0; the one without cancel_at at the end of its period, from
    // October 1 06:00 a month on); the period from November 1 06:00 was billed without the coupon
    // ($200); the trial ended at 06:00 and the subscription bills its price, $79, as active
    // (revenue-rules.md: trial → active counts even if the first invoice is unpaid)
    const atTen = {
      source: "cache",
      rows: {
        cus_c_steady: [200, "active", false],
        cus_c_cancel_at: [0, "canceled", null],
        cus_c_period_end: [0, "canceled", null],
        cus_c_repeat: [200, "active", false],
        cus_c_trial: [79, "active", false],
        cus_c_period_end_only: [0, "canceled", null],
      },
    };
    assertEquals(await at(10), atTen);
    assertEquals(await at(10, { ahead: true }), atTen);
  }, { data: accountAtMidnight(), asOf: AS_OF, mode: "auto" });
});

Deno.test("the cache written back after a new customer id is checked answers an earlier as-of of its day as fetched: a cancellation still ahead is scheduled churn, a trial under way not counted, not a guess", async () => {
  const WATCHED = ["cus_c_cancel_at", "cus_c_period_end_only", "cus_c_trial"];
  await withFakeStripe(async (_fake, options) => {
    const at = async (hours: number, ids = CUSTOMERS) => {
      const asOf = new Date((T + hours * HOUR) * 1000);
      const result = await loadRevenue(ids, { ...options, asOf });
      return {
        source: result.source,
        rows: WATCHED.map((c) => {
          const r = result.byCustomer.get(c)!;
          return [r.mrr, r.subscriptionStatus, r.cancelAtPeriodEnd];
        }),
        guessed: result.warnings.filter((w) => w.includes("canceled after the as-of")),
      };
    };
    const changedAtSix = [[0, "canceled", null], [0, "canceled", null], [79, "active", false]];
    await at(0); // fetched for 00:00 and cached
    // 10:00, a new customer id checked: the cache written back with the checked ids
    const atTen = await at(10, [...CUSTOMERS, "cus_c_new"]);
    assertEquals(atTen.rows, changedAtSix);
    // 05:00, the same day's cache: the subscriptions were running then, set to cancel at 06:00, as
    // fetched (200 and 79 USD, scheduled churn), and the trial under way (0 USD); nothing about
    // them is assumed
    assertEquals(await at(5), {
      source: "cache",
      rows: [[200, "active", true], [79, "active", true], [0, "trialing", null]],
      guessed: [],
    });
    // and 10:00 again from the file written back: ended, and out of its trial, at 06:00
    assertEquals((await at(10)).rows, changedAtSix);
  }, { data: accountAtMidnight(), asOf: AS_OF, mode: "auto" });
});

Deno.test("the cache read at a later as-of of its day: a subscription set to cancel, or a trial ending, at the very second of the cache's as-of, listed as before then, has been carried out too", async () => {
  // Set (two days before) to cancel at 00:00, the cache's as-of: a month-end run at 00:00 finds
  // it still listed running (Stripe ends it moments after) and reads it as Stripe moves it, ended
  // at 00:00: 0 USD, canceled (docs/revenue.md: a cancel_at at the as-of on a running
  // subscription; it read 200 USD, active, unflagged, where the cache read a second later read 0).
  // By 10:00 it has ended, at 00:00, as the one set to cancel at 06:00 has: 0 USD. A trial ending
  // at 00:00, listed trialing then, is over at 00:00 (a trial runs up to, not at, its end's
  // second: status_at.ts), its first period invoiced then: 79 USD, active, at 00:00 (it read
  // trialing, 0 USD, where the cache read a second later counted 79) and at 10:00
  const data = {
    subscriptions: [
      dated(subscription("cus_c_at_fetch", [[PRICES.teamBundle, 1]]), {
        cancel_at: T,
        canceled_at: T - 2 * DAY,
      }),
      dated(subscription("cus_c_cancel_at", [[PRICES.teamBundle, 1]]), {
        cancel_at: T + 6 * HOUR,
        canceled_at: T - 2 * DAY,
      }),
      dated(subscription("cus_c_trial_at_fetch", [[PRICES.pro2025, 1]], { status: "trialing" }), {
        trial_start: T - 14 * DAY,
        trial_end: T,
      }),
    ],
    products,
    invoices: [],
  };
  const ids = ["cus_c_at_fetch", "cus_c_cancel_at", "cus_c_trial_at_fetch"];
  await withFakeStripe(async (_fake, options) => {
    const at = async (hours: number) => {
      const result = await loadRevenue(ids, {
        ...options,
        asOf: new Date((T + hours * HOUR) * 1000),
      });
      return [
        result.source,
        ...ids.map((c) => {
          const r = result.byCustomer.get(c)!;
          return [r.mrr, r.subscriptionStatus, r.cancelAtPeriodEnd];
        }),
      ];
    };
    assertEquals(await at(0), [
      "stripe",
      [0, "canceled", null],
      [200, "active", true],
      [79, "active", false],
    ]);
    assertEquals(await at(10), [
      "cache",
      [0, "canceled", null],
      [0, "canceled", null],
      [79, "active", false],
    ]);
  }, { data, asOf: AS_OF, mode: "auto" });
});

Deno.test("the cache read at a later as-of of its day: a cancellation at a period's end without cancel_at, the period (or a trial) ending at the very second of the cache's as-of, has been carried out", async () => {
  // Both set to cancel at their period's end, without cancel_at. One billing monthly from October 1
  // 00:00: its period ends November 1 00:00, the cache's as-of, and Stripe ends it then (the fetch
  // at 00:00 still lists it running). The other in its trial until 00:00, anchored there: Stripe
  // cancels it at its trial's end, not a month on. By 10:00 both are canceled, 0 USD
  const data = {
    subscriptions: [
      dated(
        subscription("cus_c_period_end_at_fetch", [[PRICES.teamBundle, 1]], {
          cancel_at_period_end: true,
        }),
        { billing_cycle_anchor: T - 31 * DAY, canceled_at: T - 3 * DAY },
      ),
      dated(
        subscription("cus_c_trial_cancel_at_fetch", [[PRICES.pro2025, 1]], {
          status: "trialing",
          cancel_at_period_end: true,
        }),
        {
          trial_start: T - 14 * DAY,
          trial_end: T,
          billing_cycle_anchor: T,
          canceled_at: T - 3 * DAY,
        },
      ),
      // started at 00:00 itself, in a trial until 06:00: no period before the cache's as-of, so
      // its first one, cancelled at 06:00 (as before this case's fix)
      dated(
        subscription("cus_c_started_at_fetch", [[PRICES.pro2025, 1]], {
          status: "trialing",
          cancel_at_period_end: true,
        }),
        {
          created: T,
          start_date: T,
          trial_start: T,
          trial_end: T + 6 * HOUR,
          billing_cycle_anchor: T + 6 * HOUR,
          canceled_at: T,
        },
      ),
    ],
    products,
    invoices: [],
  };
  const ids = [
    "cus_c_period_end_at_fetch",
    "cus_c_trial_cancel_at_fetch",
    "cus_c_started_at_fetch",
  ];
  await withFakeStripe(async (_fake, options) => {
    await loadRevenue(ids, options); // fetched for 00:00 and cached
    const result = await loadRevenue(ids, { ...options, asOf: new Date((T + 10 * HOUR) * 1000) });
    assertEquals([
      result.source,
      ...ids.map((c) => {
        const r = result.byCustomer.get(c)!;
        return [r.mrr, r.subscriptionStatus];
      }),
    ], ["cache", [0, "canceled"], [0, "canceled"], [0, "canceled"]]);
  }, { data, asOf: AS_OF, mode: "auto" });
});
