/**
 * The parts of Stripe's objects the revenue rules need — nothing else is kept (the daily cache
 * holds exactly these: ids, amounts, statuses and product names; no names of people, no emails,
 * no card data, no secrets). Amounts are in the currency's minor unit (cents), as Stripe sends
 * them.
 *
 * Shapes follow the pinned API version (2025-03-31 "basil" and later): a discount's coupon is
 * `source.coupon` (an id unless expanded; older versions had `discount.coupon`), invoice lines
 * name their price in `pricing.price_details.price` and their subscription in
 * `parent.subscription_item_details`, and the invoice's subscription is
 * `parent.subscription_details.subscription`.
 */

export interface CouponLite {
  id: string;
  percent_off: number | null;
  amount_off: number | null;
  currency: string | null;
  duration: "forever" | "once" | "repeating";
  /** products the coupon is restricted to (`applies_to.products`); null = every product */
  applies_to_products: string[] | null;
  /** amount_off in other currencies (minor units), from `currency_options` */
  amount_off_by_currency: Record<string, number> | null;
}

export interface DiscountLite {
  /** the discount's id (di_…), which invoice lines' discount_amounts refer to */
  id: string;
  coupon: CouponLite;
  /** when it was applied (unix seconds): it counts from then on; null = not given (always) */
  start: number | null;
  /** unix seconds; null = no end (forever) */
  end: number | null;
}

export interface TierLite {
  up_to: number | null;
  unit_amount_decimal: string | null;
  flat_amount_decimal: string | null;
}

export interface PriceLite {
  id: string;
  product: string;
  currency: string;
  nickname: string | null;
  billing_scheme: "per_unit" | "tiered";
  tiers_mode: "graduated" | "volume" | null;
  tiers: TierLite[] | null;
  unit_amount_decimal: string | null;
  transform_quantity: { divide_by: number; round: "up" | "down" } | null;
  /** null for one-time prices */
  recurring: {
    interval: "day" | "week" | "month" | "year";
    interval_count: number;
    usage_type: "licensed" | "metered";
  } | null;
  /** the price in other currencies (`currency_options`, when it was read), by lower-case code */
  currency_options: Record<string, CurrencyOptionLite> | null;
}

/** One currency of a price's currency_options: amounts in that currency's minor unit. */
export interface CurrencyOptionLite {
  unit_amount_decimal: string | null;
  /** null when the price is per-unit, or its tiers were not read */
  tiers: TierLite[] | null;
}

export interface ItemLite {
  id: string;
  quantity: number | null;
  price: PriceLite;
  discounts: DiscountLite[];
  /** start of an item-level trial (unix seconds: `current_trial.start_date`), null when none or
   * not given: a trial put on a running item (a free stretch granted later) starts after it did */
  trial_start: number | null;
  /** end of an item-level trial (unix seconds), null when the item is not on trial */
  trial_end: number | null;
  /**
   * Percent of tax included in the item's price: its inclusive tax rates (the item's, else the
   * subscription's default ones); null when tax is included at a rate the subscription does not
   * say (Stripe Tax on a price whose tax_behavior is inclusive); absent when none is included.
   */
  inclusive_tax_percent?: number | null;
}

export interface SubscriptionLite {
  id: string;
  customer: string;
  /** Stripe's status, but `paused` when payment collection is paused (subscriptionStatus) */
  status: string;
  currency: string;
  cancel_at_period_end: boolean;
  /** scheduled cancellation (unix seconds), null when none */
  cancel_at: number | null;
  /** when it started (unix seconds: `start_date`, backdated or a schedule's phase start, else
   * `created`); null when Stripe gave neither */
  start_date: number | null;
  /** when it was created (unix seconds), null when not given: a discount made with it (its
   * `start` at this instant) was never stood in for by the customer's (ownDiscountsApply) */
  created: number | null;
  /** start of its trial (unix seconds), null when none or not given: a trial put on a running
   * subscription (a free stretch granted later) starts after the subscription did */
  trial_start: number | null;
  /** end of its trial (unix seconds; Stripe keeps it after the trial ends), null when none */
  trial_end: number | null;
  /** where its billing periods are anchored (unix seconds): later than now while its first full
   * period has not begun (a prorated or free stretch until then) */
  billing_cycle_anchor: number | null;
  /** the day of the month its periods keep when later than the anchor's own: Stripe's
   * `billing_cycle_anchor_config.day_of_month`, 31 anchoring a subscription made February 10 on
   * February 28 (the 31st cut), then March 31, April 30; absent otherwise (kept as configured: an
   * anchor reset since to another day runs from its own, status_at.ts cycleDay) */
  billing_cycle_anchor_day?: number;
  /** what Stripe does at the end of the trial it is in, it having no payment method (none of its
   * own, nor a default of its customer's): its `trial_settings.end_behavior.missing_payment_method`
   * when `cancel` or `pause`; absent otherwise (it has one, its settings invoice it, or it is not
   * in a trial) */
  trial_end_without_payment_method?: "cancel" | "pause";
  /** when it was canceled, or set to cancel (unix seconds): Stripe's `canceled_at`, the latest
   * request for a cancellation at the period's end; null when none was asked */
  canceled_at: number | null;
  /** when it ended (unix seconds): set once it is canceled (or expired), null while it runs */
  ended_at: number | null;
  discounts: DiscountLite[];
  items: ItemLite[];
  /** set when its customer (expanded) was deleted: Stripe keeps listing the canceled
   * subscriptions of a deleted customer */
  customer_deleted?: true;
}

export interface ProductLite {
  id: string;
  name: string;
  metadata: Record<string, string>;
}

/** One metered invoice line of a subscription's most recent closed billing cycle. */
export interface UsageLineLite {
  customer: string;
  subscription: string;
  price_id: string;
  /** minor units, before discounts, as Stripe bills it */
  amount: number;
  /** tax included in `amount` (tax-inclusive prices), minor units */
  inclusive_tax: number;
  /** discounts applied to this line: which discount (id) took how much off */
  discount_amounts: { discount: string; amount: number }[];
  currency: string;
  /** months in one billing period of the line's own price (a quarter: 3), whatever price the
   * subscription holds now: what the line billed */
  months: number;
  /**
   * Where the line's price's periods fall, as Stripe returned them: the end of the line's service
   * period (`period.end`: the start of the period its invoice opened), its start, and its price's
   * interval.
   * Absent when the line gave no period; read for a price that left the subscription since,
   * which has no item to tell its periods (mrr.ts usageLineInvoicedAt).
   */
  period?: UsagePeriod;
}

/** A usage line's period end and its price's interval (UsageLineLite.period). */
export interface UsagePeriod {
  end: number;
  /** the service period's start, when Stripe gave it (a cache written before it was kept has none):
   * its day tells an end cut to a month's last day from an anchor on the 31st (anchorOfPeriod) */
  start?: number;
  interval: "day" | "week" | "month" | "year";
  interval_count: number;
}

import {
  anchorDayOf,
  inclusiveTaxPercent,
  subscriptionStatus,
  trialEndWithoutPaymentMethod,
} from "./subscription_fields.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** Decimal strings arrive as the SDK's Decimal objects (v23 coerces them); text either way. */
const text = (value: Json): string | null =>
  value === null || value === undefined ? null : String(value);
const idOf = (value: Json): string => typeof value === "string" ? value : String(value?.id ?? "");
const unixOrNull = (value: Json): number | null => typeof value === "number" ? value : null;

/**
 * `applies_to` and `currency_options` appear only when expanded (coupons are listed with both
 * expanded); a coupon embedded in a discount has neither, so a listed coupon wins over it.
 */
export function couponLite(coupon: Json): CouponLite {
  const products = coupon.applies_to?.products;
  const options = coupon.currency_options && typeof coupon.currency_options === "object"
    ? Object.fromEntries(
      Object.entries(coupon.currency_options as Record<string, Json>)
        .filter(([, option]) => typeof option?.amount_off === "number")
        .map(([currency, option]) => [currency.toLowerCase(), Number(option.amount_off)]),
    )
    : null;
  return {
    id: String(coupon.id ?? ""),
    percent_off: coupon.percent_off ?? null,
    amount_off: coupon.amount_off ?? null,
    currency: coupon.currency ? String(coupon.currency).toLowerCase() : null,
    duration: coupon.duration,
    applies_to_products: Array.isArray(products) ? products.map((p: Json) => idOf(p)) : null,
    amount_off_by_currency: options && Object.keys(options).length > 0 ? options : null,
  };
}

/**
 * Whether an embedded coupon carries its terms (a duration, and a percent or an amount off): a
 * deleted coupon Stripe still shows on the discounts made from it has them; a stub of only its
 * id (`{id, deleted: true}`) has not, and counts as unreadable, never as 0 % off.
 */
export function hasTerms(coupon: Json): boolean {
  return ["forever", "once", "repeating"].includes(coupon?.duration) &&
    (typeof coupon.percent_off === "number" || typeof coupon.amount_off === "number");
}

/** The coupon a discount refers to: an embedded object, or an id to look up. */
export function discountCouponRef(discount: Json): Json {
  return discount?.source?.coupon ?? discount?.coupon ?? null;
}

/** Coupons embedded in expanded discounts, by id. */
export function embeddedCoupons(subscriptions: Json[]): Map<string, CouponLite> {
  const coupons = new Map<string, CouponLite>();
  const visit = (discounts: Json) => {
    for (const discount of Array.isArray(discounts) ? discounts : []) {
      const ref = discountCouponRef(discount);
      if (ref && typeof ref === "object" && ref.id && hasTerms(ref)) {
        coupons.set(ref.id, couponLite(ref));
      }
    }
  };
  for (const subscription of subscriptions) {
    visit(subscription.discounts);
    for (const item of subscription.items?.data ?? []) visit(item.discounts);
  }
  return coupons;
}

/**
 * Looks coupons up by id. `unresolved` collects what could not be read: a discount that is an
 * unexpanded id, or a coupon missing from the list (deleted coupons keep applying to existing
 * discounts but are no longer listed). Such discounts are left out and reported.
 */
export interface CouponBook {
  coupons: Map<string, CouponLite>;
  unresolved: Set<string>;
}

function discountLite(discount: Json, book: CouponBook): DiscountLite | null {
  if (!discount || typeof discount !== "object") {
    if (typeof discount === "string") book.unresolved.add(`discount ${discount}`);
    return null;
  }
  const ref = discountCouponRef(discount);
  const id = ref && typeof ref === "object" ? String(ref.id ?? "") : ref;
  // the listed coupon (applies_to expanded) wins over one embedded without it
  const coupon = (typeof id === "string" ? book.coupons.get(id) : undefined) ??
    (ref && typeof ref === "object" && hasTerms(ref) ? couponLite(ref) : undefined);
  if (!coupon) {
    if (typeof id === "string" && id) book.unresolved.add(`coupon ${id}`);
    return null;
  }
  return {
    id: String(discount.id ?? ""),
    coupon,
    start: unixOrNull(discount.start),
    end: unixOrNull(discount.end),
  };
}

export function discountsLite(list: Json, book: CouponBook): DiscountLite[] {
  return (Array.isArray(list) ? list : [])
    .map((d) => discountLite(d, book))
    .filter((d): d is DiscountLite => d !== null);
}

function tiersLite(tiers: Json): TierLite[] | null {
  return Array.isArray(tiers)
    ? tiers.map((t: Json) => ({
      up_to: t.up_to ?? null,
      unit_amount_decimal: text(t.unit_amount_decimal ?? t.unit_amount),
      flat_amount_decimal: text(t.flat_amount_decimal ?? t.flat_amount),
    }))
    : null;
}

function currencyOptionsLite(options: Json): Record<string, CurrencyOptionLite> | null {
  if (!options || typeof options !== "object") return null;
  return Object.fromEntries(
    Object.entries(options as Record<string, Json>).map(([currency, option]) => [
      currency.toLowerCase(),
      {
        unit_amount_decimal: text(option?.unit_amount_decimal ?? option?.unit_amount),
        tiers: tiersLite(option?.tiers),
      },
    ]),
  );
}

export function priceLite(price: Json): PriceLite {
  return {
    id: price.id,
    product: idOf(price.product),
    currency: String(price.currency ?? "usd").toLowerCase(),
    nickname: price.nickname ?? null,
    billing_scheme: price.billing_scheme === "tiered" ? "tiered" : "per_unit",
    tiers_mode: price.tiers_mode ?? null,
    tiers: tiersLite(price.tiers),
    unit_amount_decimal: text(price.unit_amount_decimal ?? price.unit_amount),
    transform_quantity: price.transform_quantity
      ? { divide_by: price.transform_quantity.divide_by, round: price.transform_quantity.round }
      : null,
    recurring: price.recurring
      ? {
        interval: price.recurring.interval,
        interval_count: price.recurring.interval_count ?? 1,
        usage_type: price.recurring.usage_type === "metered" ? "metered" : "licensed",
      }
      : null,
    currency_options: currencyOptionsLite(price.currency_options),
  };
}

/** A subscription whose `items.data` is complete (fetch follows `has_more` first). */
export function subscriptionLite(subscription: Json, book: CouponBook): SubscriptionLite {
  return {
    id: subscription.id,
    customer: idOf(subscription.customer),
    status: subscriptionStatus(subscription),
    currency: String(subscription.currency ?? "usd").toLowerCase(),
    cancel_at_period_end: Boolean(subscription.cancel_at_period_end),
    cancel_at: unixOrNull(subscription.cancel_at),
    start_date: unixOrNull(subscription.start_date) ?? unixOrNull(subscription.created),
    created: unixOrNull(subscription.created),
    trial_start: unixOrNull(subscription.trial_start),
    trial_end: unixOrNull(subscription.trial_end),
    billing_cycle_anchor: unixOrNull(subscription.billing_cycle_anchor),
    ...anchorDayOf(subscription),
    ...trialEndWithoutPaymentMethod(subscription),
    canceled_at: unixOrNull(subscription.canceled_at),
    ended_at: unixOrNull(subscription.ended_at),
    discounts: discountsLite(subscription.discounts, book),
    items: (subscription.items?.data ?? []).map((item: Json) => {
      const taxPercent = inclusiveTaxPercent(subscription, item);
      return {
        id: item.id,
        quantity: item.quantity ?? null,
        price: priceLite(item.price),
        discounts: discountsLite(item.discounts, book),
        trial_start: unixOrNull(item.current_trial?.start_date),
        trial_end: unixOrNull(item.current_trial?.end_date),
        ...(taxPercent === undefined ? {} : { inclusive_tax_percent: taxPercent }),
      };
    }),
    ...(subscription.customer?.deleted === true ? { customer_deleted: true } : {}),
  };
}

/**
 * Each customer's own discount (`customer.discount`, read from the customer expanded on its
 * subscriptions): it applies to the customer's subscriptions that have no discount of their own.
 */
export function customerDiscountsLite(
  subscriptions: Json[],
  book: CouponBook,
): Record<string, DiscountLite[]> {
  const byCustomer: Record<string, DiscountLite[]> = {};
  for (const subscription of subscriptions) {
    const customer = subscription.customer;
    if (!customer || typeof customer !== "object" || !customer.discount) continue;
    byCustomer[idOf(customer)] ??= discountsLite([customer.discount], book);
  }
  return byCustomer;
}

export function productLite(product: Json): ProductLite {
  return { id: product.id, name: product.name ?? "", metadata: { ...(product.metadata ?? {}) } };
}

/** The price id of an invoice line: basil+ `pricing.price_details.price`, older `price.id`. */
export function linePriceId(line: Json): string | null {
  const details = line?.pricing?.price_details?.price;
  if (details) return idOf(details);
  if (line?.price) return idOf(line.price);
  return null;
}

/** The subscription an invoice belongs to: basil+ `parent.subscription_details`, older top level. */
export function invoiceSubscriptionId(invoice: Json): string | null {
  const subscription = invoice?.parent?.subscription_details?.subscription ??
    invoice?.subscription;
  return subscription ? idOf(subscription) : null;
}

export function usageLineLite(
  line: Json,
  { invoice, subscriptionId, priceId, months, recurring }: {
    invoice: Json;
    subscriptionId: string;
    priceId: string;
    months: number;
    /** the line's price's recurrence */
    recurring: Json;
  },
): UsageLineLite {
  const { amount, inclusive_tax, discount_amounts, currency } = lineAmounts(line, invoice);
  const end = line.period?.end;
  const start = line.period?.start;
  return {
    customer: idOf(invoice.customer),
    subscription: subscriptionId,
    price_id: priceId,
    amount,
    inclusive_tax,
    discount_amounts,
    currency,
    months,
    ...(typeof end === "number"
      ? {
        period: {
          end,
          ...(typeof start === "number" ? { start } : {}),
          interval: recurring.interval,
          interval_count: Number(recurring.interval_count ?? 1),
        },
      }
      : {}),
  };
}

/** What an invoice line bills, the same for every reading of lines (usage, invoice history). */
export type LineAmounts = Pick<
  UsageLineLite,
  "amount" | "inclusive_tax" | "discount_amounts" | "currency"
>;

/** An invoice line's amount, the tax included in it, its discounts and its currency. */
export function lineAmounts(line: Json, invoice: Json): LineAmounts {
  const taxes: Json[] = Array.isArray(line.taxes) ? line.taxes : [];
  return {
    amount: Number(line.amount ?? 0),
    inclusive_tax: taxes
      .filter((t) => t.tax_behavior === "inclusive")
      .reduce((sum, t) => sum + Number(t.amount ?? 0), 0),
    discount_amounts: (Array.isArray(line.discount_amounts) ? line.discount_amounts : []).map(
      (d: Json) => ({ discount: idOf(d.discount), amount: Number(d.amount ?? 0) }),
    ),
    currency: String(line.currency ?? invoice.currency ?? "usd").toLowerCase(),
  };
}
