/**
 * Fields of a subscription that Stripe's JSON spreads over several of its own, read for the
 * trimmed subscription (stripe_objects.ts subscriptionLite): the status the rules count it by, the
 * tax included in an item's price, the day of the month its periods keep, and what its trial
 * settings do at the trial's end without a payment method.
 */

// deno-lint-ignore no-explicit-any
type Json = any;

/**
 * Statuses of a subscription that has ended: paused collection no longer matters, no cancellation
 * is still ahead of it (status_at.ts), its items may no longer be retrievable (deleted_coupons.ts).
 */
export const ENDED_STATUSES: ReadonlySet<string> = new Set(["canceled", "incomplete_expired"]);

/**
 * The status the revenue rules count a subscription by: Stripe's, except that one whose payment
 * collection is paused (`pause_collection` set; Stripe keeps it `active` and voids, keeps as draft
 * or marks uncollectible its invoices) is `paused`, as revenue-rules.md rule 6 adopts: not
 * counted by default (PRICING_STRIPE_COUNTED_STATUSES) and shown so in subscription_status.
 */
export function subscriptionStatus(subscription: Json): string {
  const status = String(subscription.status);
  return subscription.pause_collection && !ENDED_STATUSES.has(status) ? "paused" : status;
}

/**
 * The tax included in an item's price (ItemLite.inclusive_tax_percent): with automatic tax
 * (Stripe Tax) a price whose tax_behavior is inclusive holds tax at a rate only its invoices
 * tell (null); otherwise the item's tax rates, else the subscription's default ones (TaxRate
 * objects, always embedded), those marked inclusive (added: Stripe divides by 1 + their sum).
 */
export function inclusiveTaxPercent(subscription: Json, item: Json): number | null | undefined {
  if (subscription.automatic_tax?.enabled) {
    return item.price?.tax_behavior === "inclusive" ? null : undefined;
  }
  const rates: Json[] = Array.isArray(item.tax_rates) && item.tax_rates.length > 0
    ? item.tax_rates
    : Array.isArray(subscription.default_tax_rates)
    ? subscription.default_tax_rates
    : [];
  let percent = 0;
  for (const rate of rates) {
    if (typeof rate !== "object" || rate === null) return null; // an id: its rate is not known
    if (rate.inclusive === true) percent += Number(rate.percentage ?? 0);
  }
  return percent > 0 ? percent : undefined;
}

/**
 * The day of the month a subscription's periods keep, from `billing_cycle_anchor_config`, when
 * later than its anchor's own day (the configured day cut to a short month's last); none else.
 */
export function anchorDayOf(subscription: Json): { billing_cycle_anchor_day?: number } {
  const day = subscription.billing_cycle_anchor_config?.day_of_month;
  const anchor = subscription.billing_cycle_anchor;
  if (typeof day !== "number" || typeof anchor !== "number" || !Number.isInteger(day) || day > 31) {
    return {};
  }
  return day > new Date(anchor * 1000).getUTCDate() ? { billing_cycle_anchor_day: day } : {};
}

/**
 * What a subscription in its trial does at the trial's end without a payment method, when it has
 * none (SubscriptionLite.trial_end_without_payment_method): its invoices are paid with its own
 * `default_payment_method` or `default_source`, else its customer's
 * `invoice_settings.default_payment_method` or `default_source` (read from the customer expanded
 * in the listing; one not expanded is not known to lack one). Ids only, never kept.
 */
export function trialEndWithoutPaymentMethod(
  subscription: Json,
): { trial_end_without_payment_method?: "cancel" | "pause" } {
  const behavior = subscription.trial_settings?.end_behavior?.missing_payment_method;
  if (subscription.status !== "trialing" || (behavior !== "cancel" && behavior !== "pause")) {
    return {};
  }
  const customer = subscription.customer;
  if (!customer || typeof customer !== "object") return {};
  const paymentMethods = [
    subscription.default_payment_method,
    subscription.default_source,
    customer.invoice_settings?.default_payment_method,
    customer.default_source,
  ];
  return paymentMethods.some(Boolean) ? {} : { trial_end_without_payment_method: behavior };
}
