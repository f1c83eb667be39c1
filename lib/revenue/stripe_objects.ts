/**
 * The parts of Stripe's objects the revenue rules need — nothing else is kept (the daily cache
 * holds exactly these: no names of people, no card data, no secrets). Amounts are in the
 * currency's minor unit (cents), as Stripe sends them.
 */

export interface CouponLite {
  percent_off: number | null;
  amount_off: number | null;
  currency: string | null;
  duration: "forever" | "once" | "repeating";
}

export interface DiscountLite {
  coupon: CouponLite;
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
}

export interface ItemLite {
  id: string;
  quantity: number | null;
  price: PriceLite;
  discounts: DiscountLite[];
}

export interface SubscriptionLite {
  id: string;
  customer: string;
  status: string;
  currency: string;
  cancel_at_period_end: boolean;
  discounts: DiscountLite[];
  items: ItemLite[];
}

export interface ProductLite {
  id: string;
  name: string;
  metadata: Record<string, string>;
}

/** One metered invoice line of a subscription's most recent closed period. */
export interface UsageLineLite {
  customer: string;
  subscription: string;
  price_id: string;
  /** minor units */
  amount: number;
  currency: string;
}

// deno-lint-ignore no-explicit-any
type Json = any;

const text = (value: Json): string | null =>
  value === null || value === undefined ? null : String(value);
const id = (value: Json): string => typeof value === "string" ? value : String(value?.id ?? "");

function discountLite(discount: Json): DiscountLite | null {
  // Unexpanded discounts are ids: without the coupon there is nothing to apply.
  const coupon = discount?.coupon ?? discount?.source?.coupon;
  if (!coupon || typeof coupon !== "object") return null;
  return {
    coupon: {
      percent_off: coupon.percent_off ?? null,
      amount_off: coupon.amount_off ?? null,
      currency: coupon.currency ?? null,
      duration: coupon.duration,
    },
    end: discount.end ?? null,
  };
}

function discountsLite(list: Json, single?: Json): DiscountLite[] {
  const all = [...(Array.isArray(list) ? list : []), ...(single ? [single] : [])];
  return all.map(discountLite).filter((d): d is DiscountLite => d !== null);
}

export function priceLite(price: Json): PriceLite {
  return {
    id: price.id,
    product: id(price.product),
    currency: String(price.currency ?? "usd").toLowerCase(),
    nickname: price.nickname ?? null,
    billing_scheme: price.billing_scheme === "tiered" ? "tiered" : "per_unit",
    tiers_mode: price.tiers_mode ?? null,
    tiers: Array.isArray(price.tiers)
      ? price.tiers.map((t: Json) => ({
        up_to: t.up_to ?? null,
        unit_amount_decimal: text(t.unit_amount_decimal ?? t.unit_amount),
        flat_amount_decimal: text(t.flat_amount_decimal ?? t.flat_amount),
      }))
      : null,
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
  };
}

export function subscriptionLite(subscription: Json): SubscriptionLite {
  return {
    id: subscription.id,
    customer: id(subscription.customer),
    status: subscription.status,
    currency: String(subscription.currency ?? "usd").toLowerCase(),
    cancel_at_period_end: Boolean(subscription.cancel_at_period_end),
    discounts: discountsLite(subscription.discounts, subscription.discount),
    items: (subscription.items?.data ?? []).map((item: Json) => ({
      id: item.id,
      quantity: item.quantity ?? null,
      price: priceLite(item.price),
      discounts: discountsLite(item.discounts),
    })),
  };
}

export function productLite(product: Json): ProductLite {
  return { id: product.id, name: product.name ?? "", metadata: { ...(product.metadata ?? {}) } };
}

/** The price id of an invoice line: basil+ `pricing.price_details.price`, older `price.id`. */
export function linePriceId(line: Json): string | null {
  const details = line?.pricing?.price_details?.price;
  if (details) return id(details);
  if (line?.price) return id(line.price);
  return null;
}
