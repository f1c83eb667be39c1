/**
 * Coupons deleted in Stripe: the coupon listing no longer has them, while the discounts made from
 * them keep applying. Through the real `stripe` SDK against tests/fake_stripe.ts; figures by hand
 * (prices from tests/fixtures/stripe/scenarios.ts).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import { AS_OF, discount, PRICES, products, subscription } from "./fixtures/stripe/scenarios.ts";

const subs = [
  // 25 % off forever, its coupon deleted: its terms are on the subscription's discount (coupon
  // expanded), so it still comes off: $200 × 0.75 = $150
  subscription("cus_sub_deleted", [[PRICES.teamBundle, 1]], {
    discounts: [discount({ couponId: "co_deleted_25", percent_off: 25, duration: "forever" })],
  }),
  // an item's own 50 % off, its coupon deleted: an item's discount names its coupon by id only
  // (Stripe expands 4 levels), so it is left out: $20 × 5 = $100, with a warning
  subscription("cus_item_deleted", [[PRICES.proUsers, 5, {
    discounts: [discount({ couponId: "co_item_deleted", percent_off: 50, duration: "forever" })],
  }]]),
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

Deno.test("a deleted coupon: its terms on the discount are used; where only its id is, the discount is left out and the coupons counted in a warning", async () => {
  await withFakeStripe(async (_fake, options) => {
    for (const source of ["stripe", "cache"]) {
      const result = await loadRevenue(customers, options);
      assertEquals(result.source, source);
      assertEquals(customers.map((c) => result.byCustomer.get(c)!.mrr), [150, 100, 200]);
      assertEquals(result.warnings.filter((w) => w.includes("could not be read")), [
        "2 Stripe coupons could not be read, so the discounts made from them are left out of mrr, which may read high (a coupon deleted since: Stripe lists it no more, and an item's or a customer's discount names it by id only): coupon co_item_deleted, coupon co_stub",
      ]);
    }
    // the coupon listing holds none of them (data.coupons is empty)
  }, {
    data: { subscriptions: subs, products, invoices: [], coupons: [] },
    asOf: AS_OF,
    mode: "auto",
  });
});
