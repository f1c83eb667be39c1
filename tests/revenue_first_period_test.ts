/**
 * status_at.ts firstPeriodOpenAt: whether a subscription has closed no billing period since it
 * began billing (its start, or its trial's end), at an as-of of 2026-11-01 00:00 UTC. Each answer
 * by hand from Stripe's rule: periods step from `billing_cycle_anchor` by the price's interval
 * (calendar months), the stretch before a later anchor first; usage is billed at a period's end.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { firstPeriodOpenAt } from "../lib/revenue/status_at.ts";
import type { SubscriptionLite } from "../lib/revenue/stripe_objects.ts";

const at = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000;
const AS_OF = at("2026-11-01");

type Interval = "day" | "week" | "month" | "year";

const item = (interval: Interval, usage: "licensed" | "metered") => ({
  id: `si_${interval}_${usage}`,
  quantity: usage === "metered" ? null : 1,
  discounts: [],
  trial_start: null,
  trial_end: null,
  price: {
    id: `price_${interval}_${usage}`,
    product: "prod_x",
    currency: "usd",
    unit_amount_decimal: usage === "metered" ? null : "7900",
    recurring: { interval, interval_count: 1, usage_type: usage },
  },
});

/** A subscription started `start`, anchored `anchor`, a licensed and a metered item of `interval`. */
function subscription(
  { start, anchor, interval = "month", metered = interval, trialStart, trialEnd }: {
    start: string;
    anchor: string | null;
    interval?: Interval;
    /** the metered item's interval (flexible billing mode: items on their own intervals) */
    metered?: Interval;
    trialStart?: string;
    trialEnd?: string;
  },
): SubscriptionLite {
  return {
    id: "sub_1",
    customer: "cus_1",
    status: "active",
    currency: "usd",
    cancel_at_period_end: false,
    cancel_at: null,
    start_date: at(start),
    created: at(start),
    trial_start: trialStart ? at(trialStart) : null,
    trial_end: trialEnd ? at(trialEnd) : null,
    billing_cycle_anchor: anchor === null ? null : at(anchor),
    canceled_at: null,
    ended_at: null,
    discounts: [],
    items: [item(interval, "licensed"), item(metered, "metered")],
  } as unknown as SubscriptionLite;
}

const open = (options: Parameters<typeof subscription>[0]) =>
  firstPeriodOpenAt(subscription(options), AS_OF);

Deno.test("firstPeriodOpenAt: monthly, the first period October 2 to November 2 under way; October 1's ends at the as-of itself, its invoice not read yet; September 30's closed October 30", () => {
  assertEquals(open({ start: "2026-10-02", anchor: "2026-10-02" }), true);
  // (usage_period.ts reads invoices created before the as-of: the one made at it bills nothing yet)
  assertEquals(open({ start: "2026-10-01", anchor: "2026-10-01" }), true);
  assertEquals(
    firstPeriodOpenAt(subscription({ start: "2026-10-01", anchor: "2026-10-01" }), AS_OF + 1),
    false,
  );
  assertEquals(open({ start: "2026-09-30", anchor: "2026-09-30" }), false);
  // started long ago: closed, without the period worked out
  assertEquals(open({ start: "2024-03-31", anchor: "2024-03-31" }), false);
});

Deno.test("firstPeriodOpenAt: yearly, January 15's first year runs to 2027; 2025-10-15's closed 2026-10-15", () => {
  assertEquals(open({ start: "2026-01-15", anchor: "2026-01-15", interval: "year" }), true);
  assertEquals(open({ start: "2025-10-15", anchor: "2025-10-15", interval: "year" }), false);
});

Deno.test("firstPeriodOpenAt: the stretch before an anchor ahead is a first period; one whose anchor has passed closed at it", () => {
  assertEquals(open({ start: "2026-10-20", anchor: "2026-11-05" }), true);
  assertEquals(open({ start: "2026-10-20", anchor: "2026-11-01" }), true); // (closes at the as-of)
  assertEquals(open({ start: "2026-09-20", anchor: "2026-10-05" }), false);
  // (its first period from the anchor, October 5 to November 5, is a later one: it billed the
  // stretch's usage at October 5)
  assertEquals(open({ start: "2026-10-20", anchor: "2026-10-25" }), false);
});

Deno.test("firstPeriodOpenAt: after a trial, the first paid period from its end; a trial begun only after the as-of counts for nothing", () => {
  // started September 25 on a 14-day trial to October 9, anchored there: paid to November 9
  assertEquals(
    open({
      start: "2026-09-25",
      trialStart: "2026-09-25",
      trialEnd: "2026-10-09",
      anchor: "2026-10-09",
    }),
    true,
  );
  // the trial ended September 1 (anchored there): its first paid period closed October 1
  assertEquals(
    open({
      start: "2026-08-18",
      trialStart: "2026-08-18",
      trialEnd: "2026-09-01",
      anchor: "2026-09-01",
    }),
    false,
  );
  // billing since June 1; a trial put on it November 10 to 24 had not begun at the as-of
  assertEquals(
    open({
      start: "2026-06-01",
      anchor: "2026-06-01",
      trialStart: "2026-11-10",
      trialEnd: "2026-11-24",
    }),
    false,
  );
});

Deno.test("firstPeriodOpenAt: by the metered price's interval; no anchor given, not known", () => {
  // weekly: October 27 to November 3 under way; October 20's first week closed October 27
  assertEquals(open({ start: "2026-10-27", anchor: "2026-10-27", interval: "week" }), true);
  assertEquals(open({ start: "2026-10-20", anchor: "2026-10-20", interval: "week" }), false);
  // a monthly plan with a weekly metered price, from October 20: its month is under way, but the
  // usage of its first week was billed October 27
  assertEquals(open({ start: "2026-10-20", anchor: "2026-10-20", metered: "week" }), false);
  assertEquals(open({ start: "2026-10-20", anchor: null }), null);
});
