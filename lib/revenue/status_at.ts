/**
 * A subscription at the as-of, from what Stripe holds now: its status then, whether it was billing
 * then, and whether its cancellation was scheduled then. With the as-of now, Stripe's own.
 */
import type { RevenueRules } from "./rules.ts";
import type { SubscriptionLite } from "./stripe_objects.ts";

/**
 * Whether a subscription canceled now had not ended yet at the as-of (`ended_at` after it): it was
 * live then. Stripe keeps no earlier status, so what it was then is assumed (statusAt).
 */
export function endedSince(subscription: SubscriptionLite, asOfSeconds: number): boolean {
  return subscription.status === "canceled" && subscription.ended_at !== null &&
    subscription.ended_at > asOfSeconds;
}

/**
 * Whether a canceled subscription does not say when it ended (no `ended_at`, which Stripe sets
 * when it cancels one) though it may have run at the as-of (it had started): not counted, since
 * nothing says it was live then, and named in a warning.
 */
export function endUnknown(subscription: SubscriptionLite, asOfSeconds: number): boolean {
  return subscription.status === "canceled" && subscription.ended_at === null &&
    (subscription.start_date === null || subscription.start_date <= asOfSeconds);
}

/**
 * The status a subscription is counted by at the as-of: Stripe's now, but `active` for one
 * canceled since (endedSince). Its status then is not kept: `past_due`, counted too, reads alike;
 * `unpaid` or `paused` then reads high (the warning naming such subscriptions says so).
 */
export function statusAt(subscription: SubscriptionLite, asOfSeconds: number): string {
  return endedSince(subscription, asOfSeconds) ? "active" : subscription.status;
}

/**
 * Whether a subscription Stripe counts now was billing at the as-of: it had started (a
 * subscription started since did not exist then) and was past its trial (one whose trial ended
 * since was trialing then: counted only when trialing is). With the as-of now, always.
 */
export function runningAt(
  subscription: SubscriptionLite,
  { asOfSeconds, rules }: { asOfSeconds: number; rules: RevenueRules },
): boolean {
  if (subscription.start_date !== null && subscription.start_date > asOfSeconds) return false;
  return subscription.trial_end === null || subscription.trial_end <= asOfSeconds ||
    rules.countedStatuses.includes("trialing");
}

/**
 * Whether a counted subscription was set to cancel at the as-of (scheduled churn): one that ended
 * since was, if its cancellation was asked by then (`canceled_at`: at the period's end, or at a
 * later date); one still running is set to cancel at its period's end or at a `cancel_at` after
 * the as-of, unless that was asked only after the as-of.
 */
export function cancellingAt(subscription: SubscriptionLite, asOfSeconds: number): boolean {
  const askedBy = subscription.canceled_at === null || subscription.canceled_at <= asOfSeconds;
  if (endedSince(subscription, asOfSeconds)) return subscription.canceled_at !== null && askedBy;
  return askedBy && (subscription.cancel_at_period_end ||
    (subscription.cancel_at !== null && subscription.cancel_at > asOfSeconds));
}
