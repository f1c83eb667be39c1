/**
 * Coupons deleted in Stripe that discounts still apply. Deleting a coupon stops new redemptions
 * only: the discounts made from it keep coming off invoices, but the coupon listing no longer has
 * it, and an item's or a customer's discount names its coupon by id (the subscription listing's
 * expansions stop at 4 levels: `data.items.data.discounts`, `data.customer`). A subscription's
 * own discount does embed it (`data.discounts.source.coupon`) with its terms, but without
 * `applies_to` and `currency_options`, which Stripe includes only when expanded, and
 * `data.discounts.source.coupon.applies_to` is a fifth level: embedded, a coupon limited to
 * products would read as every product's. Stripe still expands a deleted coupon on the objects
 * that hold it, so each one in use is read off one of them, with its `applies_to` and
 * `currency_options` as the listing expands them: a subscription item holding it
 * (`discounts.source.coupon`), the subscription (its own discount: `discounts.source.coupon`,
 * retrievable whatever its status), else the customer (`discount.source.coupon`) — one call per
 * distinct coupon, under the concurrency setting. The live fetch and the invoice backfill both
 * read them through here.
 */
import { isMissing, type Json, type StripeReader } from "./reader.ts";
import { discountCouponRef, hasTerms } from "./stripe_objects.ts";
import { ENDED_STATUSES } from "./subscription_fields.ts";

/** Who holds a coupon to read it off: a subscription item, a subscription or a customer (their
 * own discount). */
type Holder = { kind: "item" | "subscription" | "customer"; id: string };

/** The expansions that bring a discount's coupon with what the coupon listing expands. */
const couponExpansions = (discountPath: string) => [
  `${discountPath}.source.coupon.applies_to`,
  `${discountPath}.source.coupon.currency_options`,
];

/** A discount's coupon id (an id, or an embedded coupon's: its applies_to is not embedded). */
function couponIdOf(discount: Json): string | null {
  if (!discount || typeof discount !== "object") return null; // an unexpanded discount: no coupon
  const ref = discountCouponRef(discount);
  if (typeof ref === "string") return ref || null;
  return ref && typeof ref === "object" && ref.id ? String(ref.id) : null;
}

/**
 * The coupons discounts name that the listing (`listed`) does not hold (deleted), each with a
 * holder to read it off: the first item of a running subscription holding it, else the first
 * subscription holding it as its own discount, else the first customer (not deleted), else the
 * first item of an ended subscription; in the subscriptions' order. A subscription's discount
 * that embeds the coupon's terms still needs it: its `applies_to` is not embedded.
 */
export function deletedCouponHolders(
  subscriptions: Json[],
  listed: Json[],
): Map<string, Holder> {
  const known = new Set(listed.map((c) => String(c.id)));
  const holders = new Map<string, Holder>();
  const note = (discount: Json, holder: Holder) => {
    const id = couponIdOf(discount);
    if (id && !known.has(id) && !holders.has(id)) holders.set(id, holder);
  };
  const items = (ended: boolean) => {
    for (const subscription of subscriptions) {
      if (ENDED_STATUSES.has(String(subscription.status)) !== ended) continue;
      for (const item of subscription.items?.data ?? []) {
        for (const discount of Array.isArray(item.discounts) ? item.discounts : []) {
          note(discount, { kind: "item", id: String(item.id) });
        }
      }
    }
  };
  items(false);
  for (const subscription of subscriptions) {
    for (const discount of Array.isArray(subscription.discounts) ? subscription.discounts : []) {
      note(discount, { kind: "subscription", id: String(subscription.id) });
    }
  }
  for (const subscription of subscriptions) {
    const customer = subscription.customer;
    if (customer && typeof customer === "object" && customer.discount && !customer.deleted) {
      note(customer.discount, { kind: "customer", id: String(customer.id) });
    }
  }
  items(true);
  return holders;
}

/**
 * The deleted coupons in use, as coupon objects with their terms, `applies_to` and
 * `currency_options` (to add to the listed ones, over the coupons subscriptions' discounts
 * embed): one retrieval of a holder each. A holder gone since the listing (404), or a coupon it
 * shows without terms, gives nothing: a subscription's discount then keeps its embedded coupon
 * (read as every product's), the others stay unreadable and are warned of.
 */
export async function lookUpDeletedCoupons(
  reader: StripeReader,
  { subscriptions, listed }: { subscriptions: Json[]; listed: Json[] },
): Promise<Json[]> {
  const holders = deletedCouponHolders(subscriptions, listed);
  const found = await Promise.all(
    [...holders].map(async ([couponId, holder]) => {
      const discounts = await readHolderDiscounts(reader, holder);
      const coupon = discounts.map(discountCouponRef).find((ref) =>
        ref && typeof ref === "object" && String(ref.id) === couponId && hasTerms(ref)
      );
      return coupon ?? null;
    }),
  );
  return found.filter((coupon) => coupon !== null);
}

/** The discounts of a holder, their coupons expanded; none when Stripe no longer has it. */
async function readHolderDiscounts(reader: StripeReader, holder: Holder): Promise<Json[]> {
  const { stripe } = reader;
  try {
    if (holder.kind === "subscription") {
      const subscription = await reader.request(
        "deleted_coupons",
        () => stripe.subscriptions.retrieve(holder.id, { expand: couponExpansions("discounts") }),
      );
      return Array.isArray(subscription.discounts) ? subscription.discounts : [];
    }
    if (holder.kind === "item") {
      const item = await reader.request(
        "deleted_coupons",
        () =>
          stripe.subscriptionItems.retrieve(holder.id, { expand: couponExpansions("discounts") }),
      );
      return Array.isArray(item.discounts) ? item.discounts : [];
    }
    const customer: Json = await reader.request(
      "deleted_coupons",
      () => stripe.customers.retrieve(holder.id, { expand: couponExpansions("discount") }),
    );
    return customer?.discount ? [customer.discount] : [];
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}
