/**
 * A discount counts from its `start` (when it was applied): Stripe holds today's discounts, so at
 * a past as-of one applied since was not there yet. Through the real `stripe` SDK against
 * tests/fake_stripe.ts; figures by hand (prices from tests/fixtures/stripe/scenarios.ts: pro-users
 * $20 a seat, team_bundle $200), read at 2026-10-01 (before the discounts applied on 10-15) and at
 * 2026-11-01 (after).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  coupons,
  discount,
  PRICES,
  products,
  subscription,
} from "./fixtures/stripe/scenarios.ts";

const at = (iso: string) => Date.parse(iso) / 1000;
const BEFORE = new Date("2026-10-01T00:00:00Z");
/** the discounts applied after BEFORE, before AS_OF (2026-11-01) */
const applied = at("2026-10-15T00:00:00Z");
const startingAt = <T extends object>(start: number, d: T) => ({ ...d, start });

const subs = [
  // 25 % off forever from 10-15: $200 on 10-01, $150 on 11-01
  subscription("cus_sub_later", [[PRICES.teamBundle, 1]], {
    discounts: [
      startingAt(applied, discount({ couponId: "co_25", percent_off: 25, duration: "forever" })),
    ],
  }),
  // an item's 20 % off from 10-15: $20 × 5 = $100 on 10-01, $80 on 11-01
  subscription("cus_item_later", [[PRICES.proUsers, 5, {
    discounts: [
      startingAt(applied, discount({ couponId: "co_20", percent_off: 20, duration: "forever" })),
    ],
  }]]),
  // its own 50 % off from 10-15, the customer's $10 off since January: on 10-01 the subscription
  // had no discount of its own, so the customer's applied: $190; on 11-01 its own: $100
  subscription("cus_own_later", [[PRICES.teamBundle, 1]], {
    discounts: [
      startingAt(applied, discount({ couponId: "co_50", percent_off: 50, duration: "forever" })),
    ],
  }),
  // applied 2026-01-01: $200 − $10 = $190 at both
  subscription("cus_customer_earlier", [[PRICES.teamBundle, 1]]),
];
const customers = subs.map((s) => s.customer);
const customerTen = startingAt(
  at("2026-01-01T00:00:00Z"),
  discount({ couponId: "co_10", amount_off: 1000, duration: "forever" }),
);
const accountCustomers = customers.map((id) => ({
  id,
  object: "customer",
  ...(id === "cus_own_later" || id === "cus_customer_earlier" ? { discount: customerTen } : {}),
}));

Deno.test("a discount counts from its start: at an as-of before it was applied, not (a customer's own then stands in)", async () => {
  await withFakeStripe(async (_fake, options) => {
    for (
      const [asOf, expected] of [[BEFORE, [200, 100, 190, 190]], [AS_OF, [
        150,
        80,
        100,
        190,
      ]]] as const
    ) {
      for (const source of ["stripe", "cache"]) {
        const result = await loadRevenue(customers, { ...options, asOf });
        assertEquals(result.source, source);
        assertEquals(customers.map((c) => result.byCustomer.get(c)!.mrr), expected);
      }
    }
  }, {
    data: { subscriptions: subs, products, invoices: [], coupons, customers: accountCustomers },
    asOf: AS_OF,
    mode: "auto",
  });
});
