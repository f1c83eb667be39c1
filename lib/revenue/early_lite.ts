/**
 * Subscriptions converted to the snapshot's shape (subscriptionLite) as their pages come in, while
 * the listing waits on Stripe, so that snapshotFromStripeObjects finds them done: after the last
 * page it had ~70 ms of CPU left for them at 20k subscriptions, on the cold fetch's critical path,
 * while the thread sat idle between pages before. Only subscriptions whose conversion nothing done
 * later can change: no discount (the coupon book, complete only once every list is in, is read
 * for discounts alone) and no items past the embedded first page (completeSubscriptionItems
 * replaces them); fillPrices drops those whose prices it fills. A page is converted in a task of
 * its own, after the next request has gone out.
 */
import type { Json } from "./reader.ts";
import { type SubscriptionLite, subscriptionLite } from "./stripe_objects.ts";

const hasDiscounts = (list: Json) => Array.isArray(list) && list.length > 0;

/** Whether nothing after the listing can change the subscription's conversion (see above). */
function settledAtListing(subscription: Json): boolean {
  const items = subscription.items;
  if (hasDiscounts(subscription.discounts) || items?.has_more) return false;
  return !(items?.data ?? []).some((item: Json) => hasDiscounts(item?.discounts));
}

export class EarlyConversion {
  /** raw subscription → its conversion, for those settled at listing */
  readonly converted = new Map<Json, SubscriptionLite>();
  #pending: Json[][] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  // never read: a subscription without discounts does not look coupons up
  readonly #noCoupons = { coupons: new Map(), unresolved: new Set<string>() };

  /** A page as it comes in: converted in a later task. */
  add(page: Json[]): void {
    this.#pending.push(page);
    this.#timer ??= setTimeout(() => this.#convertPending(), 0);
  }

  /** The listing is over: pages not converted yet are left to the snapshot. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
  }

  /** Its conversion is stale (fillPrices filled one of its prices). */
  forget(subscription: Json): void {
    this.converted.delete(subscription);
  }

  #convertPending(): void {
    this.#timer = undefined;
    for (const page of this.#pending.splice(0)) {
      for (const subscription of page) {
        try {
          if (settledAtListing(subscription)) {
            this.converted.set(subscription, subscriptionLite(subscription, this.#noCoupons));
          }
        } catch {
          // an object it cannot convert: left to the snapshot, which fails the fetch as before
          // (thrown here, in a timer's task, it would end the process)
        }
      }
    }
  }
}
