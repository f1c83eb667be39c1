/**
 * A subscription Stripe still lists running (active, past_due) whose cancellation was due by the
 * as-of, through the real `stripe` SDK against tests/fake_stripe.ts. Stripe cancels it then
 * (Subscription object, `cancel_at`: "a date in the future at which the subscription will
 * automatically get canceled"; a cancellation at the period's end "will remain active until the
 * end of the period, at which point it will be canceled"); one still listed running after that
 * (Stripe not yet moved on, or a cache read later) is judged as Stripe moves it, as a trial ended
 * by the as-of is (revenue_trial_end_test.ts). Values by hand from tests/fixtures/stripe/
 * scenarios.ts (team-bundle at 200 USD a month) and tests/history_invoice_fixture.ts (plan100 at
 * 100 USD).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { reconcile } from "../lib/history/invoice_revenue.ts";
import { fetchInvoiceHistory } from "../lib/revenue/invoice_fetch.ts";
import { rowsAt } from "./revenue_fixture.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
import {
  AS_OF,
  DAY,
  HOUR,
  type Json,
  PRICES,
  products,
  subscription,
  T,
} from "./fixtures/stripe/scenarios.ts";
import {
  invoice,
  month,
  P,
  rules,
  withFakeStripe as withInvoiceStripe,
} from "./history_invoice_fixture.ts";

/** Started in the summer at 200 USD a month, its periods from October 1 (the one under way at the
 * as-of, November 1, begins there), listed as `status` with `extra`. */
function running(customer: string, extra: Json, status = "active"): Json {
  return {
    ...subscription(customer, [[PRICES.teamBundle, 1]], { status }),
    created: T - 120 * DAY,
    start_date: T - 120 * DAY,
    billing_cycle_anchor: T - 31 * DAY,
    ...extra,
  };
}

const CUSTOMERS = [
  "cus_cancel_at_before",
  "cus_cancel_at_as_of",
  "cus_cancel_at_after",
  "cus_past_due_cancel_at_before",
  "cus_period_end_passed",
  "cus_period_end_only_at_as_of",
  "cus_period_end_only_long_passed",
  "cus_period_end_only_ahead",
  "cus_period_end_only_not_asked",
];

/** The account as Stripe lists it at the as-of, the cancellations due by then not carried out. */
function account(): Json {
  return {
    subscriptions: [
      // set (three days before) to cancel two hours before the as-of
      running("cus_cancel_at_before", { cancel_at: T - 2 * HOUR, canceled_at: T - 3 * DAY }),
      // at the as-of itself: a subscription runs up to, not at, its cancel_at
      running("cus_cancel_at_as_of", { cancel_at: T, canceled_at: T - 3 * DAY }),
      // a second after it: scheduled churn, counted
      running("cus_cancel_at_after", { cancel_at: T + 1, canceled_at: T - 3 * DAY }),
      // past_due, its cancel_at passed: Stripe cancels it whatever its payments
      running(
        "cus_past_due_cancel_at_before",
        { cancel_at: T - 2 * HOUR, canceled_at: T - 3 * DAY },
        "past_due",
      ),
      // set to cancel at its period's end, which Stripe fills cancel_at with: two hours before
      running("cus_period_end_passed", {
        cancel_at_period_end: true,
        cancel_at: T - 2 * HOUR,
        canceled_at: T - 3 * DAY,
      }),
      // without cancel_at (an account whose subscriptions do not carry it), asked three days
      // before: the period under way then, October, ended at the as-of itself
      running("cus_period_end_only_at_as_of", {
        cancel_at_period_end: true,
        canceled_at: T - 3 * DAY,
      }),
      // asked 40 days before, in the first stretch from its start to the anchor (October 1)
      running("cus_period_end_only_long_passed", {
        cancel_at_period_end: true,
        canceled_at: T - 40 * DAY,
      }),
      // asked three days before, its period from October 1 06:00 running to November 1 06:00
      running("cus_period_end_only_ahead", {
        cancel_at_period_end: true,
        canceled_at: T - 3 * DAY,
        billing_cycle_anchor: T - 31 * DAY + 6 * HOUR,
      }),
      // not saying when it was asked: the end of the period under way at the as-of, after it
      running("cus_period_end_only_not_asked", { cancel_at_period_end: true, canceled_at: null }),
    ],
    products,
    invoices: [],
  };
}

/** Canceled when the cancellation was due by the as-of: 0 USD; else 200 USD, scheduled churn. */
const AT_AS_OF = {
  cus_cancel_at_before: [0, "canceled", null],
  cus_cancel_at_as_of: [0, "canceled", null],
  cus_cancel_at_after: [200, "active", true],
  cus_past_due_cancel_at_before: [0, "canceled", null],
  cus_period_end_passed: [0, "canceled", null],
  cus_period_end_only_at_as_of: [0, "canceled", null],
  cus_period_end_only_long_passed: [0, "canceled", null],
  cus_period_end_only_ahead: [200, "active", true],
  cus_period_end_only_not_asked: [200, "active", true],
};

Deno.test("a subscription Stripe still lists running whose cancel_at, or period end with cancel_at_period_end, was at or before the as-of is canceled then: 0 USD, not scheduled churn", async () => {
  // each due by the as-of read 200 USD, active (past_due), unflagged
  assertEquals(await rowsAt(account(), CUSTOMERS), [{ source: "stripe", rows: AT_AS_OF }]);
});

Deno.test("the cache read at a later as-of of its day: a cancellation due before the cache's own as-of reads canceled, as the fetch did; one due since too", async () => {
  // from the 00:00 cache at 10:00: as at 00:00 (cus_cancel_at_before read 200 USD, active: only a
  // cancellation due from the cache's as-of on was carried out), and the cancel_at a second after
  // 00:00 and the period ending at 06:00 have passed too; the one not saying when it was asked still ends after the as-of, as a fetch
  // at 10:00 listing it so would read it
  assertEquals(await rowsAt(account(), CUSTOMERS, [0, 10]), [
    { source: "stripe", rows: AT_AS_OF },
    {
      source: "cache",
      rows: {
        ...AT_AS_OF,
        cus_cancel_at_after: [0, "canceled", null],
        cus_period_end_only_ahead: [0, "canceled", null],
      },
    },
  ]);
});

Deno.test("the backfill's invoice MRR and live MRR agree on a subscription still listed running whose cancellation at its period's end was due by the as-of", async () => {
  // Both billed 100 USD for October. cus_ends was set to cancel at October's end (cancel_at
  // November 1 00:00) and Stripe still lists it active at 06:00, the as-of: no invoice covers it,
  // so the backfill reads 0 USD there (churn at the end of the last paid period), as live now
  // does (it read 100 USD: the reconciliation named it). cus_steady's November invoice: 100 USD
  // both. (At 00:00 itself the backfill reads the period covering the instant before, October's:
  // docs/history.md)
  const s = (date: string) => new Date(`${date}T00:00:00Z`).getTime() / 1000;
  const asOf = new Date(AS_OF.getTime() + 6 * HOUR * 1000);
  const data = {
    subscriptions: [
      subscription("cus_ends", [[P.plan100, 1]], {
        id: "sub_ends",
        cancel_at_period_end: true,
        cancel_at: T,
        canceled_at: s("2026-10-15"),
      }),
      subscription("cus_steady", [[P.plan100, 1]], { id: "sub_steady" }),
    ],
    products,
    invoices: [
      invoice("cus_ends", "2026-10-01", [
        month("sub_ends", "price_plan100", 10000, "2026-10-01", "2026-11-01"),
      ]),
      invoice("cus_steady", "2026-10-01", [
        month("sub_steady", "price_plan100", 10000, "2026-10-01", "2026-11-01"),
      ]),
      invoice("cus_steady", "2026-11-01", [
        month("sub_steady", "price_plan100", 10000, "2026-11-01", "2026-12-01"),
      ], "open"),
    ],
  };
  await withInvoiceStripe(data, async (connection) => {
    const customerIds = ["cus_ends", "cus_steady"];
    const live = await loadRevenue(customerIds, { ...connection, mode: "auto", asOf, rules });
    const { history } = await fetchInvoiceHistory({
      ...connection,
      from: new Date(AS_OF.getTime() - 60 * DAY * 1000),
      to: asOf,
      rules,
    });
    const checked = reconcile(live, { history, at: asOf, rules });
    assertEquals(
      [checked.liveCents, checked.invoiceCents, checked.differing],
      [10000, 10000, []],
    );
    assertEquals(live.byCustomer.get("cus_ends")?.subscriptionStatus, "canceled");
  });
});

/**
 * Canceled now, ended (`ended_at`) after the as-of, though its cancellation was due by it: Stripe
 * cancels a subscription at its `cancel_at` ("a date in the future at which the subscription will
 * automatically get canceled"), or at the end of the period with `cancel_at_period_end` ("will …
 * or did … cancel at the end of the current billing period"), so an `ended_at` after that is
 * Stripe carrying it out late (or a test clock): no invoice covers the stretch between, and at an
 * as-of there it was over, as a subscription still listed running is (above).
 */
const ENDED_LATE = [
  "cus_ended_late_cancel_at",
  "cus_ended_late_period_end",
  "cus_ended_late_period_end_only",
  "cus_ended_late_cancel_at_after",
];

function endedLateAccount(): Json {
  const canceled = (customer: string, extra: Json) => running(customer, extra, "canceled");
  return {
    subscriptions: [
      // set three days before to cancel two hours before the as-of; Stripe ended it an hour after
      canceled("cus_ended_late_cancel_at", {
        cancel_at: T - 2 * HOUR,
        canceled_at: T - 3 * DAY,
        ended_at: T + HOUR,
      }),
      // set to cancel at October's end (cancel_at filled with it: the as-of itself), ended an
      // hour after
      canceled("cus_ended_late_period_end", {
        cancel_at_period_end: true,
        cancel_at: T,
        canceled_at: T - 3 * DAY,
        ended_at: T + HOUR,
      }),
      // the same without cancel_at: the period under way when it was asked (October) ended at
      // the as-of
      canceled("cus_ended_late_period_end_only", {
        cancel_at_period_end: true,
        canceled_at: T - 3 * DAY,
        ended_at: T + HOUR,
      }),
      // its cancel_at an hour after the as-of, and ended then: live at the as-of, scheduled churn
      canceled("cus_ended_late_cancel_at_after", {
        cancel_at: T + HOUR,
        canceled_at: T - 3 * DAY,
        ended_at: T + HOUR,
      }),
    ],
    products,
    invoices: [],
  };
}

Deno.test("a subscription canceled since the as-of whose cancel_at, or period end with cancel_at_period_end, was at or before it was canceled then: 0 USD, not scheduled churn, from Stripe and from the cache", async () => {
  // the three due by the as-of each read 200 USD, active, scheduled churn (ended_at alone said
  // when it ended)
  const rows = {
    cus_ended_late_cancel_at: [0, "canceled", null],
    cus_ended_late_period_end: [0, "canceled", null],
    cus_ended_late_period_end_only: [0, "canceled", null],
    cus_ended_late_cancel_at_after: [200, "active", true],
  };
  assertEquals(await rowsAt(endedLateAccount(), ENDED_LATE, [0, 0]), [
    { source: "stripe", rows },
    { source: "cache", rows },
  ]);
});

Deno.test("the backfill's invoice MRR and live MRR agree on a subscription canceled since the as-of whose cancellation at its period's end was due by it", async () => {
  // Billed 100 USD for October, set to cancel at its end (cancel_at November 1 00:00); Stripe
  // ended it at 07:00, after the as-of (06:00). No invoice covers November: the backfill reads
  // 0 USD (churn at the end of the last paid period), and live must too (it read 100 USD).
  const s = (date: string) => new Date(`${date}T00:00:00Z`).getTime() / 1000;
  const asOf = new Date(AS_OF.getTime() + 6 * HOUR * 1000);
  const data = {
    subscriptions: [
      subscription("cus_ended_late", [[P.plan100, 1]], {
        id: "sub_ended_late",
        status: "canceled",
        cancel_at_period_end: true,
        cancel_at: T,
        canceled_at: s("2026-10-15"),
        ended_at: T + 7 * HOUR,
      }),
    ],
    products,
    invoices: [
      invoice("cus_ended_late", "2026-10-01", [
        month("sub_ended_late", "price_plan100", 10000, "2026-10-01", "2026-11-01"),
      ]),
    ],
  };
  await withInvoiceStripe(data, async (connection) => {
    const live = await loadRevenue(["cus_ended_late"], {
      ...connection,
      mode: "auto",
      asOf,
      rules,
    });
    const { history } = await fetchInvoiceHistory({
      ...connection,
      from: new Date(AS_OF.getTime() - 60 * DAY * 1000),
      to: asOf,
      rules,
    });
    const checked = reconcile(live, { history, at: asOf, rules });
    assertEquals([checked.liveCents, checked.invoiceCents, checked.differing], [0, 0, []]);
    assertEquals(live.byCustomer.get("cus_ended_late")?.subscriptionStatus, "canceled");
  });
});

Deno.test("counted where canceled is counted, a subscription canceled by the as-of is no scheduled churn: set to cancel is after the as-of only", async () => {
  // PRICING_STRIPE_STATUSES with canceled: the subscriptions whose cancellation was due by the
  // as-of (canceled then) count at their 200 USD, but they had churned by then, so none is set
  // to cancel (cancel_at_period_end false): those without cancel_at, their period's end read off
  // when it was asked (at the as-of, and long passed), and those Stripe ended late; the ones due
  // after the as-of still are (true)
  const customers = [
    "cus_period_end_only_at_as_of",
    "cus_period_end_only_long_passed",
    "cus_period_end_only_ahead",
    ...ENDED_LATE,
  ];
  const data = {
    ...account(),
    subscriptions: [...account().subscriptions, ...endedLateAccount().subscriptions],
  };
  const rows: Record<string, unknown[]> = {};
  await withFakeStripe(async (_fake, options) => {
    const result = await loadRevenue(customers, options);
    for (const c of customers) {
      const row = result.byCustomer.get(c)!;
      rows[c] = [row.mrr, row.subscriptionStatus, row.cancelAtPeriodEnd];
    }
  }, {
    data,
    asOf: AS_OF,
    mode: "auto",
    rules: resolveRules({ countedStatuses: ["active", "past_due", "canceled"] }),
  });
  assertEquals(rows, {
    cus_period_end_only_at_as_of: [200, "canceled", false],
    cus_period_end_only_long_passed: [200, "canceled", false],
    cus_period_end_only_ahead: [200, "active", true],
    cus_ended_late_cancel_at: [200, "canceled", false],
    cus_ended_late_period_end: [200, "canceled", false],
    cus_ended_late_period_end_only: [200, "canceled", false],
    cus_ended_late_cancel_at_after: [200, "active", true],
  });
});
