/**
 * Coupons deleted in Stripe: the coupon listing no longer has them, while the discounts made from
 * them keep applying. A subscription's discount carries its coupon's terms (expanded in the
 * listing) but not its `applies_to` (a fifth level from the listing); an item's or a customer's
 * names it by id (4 levels), so the kit reads each deleted coupon in use once off an item, the
 * subscription or the customer holding it. Through the real `stripe` SDK against
 * tests/fake_stripe.ts; figures by hand (prices from tests/fixtures/stripe/scenarios.ts:
 * pro-users $20 a seat, team_bundle $200, the prompts add-on $50).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { deletedCouponHolders } from "../lib/revenue/deleted_coupons.ts";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  discount,
  type Json,
  PRICES,
  products,
  subscription,
} from "./fixtures/stripe/scenarios.ts";

/** 20 % off forever, deleted in Stripe: held by two items, read once */
const itemCoupon = { couponId: "co_item_deleted_20", percent_off: 20, duration: "forever" };
/** $10 off forever, deleted in Stripe: a customer's own discount */
const customerDiscount = discount({
  id: "di_customer_10",
  couponId: "co_customer_deleted_10",
  amount_off: 1000,
  duration: "forever",
});

const subs = [
  // 25 % off forever on the subscription, its coupon deleted: the listing expands it with its
  // terms: $200 × 0.75 = $150
  subscription("cus_sub_deleted", [[PRICES.teamBundle, 1]], {
    discounts: [discount({ couponId: "co_deleted_25", percent_off: 25, duration: "forever" })],
  }),
  // 50 % off forever limited to the prompts add-on, deleted: the listing embeds it without its
  // applies_to, which the subscription read brings: $200 + $50 × 0.5 = $225 (not $125, 50 % off
  // both)
  subscription("cus_sub_limited", [[PRICES.teamBundle, 1], [PRICES.prompts, 1]], {
    discounts: [discount({
      couponId: "co_deleted_prompts_50",
      percent_off: 50,
      duration: "forever",
      applies_to: { products: ["prod_prompts"] },
    })],
  }),
  // an item's own discount of the deleted 20 % coupon: $20 × 5 × 0.8 = $80
  subscription("cus_item_deleted", [[PRICES.proUsers, 5, {
    discounts: [discount(itemCoupon)],
  }]]),
  // the same deleted coupon on another customer's item (no second lookup): $200 × 0.8 = $160
  subscription("cus_item_deleted_too", [[PRICES.teamBundle, 1, {
    discounts: [discount(itemCoupon)],
  }]]),
  // the customer's own discount of the deleted $10 coupon, on a subscription without one of its
  // own: $200 − $10 = $190
  subscription("cus_customer_deleted", [[PRICES.teamBundle, 1]]),
  // a coupon shown as a stub without terms ({id, deleted}): unreadable, never 0 % off: $200
  subscription("cus_stub", [[PRICES.teamBundle, 1]], {
    discounts: [{
      id: "di_stub",
      object: "discount",
      source: { type: "coupon", coupon: { id: "co_stub", object: "coupon", deleted: true } },
      end: null,
    }],
  }),
];
const customers = subs.map((s) => s.customer);
const accountCustomers: Json[] = customers.map((id) => ({
  id,
  object: "customer",
  ...(id === "cus_customer_deleted" ? { discount: customerDiscount } : {}),
}));

Deno.test("a deleted coupon is read once off a holder, with its applies_to (a subscription's own discount too); a stub without terms is left out and warned of", async () => {
  await withFakeStripe(async (fake, options) => {
    const first = await loadRevenue(customers, options);
    assertEquals(first.source, "stripe");
    // one retrieval per distinct deleted coupon: the subscriptions holding the 25 %, the
    // prompts-only and the stub ones, the first item holding the 20 % one, the customer holding
    // the $10 one, each with the coupon's expandable fields
    const lookups = fake.log
      .filter((r) => /^\/v1\/(subscriptions|subscription_items|customers)\/[^/]+$/.test(r.path))
      .map((r) =>
        `${r.path} ${
          [...r.params].filter(([k]) => k.startsWith("expand[")).map(([, v]) => v).join(" ")
        }`
      ).sort();
    const itemId = subs[2].items.data[0].id;
    const bySubscription = (customer: string) =>
      `/v1/subscriptions/${
        subs.find((s) => s.customer === customer)!.id
      } discounts.source.coupon.applies_to discounts.source.coupon.currency_options`;
    assertEquals(
      lookups,
      [
        "/v1/customers/cus_customer_deleted discount.source.coupon.applies_to discount.source.coupon.currency_options",
        `/v1/subscription_items/${itemId} discounts.source.coupon.applies_to discounts.source.coupon.currency_options`,
        bySubscription("cus_sub_deleted"),
        bySubscription("cus_sub_limited"),
        bySubscription("cus_stub"),
      ].sort(),
    );
    const calls = fake.requests.length;
    const cached = await loadRevenue(customers, options);
    assertEquals(cached.source, "cache");
    assertEquals(fake.requests.length, calls, "the coupons' terms are cached");
    for (const result of [first, cached]) {
      assertEquals(
        customers.map((c) => result.byCustomer.get(c)!.mrr),
        [150, 225, 80, 160, 190, 200],
      );
      assertEquals(result.warnings.filter((w) => w.includes("could not be read")), [
        "1 Stripe coupon could not be read, so the discounts made from it are left out of mrr, which may read high (a coupon deleted since, which the coupon listing no longer has, shown without its terms on the discount and on the item, subscription or customer holding it): coupon co_stub",
      ]);
    }
    // the coupon listing holds none of them (data.coupons is empty)
  }, {
    data: { subscriptions: subs, products, invoices: [], coupons: [], customers: accountCustomers },
    asOf: AS_OF,
    mode: "auto",
  });
});

Deno.test("a deleted coupon is read off a running subscription's item first, then a subscription holding it, then the customer, then an ended subscription's item", () => {
  const itemWith = (id: string, couponId: string) => ({
    id,
    discounts: [{ id: `di_${id}`, source: { type: "coupon", coupon: couponId } }],
  });
  const sub = (
    status: string,
    items: Json[],
    customer: Json = "cus_x",
    discounts: Json[] = [],
  ) => ({
    id: `sub_${status}_${items.map((i) => i.id).join("_")}`,
    status,
    customer,
    discounts,
    items: { data: items },
  });
  /** a subscription's own discount: its coupon embedded with its terms, not its applies_to */
  const own = (couponId: string) => ({
    id: `di_own_${couponId}`,
    source: { type: "coupon", coupon: { id: couponId, percent_off: 10, duration: "forever" } },
  });
  const holders = deletedCouponHolders([
    // co_a: on an ended subscription's item, then a running one's: the running one's
    sub("canceled", [itemWith("si_ended_a", "co_a"), itemWith("si_ended_b", "co_b")]),
    sub("active", [itemWith("si_live_a", "co_a")]),
    // co_b: on the ended item above and a customer's own discount: the customer
    sub("active", [], {
      id: "cus_b",
      discount: { id: "di_cus_b", source: { type: "coupon", coupon: "co_b" } },
    }),
    // co_c: only on an ended subscription's item; co_listed: in the listing, no lookup
    sub("incomplete_expired", [itemWith("si_ended_c", "co_c"), itemWith("si_x", "co_listed")]),
    // co_d: a canceled subscription's own discount (retrievable whatever its status) and a
    // customer's: the subscription; co_a here too, but a running item holds it; co_listed
    // embedded: listed, no lookup
    sub("canceled", [], {
      id: "cus_d",
      discount: { id: "di_cus_d", source: { type: "coupon", coupon: "co_d" } },
    }, [own("co_d"), own("co_a"), own("co_listed")]),
  ], [{ id: "co_listed" }]);
  assertEquals(Object.fromEntries(holders), {
    co_a: { kind: "item", id: "si_live_a" },
    co_b: { kind: "customer", id: "cus_b" },
    co_c: { kind: "item", id: "si_ended_c" },
    co_d: { kind: "subscription", id: "sub_canceled_" },
  });
});
