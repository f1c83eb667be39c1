/**
 * What a recurring price bills (mrr.ts reads it per item): one period's amount of a licensed item
 * (transform_quantity, per-unit or tiered), the months in its period, and the facts the revenue
 * rules make of it (role, plan name, interval), worked out once per price.
 */
import { classifyItem, type ItemRole, type RevenueRules } from "./rules.ts";
import type { PriceLite, ProductLite } from "./stripe_objects.ts";

/** Months in one billing period of a recurring price. */
export function periodMonths(recurring: NonNullable<PriceLite["recurring"]>): number {
  const count = recurring.interval_count || 1;
  switch (recurring.interval) {
    case "month":
      return count;
    case "year":
      return 12 * count;
    case "week":
      return (count * 12) / 52;
    case "day":
      return (count * 12) / 365;
  }
}

function decimal(value: string | null): number {
  return value === null ? 0 : Number(value);
}

/** Amount of one billing period of a licensed item, in minor units. */
export function itemPeriodAmount(price: PriceLite, quantity: number): number {
  let units = quantity;
  if (price.transform_quantity && price.transform_quantity.divide_by > 0) {
    const divided = units / price.transform_quantity.divide_by;
    units = price.transform_quantity.round === "up" ? Math.ceil(divided) : Math.floor(divided);
  }
  if (units <= 0) return 0;
  if (price.billing_scheme !== "tiered" || !price.tiers) {
    return units * decimal(price.unit_amount_decimal);
  }
  const tiers = price.tiers;
  if (price.tiers_mode === "volume") {
    const tier = tiers.find((t) => t.up_to === null || units <= t.up_to) ?? tiers[tiers.length - 1];
    return units * decimal(tier.unit_amount_decimal) + decimal(tier.flat_amount_decimal);
  }
  // graduated: each tier bills the units that fall inside it
  let amount = 0;
  let lower = 0;
  for (const tier of tiers) {
    const upper = tier.up_to ?? Infinity;
    const inTier = Math.min(units, upper) - lower;
    if (inTier <= 0) break;
    amount += inTier * decimal(tier.unit_amount_decimal) + decimal(tier.flat_amount_decimal);
    lower = upper;
  }
  return amount;
}

/** What the rules make of one recurring price: the same for every item billed at it. */
export interface PriceFacts {
  role: ItemRole;
  /** the name stripePlanNames lists: the product's, else the price's nickname, else its id */
  planName: string;
  /** billingInterval's label, e.g. "month" or "3 month" */
  interval: string;
  /** months in one billing period */
  months: number;
}

/** The facts of a recurring price (its product looked up in `products`). */
export type PriceFactsOf = (price: PriceLite) => PriceFacts;

/** Whether two prices give the same facts: the same id, product, nickname and recurrence. */
function sameFactsInputs(a: PriceLite, b: PriceLite): boolean {
  if (a === b) return true;
  const x = a.recurring!;
  const y = b.recurring!;
  return a.id === b.id && a.product === b.product && a.nickname === b.nickname &&
    x.interval === y.interval && x.interval_count === y.interval_count &&
    x.usage_type === y.usage_type;
}

/**
 * Each recurring price's facts, worked out once per price: classifying a price tries up to a
 * dozen regular expressions, and 200k items are billed at a few prices. Looked up by price id
 * (the live fetch gives every item its own price object; the daily cache, cache.ts, gives the
 * items of one price the same object), then checked against the fields the facts come from: two
 * objects of one id may differ (a price's nickname changed between reads). Valid for the given
 * products and rules only.
 */
export function priceFactsMemo(
  { products, rules }: { products: Map<string, ProductLite>; rules: RevenueRules },
): PriceFactsOf {
  const memo = new Map<string, { price: PriceLite; facts: PriceFacts }[]>();
  let last: { price: PriceLite; facts: PriceFacts } | undefined;
  return (price) => {
    if (last?.price === price) return last.facts; // consecutive items often share a price
    const known = memo.get(price.id);
    let entry = known?.find((candidate) => sameFactsInputs(candidate.price, price));
    if (entry === undefined) {
      const product = products.get(price.product);
      const recurring = price.recurring!;
      entry = {
        price,
        facts: {
          role: classifyItem(price, { product, rules }),
          planName: product?.name || price.nickname || price.id,
          interval: intervalLabel(recurring),
          months: periodMonths(recurring),
        },
      };
      if (known) known.push(entry);
      else memo.set(price.id, [entry]);
    }
    last = entry;
    return entry.facts;
  };
}

function intervalLabel(recurring: NonNullable<PriceLite["recurring"]>): string {
  return recurring.interval_count === 1
    ? recurring.interval
    : `${recurring.interval_count} ${recurring.interval}`;
}
