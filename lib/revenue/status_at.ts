/**
 * A subscription at the as-of, from what Stripe holds now: its status then, whether it was billing
 * then, and whether its cancellation was scheduled then. With the as-of now, Stripe's own.
 */
import type { RevenueRules } from "./rules.ts";
import type { SubscriptionLite } from "./stripe_objects.ts";
import { ENDED_STATUSES } from "./subscription_fields.ts";

/**
 * Whether a subscription canceled now had not ended yet at the as-of (`ended_at` after it): it was
 * live then, unless its cancellation was due by then (canceledBy). Stripe keeps no earlier status,
 * so what it was then is assumed (statusAt).
 */
export function endedSince(subscription: SubscriptionLite, asOfSeconds: number): boolean {
  return subscription.status === "canceled" && subscription.ended_at !== null &&
    subscription.ended_at > asOfSeconds;
}

/**
 * Whether a canceled subscription does not say when it ended (no `ended_at`, which Stripe sets
 * when it cancels one) though it may have run at the as-of (it had started, and no cancellation
 * was due by then: cancellationDue): not counted, since nothing says it was live then, and named
 * in a warning.
 */
export function endUnknown(subscription: SubscriptionLite, asOfSeconds: number): boolean {
  return subscription.status === "canceled" && subscription.ended_at === null &&
    (subscription.start_date === null || subscription.start_date <= asOfSeconds) &&
    cancellationDue(subscription, asOfSeconds) === null;
}

/**
 * Whether a subscription, or an item on its own (item-level) trial, was in its trial at the
 * as-of: the trial ended after it, and began by it (a trial put on a running subscription or item
 * since, a free stretch granted later, had not begun: it was billing then). A trial without a
 * start given began with the subscription or item.
 */
export function inTrialAt(
  trial: Pick<SubscriptionLite, "trial_start" | "trial_end">,
  asOfSeconds: number,
): boolean {
  return trial.trial_end !== null && trial.trial_end > asOfSeconds &&
    (trial.trial_start === null || trial.trial_start <= asOfSeconds);
}

/** Statuses a subscription can have once its trial is over (its trial ran before them). */
const AFTER_TRIAL = new Set(["trialing", "active", "past_due", "unpaid", "paused"]);

/**
 * When a subscription Stripe lists as not ended, or as ended after the as-of (endedSince), was
 * canceled, its cancellation being due at or before the as-of; null when none was. Stripe cancels
 * it then, whatever its status (Subscription object: `cancel_at`, "a date in the future at which
 * the subscription will automatically get canceled"; at the period's end, it "will remain active
 * until the end of the period, at which point it will be canceled": API reference,
 * `at_period_end`), so one still listed running after that is Stripe not yet moved on, or a cache
 * read later, as a trial ended by the as-of is (statusAt); and one whose `ended_at` is later is
 * Stripe carrying it out late: no invoice covers the stretch between (the backfill's churn falls
 * at the last paid period's end). The time is `cancel_at` (Stripe fills it for a cancellation at
 * the period's end too), else, with `cancel_at_period_end`, the end of the billing period under
 * way when it was asked (`canceled_at`; from the anchor by the first item's interval: periodAt):
 * without either, none.
 */
export function canceledBy(subscription: SubscriptionLite, asOfSeconds: number): number | null {
  if (ENDED_STATUSES.has(subscription.status) && !endedSince(subscription, asOfSeconds)) {
    return null;
  }
  return cancellationDue(subscription, asOfSeconds);
}

/** When a subscription's cancellation was due at or before the as-of, whatever its status now
 * (canceledBy says how it is read); null when none was. */
function cancellationDue(subscription: SubscriptionLite, asOfSeconds: number): number | null {
  const asked = subscription.canceled_at;
  const at = subscription.cancel_at ??
    (subscription.cancel_at_period_end && asked !== null
      ? billingPeriodAt(subscription, asked)?.end ?? null
      : null);
  return at !== null && at <= asOfSeconds ? at : null;
}

/**
 * The status a subscription is counted by, and shown by, at the as-of: Stripe's now, but `canceled`
 * for one whose cancellation was due by the as-of (canceledBy: a subscription runs up to, not at,
 * its end), `active` for one canceled since (endedSince), `trialing` for one whose trial ended
 * after the as-of (it was in its trial then, whatever it became since), `active` for one in a trial
 * that began after the as-of (it was billing then), what Stripe moves one listed `trialing` to at
 * its trial's end when that was by the as-of (Stripe not yet moved on, or a cache read later: its
 * first period began, invoiced), and none for one that started after the as-of (it did not exist
 * then). Its status then is not kept otherwise: `past_due`, counted too, reads alike; `unpaid` or
 * `paused` then reads high (the warning naming such subscriptions says so).
 */
export function statusAt(subscription: SubscriptionLite, asOfSeconds: number): string | null {
  if (subscription.start_date !== null && subscription.start_date > asOfSeconds) return null;
  if (canceledBy(subscription, asOfSeconds) !== null) return "canceled";
  const status = endedSince(subscription, asOfSeconds) ? "active" : subscription.status;
  if (inTrialAt(subscription, asOfSeconds)) return AFTER_TRIAL.has(status) ? "trialing" : status;
  if (status !== "trialing") return status;
  // in a trial begun since: billing then
  if (subscription.trial_start !== null && subscription.trial_start > asOfSeconds) return "active";
  const trialEnd = subscription.trial_end;
  return trialEnd !== null && trialEnd <= asOfSeconds ? statusAfterTrial(subscription) : status;
}

/**
 * What Stripe moves a subscription in its trial to at the trial's end: `canceled` when it was set
 * to cancel at its period's end, the trial's (a `cancel_at` by then, or that end read off when it
 * was asked, is canceledBy's), or when it has no payment method and its trial settings cancel it;
 * `paused` when they pause it (no invoice until a payment method is added); else `active`, its
 * first period invoiced then (revenue-rules.md counts trial → active even if that invoice is
 * unpaid: Stripe lists it `past_due`, counted alike by default; so does a trial without a payment
 * method whose settings create the invoice).
 */
function statusAfterTrial(subscription: SubscriptionLite): string {
  const cancels = subscription.cancel_at === null && subscription.cancel_at_period_end;
  const withoutPaymentMethod = subscription.trial_end_without_payment_method;
  if (cancels || withoutPaymentMethod === "cancel") return "canceled";
  return withoutPaymentMethod === "pause" ? "paused" : "active";
}

/**
 * Whether a subscription Stripe counts now was billing at the as-of: it had started (a
 * subscription started since did not exist then) and was past its trial (one whose trial ended
 * since was trialing then: counted only when trialing is; one whose trial began since was not in
 * it). With the as-of now, always.
 */
export function runningAt(
  subscription: SubscriptionLite,
  { asOfSeconds, rules }: { asOfSeconds: number; rules: RevenueRules },
): boolean {
  if (subscription.start_date !== null && subscription.start_date > asOfSeconds) return false;
  return !inTrialAt(subscription, asOfSeconds) || rules.countedStatuses.includes("trialing");
}

/**
 * Whether a counted subscription was set to cancel at the as-of (scheduled churn): one that ended
 * since was, if its cancellation was asked by then (`canceled_at`: at the period's end, or at a
 * later date); one still running is set to cancel after the as-of, at its `cancel_at` (Stripe
 * fills it for a cancellation at the period's end too: that period's end), or without one at the
 * end of the period under way when it was asked (`cancel_at_period_end`), unless that was asked
 * only after the as-of. One whose cancellation was due by the as-of is none: it was canceled then
 * (canceledBy), counted only where `canceled` is.
 */
export function cancellingAt(subscription: SubscriptionLite, asOfSeconds: number): boolean {
  const askedBy = subscription.canceled_at === null || subscription.canceled_at <= asOfSeconds;
  if (endedSince(subscription, asOfSeconds)) {
    return subscription.canceled_at !== null && askedBy &&
      canceledBy(subscription, asOfSeconds) === null;
  }
  const cancelsAfter = subscription.cancel_at !== null
    ? subscription.cancel_at > asOfSeconds
    : subscription.cancel_at_period_end && canceledBy(subscription, asOfSeconds) === null;
  return askedBy && cancelsAfter;
}

/** Seconds of `anchor` (UTC) moved `months` calendar months on, on `day` or the month's last when
 * shorter (Stripe's billing periods from an anchor on the 31st end on the 30th, 28th …). */
function monthsLater(anchor: Date, { months, day }: { months: number; day: number }): number {
  const year = anchor.getUTCFullYear();
  const month = anchor.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(
    year,
    month,
    Math.min(day, lastDay),
    anchor.getUTCHours(),
    anchor.getUTCMinutes(),
    anchor.getUTCSeconds(),
  ) / 1000;
}

type Recurrence = { interval: "day" | "week" | "month" | "year"; interval_count: number };

/** Where a subscription's billing periods fall: from its anchor, on the day of the month they
 * keep (billing_cycle_anchor_day, else the anchor's), its first stretch from its start. */
type Cycle = Pick<
  SubscriptionLite,
  "billing_cycle_anchor" | "billing_cycle_anchor_day" | "start_date"
>;

/**
 * The start of the billing period under way at the as-of (unix seconds), when which invoice it
 * was billed by can be told: periods follow each other from `billing_cycle_anchor` by the
 * price's interval (calendar months for month and year); before the anchor, the first stretch,
 * billed at the start. Null when the subscription has no anchor (or no start before it).
 */
export function periodStartAt(
  subscription: Cycle,
  { recurring, asOfSeconds }: { recurring: Recurrence; asOfSeconds: number },
): number | null {
  return periodAt(subscription, { recurring, asOfSeconds })?.start ?? null;
}

/**
 * When the invoice billing a metered price's usage of the period under way at the as-of is
 * created: usage is billed in arrears, at its period's end, so the first of the price's period
 * ends at or after the as-of (an invoice created at the as-of itself is not yet read:
 * usage_period.ts); the anchor itself while it is ahead. Null when the subscription has no anchor.
 */
export function usageInvoicedAt(
  subscription: Cycle,
  { recurring, asOfSeconds }: { recurring: Recurrence; asOfSeconds: number },
): number | null {
  const anchor = subscription.billing_cycle_anchor;
  if (anchor === null) return null;
  if (anchor >= asOfSeconds) return anchor;
  return periodAt(subscription, { recurring, asOfSeconds: asOfSeconds - 1 })?.end ?? null;
}

/**
 * The anchor a billing period [start, end) runs on from, read off its own dates (where no
 * subscription's anchor tells it): its end, unless that was cut to a month's last day from a later
 * day its start shows (from an anchor on the 31st, January 31 – February 28: the next ends March
 * 31, not 28), then its start. Day and week periods step alike from either.
 */
export function anchorOfPeriod({ start, end }: { start: number | null; end: number }): number {
  if (!start) return end;
  const endDay = new Date(end * 1000).getUTCDate();
  const endsMonth = new Date((end + 86_400) * 1000).getUTCDate() === 1;
  return endsMonth && new Date(start * 1000).getUTCDate() > endDay ? start : end;
}

/**
 * Where a metered price's periods fall, from its billing period [start, end): on the subscription's
 * cycle (`billing_cycle_anchor`, and the day of the month its configuration keeps) when the period
 * falls on it by the price's interval (its end a period end from the anchor, its start, when given,
 * the one before; or it is the first stretch, ending at the anchor; or it starts on a period's
 * start and ends within it: a threshold invoice's line, which ends at its threshold, where no
 * cycle line on the price closed the period), else from an anchor read off
 * the period's own dates (anchorOfPeriod). Only the anchor tells a quarter anchored on the 31st
 * whose dates were both cut (November 30 – February 28) from one anchored on the 30th: May 31, not
 * May 30; and a first stretch March 31 – April 30 anchored on the 30th from one cut from the 31st
 * its start shows: May 30, not May 31.
 */
export function cycleOfPricePeriod(
  { subscription, period, recurring }: {
    subscription: Pick<SubscriptionLite, "billing_cycle_anchor" | "billing_cycle_anchor_day">;
    period: { start: number | null; end: number };
    recurring: Recurrence;
  },
): Cycle {
  const anchor = subscription.billing_cycle_anchor;
  if (anchor !== null && period.end >= anchor) {
    const cycle: Cycle = {
      billing_cycle_anchor: anchor,
      ...(subscription.billing_cycle_anchor_day === undefined
        ? {}
        : { billing_cycle_anchor_day: subscription.billing_cycle_anchor_day }),
      start_date: null,
    };
    const endsOnCycle =
      periodAt(cycle, { recurring, asOfSeconds: period.end })?.start === period.end;
    const within = periodAt(cycle, { recurring, asOfSeconds: period.end - 1 });
    // the first stretch, from the subscription's start to the anchor, starts on no cycle
    const startsOnCycle = !period.start || period.end === anchor || within?.start === period.start;
    // a threshold invoice's line with no cycle line after it: from a period's start on the cycle
    // to its threshold, within that period
    const partOfCycle = Boolean(period.start) && within !== null && period.end < within.end;
    if (startsOnCycle && (endsOnCycle || partOfCycle)) return cycle;
  }
  return { billing_cycle_anchor: anchorOfPeriod(period), start_date: null };
}

/**
 * The billing period under way at the as-of, [start, end) in unix seconds (periodStartAt): the
 * first stretch before the anchor ends at it. Null when the subscription has no anchor (or, before
 * it, no start).
 */
function periodAt(
  subscription: Cycle,
  { recurring, asOfSeconds }: { recurring: Recurrence; asOfSeconds: number },
): { start: number; end: number } | null {
  const anchor = subscription.billing_cycle_anchor;
  if (anchor === null) return null;
  if (anchor > asOfSeconds) {
    const start = subscription.start_date;
    return start !== null && start <= asOfSeconds ? { start, end: anchor } : null;
  }
  const count = Math.max(1, recurring.interval_count || 1);
  if (recurring.interval === "day" || recurring.interval === "week") {
    const step = (recurring.interval === "week" ? 7 : 1) * count * 86_400;
    const start = anchor + Math.floor((asOfSeconds - anchor) / step) * step;
    return { start, end: start + step };
  }
  const months = recurring.interval === "year" ? 12 * count : count;
  const from = new Date(anchor * 1000);
  const day = cycleDay(subscription, from);
  const asOf = new Date(asOfSeconds * 1000);
  const apart = (asOf.getUTCFullYear() - from.getUTCFullYear()) * 12 + asOf.getUTCMonth() -
    from.getUTCMonth();
  let periods = Math.max(0, Math.floor(apart / months));
  // the end of the n-th period from the anchor (the start of the n+1-th)
  const after = (n: number) => monthsLater(from, { months: n * months, day });
  while (periods > 0 && after(periods) > asOfSeconds) periods--;
  while (after(periods + 1) <= asOfSeconds) periods++;
  return { start: after(periods), end: after(periods + 1) };
}

/**
 * The day of the month a cycle of months keeps from its anchor `from`: the configured one
 * (billing_cycle_anchor_day) where the anchor shows it, that day cut to the anchor's month's last
 * (February 28 from the 31st); else the anchor's own. An anchor a plan change reset since to
 * another day (March 15, the configuration still 31) runs from that day.
 */
function cycleDay(subscription: Cycle, from: Date): number {
  const own = from.getUTCDate();
  const configured = subscription.billing_cycle_anchor_day;
  if (configured === undefined || configured <= own) return own;
  const monthLastDay = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 0))
    .getUTCDate();
  return own === monthLastDay ? configured : own;
}

/**
 * periodStartAt by the subscription's first recurring item (Stripe bills a subscription's items on
 * one interval); null without one.
 */
export function billingPeriodStartAt(
  subscription: SubscriptionLite,
  asOfSeconds: number,
): number | null {
  return billingPeriodAt(subscription, asOfSeconds)?.start ?? null;
}

/** periodAt by the subscription's first recurring item; null without one. */
export function billingPeriodAt(
  subscription: SubscriptionLite,
  asOfSeconds: number,
): { start: number; end: number } | null {
  const recurring = subscription.items.find((item) => item.price.recurring)?.price.recurring;
  return recurring ? periodAt(subscription, { recurring, asOfSeconds }) : null;
}

/**
 * Whether a subscription has closed no billing period by the as-of since it began billing (its
 * start, or the end of its trial): the period under way is its first, so Stripe, which bills
 * metered usage in arrears at a period's end, was due to bill it none yet. By its first metered
 * item's interval (else its first recurring item's: billingPeriodAt). Null when that cannot be
 * told (no anchor, no recurring item).
 */
export function firstPeriodOpenAt(
  subscription: SubscriptionLite,
  asOfSeconds: number,
): boolean | null {
  const items = subscription.items;
  const recurring = (items.find((item) => item.price.recurring?.usage_type === "metered") ??
    items.find((item) => item.price.recurring))?.price.recurring;
  const anchor = subscription.billing_cycle_anchor;
  if (!recurring || anchor === null) return null;
  // a trial's usage is not billed: its paid periods start at its end (a trial begun only after
  // the as-of had not: the subscription was billing then)
  const { trial_start: trialStart, trial_end: trialEnd, start_date: start } = subscription;
  const trialBegun = trialEnd !== null && (trialStart === null || trialStart <= asOfSeconds);
  const billingSince = trialBegun && (start === null || trialEnd > start) ? trialEnd : start;
  if (billingSince === null) return null;
  // Told without working out the period for most (periodAt's calendar steps took ~2 s of CPU
  // over 200k subscriptions on a loaded machine): a stretch before the anchor closed at it, and
  // a period begun longer ago than any period lasts has closed.
  if (anchor < asOfSeconds) {
    if (billingSince < anchor) return false;
    if (asOfSeconds - billingSince > longestPeriodSeconds(recurring)) return false;
  }
  // a period ending at the as-of itself is not closed yet: its invoice, created then, is not read
  // (usage_period.ts countedBefore), as usageInvoicedAt reads it
  const period = periodAt(subscription, { recurring, asOfSeconds: asOfSeconds - 1 });
  return period === null ? null : period.start <= billingSince;
}

/** The longest a billing period of `recurring` can last, in seconds (a leap year, a 31-day month). */
function longestPeriodSeconds({ interval, interval_count }: Recurrence): number {
  const days = { day: 1, week: 7, month: 31, year: 366 }[interval];
  return Math.max(1, interval_count || 1) * days * 86_400;
}
