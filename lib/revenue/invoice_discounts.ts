/**
 * The discounts a backfill reads from the invoices themselves (invoice_fetch.ts): an invoice lists
 * its own discounts (`discounts`: the customer's and the subscription's) and each line its item's
 * (`lines.data.discounts`), expandable to discount objects in the listing (`data.discounts`,
 * `data.lines.data.discounts`: four levels, Stripe's limit). They stay on the invoice when no
 * subscription lists them any more — a deleted customer's own discount, a once coupon used up, a
 * repeating one ended, one removed — as deleted discounts: the coupon and `start`, no `end`.
 * Without them such a discount's lines could only be counted at the price before it, and said.
 */
import { type CouponBook, type DiscountLite, discountsLite } from "./stripe_objects.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** Unix seconds `months` calendar months after `start` (UTC), the day kept or the month's last. */
function monthsAfter(start: number, months: number): number {
  const date = new Date(start * 1000);
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
  const lastDay = new Date(
    Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0),
  ).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  target.setUTCHours(date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds());
  return target.getTime() / 1000;
}

/**
 * The expanded discounts of `invoices` and their lines, as the revenue rules read them, and the
 * ids of those a line lists (an item's own: a proration takes them off its price). A coupon is
 * looked up in `book` (the coupon listing: a deleted coupon, which no listing returns, leaves its
 * discount out, still unknown). A deleted repeating discount has no `end`: it is `start` plus its
 * coupon's `duration_in_months` (`couponMonths`), the end Stripe gives a repeating discount, else
 * it is left out (whether it counts cannot be told). Ids discounts are not expanded stay out.
 */
export function invoiceDiscountsLite(
  invoices: Json[],
  { book, couponMonths }: { book: CouponBook; couponMonths: Map<string, number> },
): { discounts: DiscountLite[]; itemDiscounts: string[] } {
  // a coupon not found here is not an unreadable discount of a subscription (no warning of its
  // own): its lines stay in the vanished-discount warning
  const lookup: CouponBook = { coupons: book.coupons, unresolved: new Set() };
  const found = new Map<string, DiscountLite>();
  const itemDiscounts = new Set<string>();
  const read = (list: Json, itemLevel: boolean) => {
    for (const discount of Array.isArray(list) ? list : []) {
      if (!discount || typeof discount !== "object") continue;
      const [lite] = discountsLite([discount], lookup);
      if (!lite) continue;
      if (lite.end === null && lite.coupon.duration === "repeating") {
        const months = couponMonths.get(lite.coupon.id);
        if (months === undefined || typeof discount.start !== "number") continue;
        lite.end = monthsAfter(discount.start, months);
      }
      found.set(lite.id, lite);
      if (itemLevel) itemDiscounts.add(lite.id);
    }
  };
  for (const invoice of invoices) {
    read(invoice.discounts, false);
    for (const line of invoice.lines?.data ?? []) read(line.discounts, true);
  }
  return { discounts: [...found.values()], itemDiscounts: [...itemDiscounts] };
}

/** `duration_in_months` of the repeating coupons among `coupons` (listed or embedded), by id. */
export function couponMonthsOf(coupons: Json[]): Map<string, number> {
  const months = new Map<string, number>();
  for (const coupon of coupons) {
    if (coupon && typeof coupon.duration_in_months === "number") {
      months.set(String(coupon.id), coupon.duration_in_months);
    }
  }
  return months;
}
