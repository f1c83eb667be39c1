/**
 * Whether today's Stripe cache answers an export (cacheAnswers), what the export says when it was
 * made for an earlier as-of of the day (cacheBehindWarning), and the cancellations Stripe carried
 * out since (carryOutChangesDue; asFetched undoes them for a write-back).
 */
import { isoDate } from "../formats/files.ts";
import { invoiceRange } from "./fetch.ts";
import { ptbCovers, ptbWindow } from "./ptb.ts";
import type { RevenueRules } from "./rules.ts";
import type { StripeSnapshot } from "./snapshot.ts";
import { billingPeriodAt } from "./status_at.ts";

/**
 * Whether today's cache answers an export of `asOf`. It holds the subscriptions as fetched and the
 * usage lines and PTB charges of the invoices and payments created up to its own as-of
 * (`invoiceRange.until`), so it answers that as-of and any later one of the same UTC date — a
 * default export's as-of is now, to the second, and never repeats — without what was created in
 * between (--refresh-stripe reads it). A cache of a later as-of holds invoices and charges created
 * after the as-of asked for, and one whose as-of is on another date another day's: neither answers
 * (Stripe is asked; the file is rewritten, unless it is today's of a later as-of:
 * laterCacheOfTheDay). It must have listed invoices over the same span back
 * from its as-of (the usage look-back or, if longer, the export window) with the same look-back
 * for long billing periods (usage lines come from them: a longer look-back finds a cycle a shorter
 * one does not), and with PTB have read the product over the window up to its as-of.
 */
export function cacheAnswers(
  cached: StripeSnapshot,
  { asOf, windowDays, rules }: { asOf: Date; windowDays: number; rules: RevenueRules },
): boolean {
  const range = cached.invoiceRange;
  const wanted = invoiceRange({ asOf, windowDays, usageLookbackDays: rules.usageLookbackDays });
  if (
    !range || range.usageLookbackDays !== rules.usageLookbackDays || range.until > wanted.until ||
    isoDate(new Date(range.until * 1000)) !== isoDate(asOf) ||
    range.until - range.since !== wanted.until - wanted.since
  ) return false;
  if (!rules.ptbProductId) return true;
  const window = ptbWindow(asOf, windowDays);
  return ptbCovers(cached.ptb, {
    productId: rules.ptbProductId,
    window: { since: window.since, until: Math.min(window.until, range.until) },
  });
}

/** How far a cache may lag the export's as-of before the export says so. */
const CACHE_BEHIND_WARN_SECONDS = 3600;

/**
 * A cache of an earlier as-of the same day (a month-end run at 00:00, then a plain export at
 * 10:00) holds no invoice or PTB payment created since: said, with the way to fetch them.
 */
export function cacheBehindWarning(snapshot: StripeSnapshot, asOf: Date): string | null {
  const until = snapshot.invoiceRange?.until;
  if (until === undefined) return null;
  const behindSeconds = Math.floor(asOf.getTime() / 1000) - until;
  if (behindSeconds <= CACHE_BEHIND_WARN_SECONDS) return null;
  return `Stripe revenue from today's cache made for as-of ${
    new Date(until * 1000).toISOString()
  }, ${
    (behindSeconds / 3600).toFixed(1)
  } h before this export's: usage_charges and ptb_revenue_30d leave out invoices and PTB payments created since, and MRR is the subscriptions as fetched then (--refresh-stripe fetches them)`;
}

type Subscription = StripeSnapshot["subscriptions"][number];

/** The status and end as fetched of the subscriptions carryOutChangesDue changed. */
const fetchedEnds = new WeakMap<Subscription, Pick<Subscription, "status" | "ended_at">>();

/** Statuses of a subscription that has ended (no cancellation is still ahead of it). */
const ENDED = new Set(["canceled", "incomplete_expired"]);

/**
 * A cache read at a later as-of of its day holds the subscriptions as fetched for its own as-of;
 * what Stripe did since by dates they held then is done here, as a fetch at the later as-of would
 * list them. Changed in place, idempotent; a write-back puts them back as fetched (asFetched).
 *
 * - One set to cancel at a time passed since (or at the cache's as-of itself, often the midnight
 *   a month-end run reads) has ended then: canceled. The time is `cancel_at`
 *   (Stripe sets it for a cancellation at the period's end too), else, with
 *   `cancel_at_period_end`, the end of its billing period under way at the cache's as-of, one
 *   ending at that very second included (from
 *   its anchor by its first item's interval, as its periods are read elsewhere: status_at.ts;
 *   none without an anchor: kept as fetched). Without this it counted at its price, and
 *   unflagged (a `cancel_at` before the as-of on a running subscription reads as inconsistent
 *   data: status_at.ts cancellingAt).
 *
 * One whose trial ended since, listed `trialing`, is judged as Stripe moves it at the trial's end
 * by statusAt (status_at.ts), as a fetch still listing it so is.
 */
export function carryOutChangesDue(snapshot: StripeSnapshot, asOf: Date): void {
  const since = snapshot.invoiceRange?.until;
  const asOfSeconds = Math.floor(asOf.getTime() / 1000);
  if (since === undefined || asOfSeconds <= since) return;
  const change = (subscription: Subscription, to: Pick<Subscription, "status" | "ended_at">) => {
    fetchedEnds.set(subscription, { status: subscription.status, ended_at: subscription.ended_at });
    Object.assign(subscription, to);
  };
  // (from the cache's own as-of on: one due at that very second was listed as before, Stripe
  // carrying it out moments after)
  const passed = (at: number | null | undefined) =>
    at !== null && at !== undefined && since <= at && at <= asOfSeconds;
  for (const subscription of snapshot.subscriptions) {
    if (ENDED.has(subscription.status)) continue;
    // the period under way just before the cache's as-of: one ending at that very second (a
    // trial's too) is the one the fetch listed, cancelled then, not the one it begins (that one
    // for a subscription started at that second)
    const periodEnd = () =>
      (billingPeriodAt(subscription, since - 1) ?? billingPeriodAt(subscription, since))?.end;
    const cancelAt = subscription.cancel_at ??
      (subscription.cancel_at_period_end ? periodEnd() : null);
    if (passed(cancelAt)) change(subscription, { status: "canceled", ended_at: cancelAt! });
  }
}

/**
 * The snapshot to write back (new customer ids checked): its subscriptions as fetched, those
 * carryOutChangesDue changed put back. Kept ended, an earlier as-of of the day read from the file
 * would find them canceled since, counted as active by a guess (a warning says their status and
 * items then are assumed) and, without `canceled_at`, not flagged as scheduled churn, where the
 * cache knew them running and set to cancel.
 */
export function asFetched(snapshot: StripeSnapshot): StripeSnapshot {
  let changed = false;
  const subscriptions = snapshot.subscriptions.map((subscription) => {
    const fetched = fetchedEnds.get(subscription);
    if (!fetched) return subscription;
    changed = true;
    return { ...subscription, ...fetched };
  });
  return changed ? { ...snapshot, subscriptions } : snapshot;
}
