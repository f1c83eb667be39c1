/**
 * Which discounts count (PRICING_STRIPE_DISCOUNTS) and how they come off a subscription's items:
 * shared by live MRR (mrr.ts) and MRR from invoices (invoice_mrr.ts).
 */
import { periodMonths } from "./price_facts.ts";
import type { ItemRole, RevenueRules } from "./rules.ts";
import type { DiscountLite, PriceLite, SubscriptionLite } from "./stripe_objects.ts";

/**
 * Whether the discount setting counts a discount at the as-of. A repeating one counts while it
 * covers the invoice billing the period under way: Stripe takes a discount off the invoices
 * created while it runs, so `invoicedAt` (when that invoice is created, when known) is what its
 * end is set against. A licensed price is billed in advance, its period's invoice created at its
 * start — a yearly plan whose 3-month coupon took 50 % off its first year's invoice is at 50 % off
 * for that whole year, as the invoice backfill holds the invoiced amount over its period; metered
 * usage in arrears, at the period's end (usageInvoicedAt). Unknown, the as-of itself.
 *
 * A discount counts from its `start` (when it was applied): Stripe holds today's discounts, so
 * at a past as-of one applied since was not there yet. That holds for the invoice backfill too,
 * which reads the discount off an invoice line: a backdated subscription's first invoice, created
 * with its coupon, takes it off the stretch before the coupon's start as well, but the
 * subscription did not have it then, so both live MRR and the backfill read the price before it
 * there, and agree (revenue-rules.md rule 4: backfill = live).
 */
export function discountCounts(
  discount: DiscountLite,
  { rules, asOfSeconds, invoicedAt = null }: {
    rules: RevenueRules;
    asOfSeconds: number;
    /** when the invoice billing the period under way at the as-of is created (unix seconds): a
     * licensed period's start, a metered one's end; null unknown */
    invoicedAt?: number | null;
  },
): boolean {
  if (discount.start !== null && discount.start > asOfSeconds) return false;
  switch (rules.discountPolicy) {
    case "none":
      return false;
    case "forever":
      return discount.coupon.duration === "forever";
    case "recurring":
      if (discount.coupon.duration === "forever") return true;
      if (discount.coupon.duration === "repeating") {
        return discount.end === null || discount.end > (invoicedAt ?? asOfSeconds);
      }
      return false; // once: a one-off, not recurring revenue
  }
}

/**
 * Seconds between a subscription's `created` and the `start` of a discount made in the same
 * request: Stripe stamps both while creating it, so they may fall a second or so apart.
 */
const MADE_WITH_SUBSCRIPTION_SECONDS = 5;

/**
 * Whether a subscription's own discounts (rather than its customer's) are the ones it has at the
 * as-of. Stripe gives a subscription the customer's discount only when it has none of its own
 * (its `discounts`: "If not specified or empty, inherits the discount from the subscription's
 * customer"); it has its own from their `start` on, or from its creation when it was created with
 * them. So a backdated subscription created with its coupon never had the customer's: before the
 * coupon's start (the backdated stretch) it reads the price before any discount, as the invoice
 * backfill reads its first invoice, which carries only the subscription's coupon.
 */
export function ownDiscountsApply(
  subscription: Pick<SubscriptionLite, "discounts" | "created">,
  asOfSeconds: number,
): boolean {
  const created = subscription.created;
  return subscription.discounts.some((d) =>
    d.start === null || d.start <= asOfSeconds ||
    (created !== null && d.start <= created + MADE_WITH_SUBSCRIPTION_SECONDS)
  );
}

/** Whether a discount's coupon covers a product (`applies_to.products`, else every product). */
export function discountAppliesTo(discount: DiscountLite, product: string): boolean {
  const products = discount.coupon.applies_to_products;
  return products === null || products.includes(product);
}

/** A coupon's amount_off in the given currency (minor units): its own, or its currency_options'. */
function amountOffIn(discount: DiscountLite, currency: string): number {
  const coupon = discount.coupon;
  if (!coupon.amount_off) return 0;
  if (coupon.currency === null || coupon.currency === currency) return coupon.amount_off;
  return coupon.amount_off_by_currency?.[currency] ?? 0; // Stripe applies it in no other currency
}

export interface PricedItem {
  role: ItemRole;
  product: string;
  /** minor units per month, discounts taken off so far (tax included in the price still in) */
  monthly: number;
  /** the share of the price that is not tax: 1 / (1 + inclusive tax rate) */
  netOfTax: number;
  /** its price's recurrence, whose billing period under way a repeating discount is judged by
   * (applyDiscounts' periodStartOf) */
  recurring?: NonNullable<PriceLite["recurring"]>;
}

/**
 * Takes the counted discounts off the items their coupon covers: percent_off off each, amount_off
 * (per billing period, so ÷ months) split over those items in proportion to their amounts.
 * Never below zero. `offUsage` is the part of a discount (minor units per period) Stripe took off
 * the subscription's metered usage lines instead (their discount_amounts, counted with usage):
 * an amount_off is split over every line it covers, metered ones too, so only the rest comes off
 * the licensed items.
 */
export function applyDiscounts(
  items: PricedItem[],
  discounts: DiscountLite[],
  context: {
    months: number;
    currency: string;
    rules: RevenueRules;
    asOfSeconds: number;
    /** the start of the billing period under way at the as-of, when its invoice was created
     * (discountCounts) */
    periodStart?: number | null;
    /** each item's own, in its stead: items on several intervals are invoiced apart, so a
     * repeating discount may have covered one's invoice under way and not another's */
    periodStartOf?: (item: PricedItem) => number | null;
    offUsage?: (discountId: string) => number;
  },
): void {
  const { rules, asOfSeconds, periodStart, periodStartOf } = context;
  for (const discount of discounts) {
    // only a repeating discount's counting depends on the period (discountCounts)
    const perItem = periodStartOf !== undefined && discount.coupon.duration === "repeating";
    if (!perItem && !discountCounts(discount, { rules, asOfSeconds, invoicedAt: periodStart })) {
      continue;
    }
    const covered = items.filter((item) =>
      discountAppliesTo(discount, item.product) &&
      (!perItem ||
        discountCounts(discount, { rules, asOfSeconds, invoicedAt: periodStartOf(item) }))
    );
    const percent = discount.coupon.percent_off ?? 0;
    if (percent) { for (const item of covered) item.monthly *= 1 - percent / 100; }
    const ownAmountOff = amountOffIn(discount, context.currency);
    const amountOff = ownAmountOff > 0
      ? Math.max(0, ownAmountOff - (context.offUsage?.(discount.id) ?? 0)) /
        amountOffMonths(covered, context.months)
      : 0;
    const total = covered.reduce((sum, item) => sum + item.monthly, 0);
    if (amountOff > 0 && total > 0) {
      const factor = Math.max(0, total - amountOff) / total;
      for (const item of covered) item.monthly *= factor;
    }
  }
}

/**
 * The months between the invoices an amount_off comes off: the shortest period of the items it
 * covers (`months` at least). An invoice with no line it covers takes nothing: a yearly add-on's
 * coupon beside a monthly plan comes off the add-on's yearly invoice alone, and so does a
 * repeating one whose invoice under way was the yearly item's alone (the monthly item's, begun
 * after it ran out, billed without it: once a year, not once a month all year).
 */
function amountOffMonths(covered: PricedItem[], months: number): number {
  let shortest = Infinity;
  for (const item of covered) {
    if (!item.recurring) return months; // a period not known: the caller's
    shortest = Math.min(shortest, periodMonths(item.recurring));
  }
  return shortest === Infinity ? months : Math.max(months, shortest);
}
