/**
 * Whether today's Stripe cache answers an export (cacheAnswers), and what the export says when it
 * was made for an earlier as-of of the day (cacheBehindWarning). What Stripe did since by dates the
 * subscriptions held (a cancellation or a trial's end due by the later as-of) is judged at that
 * as-of by status_at.ts statusAt, as a fetch then still listing them so is: the file keeps them as
 * fetched.
 */
import { isoDate } from "../formats/files.ts";
import { invoiceRange } from "./fetch.ts";
import { ptbCovers, ptbWindow } from "./ptb.ts";
import type { RevenueRules } from "./rules.ts";
import type { StripeSnapshot } from "./snapshot.ts";

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
