/**
 * Metered usage under a 100 % coupon, through the real `stripe` SDK against tests/fake_stripe.ts:
 * `usage_charges` is what the last closed period's metered lines billed net of the discounts the
 * discount setting counts (PRICING_STRIPE_DISCOUNTS), so a coupon taking all of it off reads 0
 * where the setting counts that coupon, and the line's amount where it does not. README's
 * unbilled_usage_usd reads a 0 there as usage Stripe billed nothing for: this is what it is told.
 * Figures by hand: Pro $79 a month and $30 of request volume on the invoice that closed the last
 * period, five days before the as-of.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { type DiscountPolicy, resolveRules } from "../lib/revenue/rules.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import {
  AS_OF,
  coupons,
  DAY,
  discount,
  invoice,
  type Json,
  line,
  price,
  PRICES,
  products,
  subscription,
  T,
} from "./fixtures/stripe/scenarios.ts";

const started = (discountFields: Json, end: number | null = null) => ({
  ...discount(discountFields, end),
  start: T - 60 * DAY,
});
// 100 % off forever; 100 % off for months, ending 60 days after the as-of (after the invoice
// billing the period under way, November 27); 100 % off the request volume only, forever
const FOREVER = started({
  id: "di_uf_forever",
  couponId: "co_uf_forever",
  percent_off: 100,
  duration: "forever",
});
const REPEATING = started(
  { id: "di_uf_repeating", couponId: "co_uf_repeating", percent_off: 100, duration: "repeating" },
  T + 60 * DAY,
);
const USAGE_ONLY = started({
  id: "di_uf_usage_only",
  couponId: "co_uf_usage_only",
  percent_off: 100,
  duration: "forever",
  applies_to: { products: ["prod_request_volume"] },
});

const CASES: [string, Json][] = [
  ["cus_uf_forever", FOREVER],
  ["cus_uf_repeating", REPEATING],
  ["cus_uf_usage_only", USAGE_ONLY],
];

const data = {
  subscriptions: CASES.map(([customer, off]) => ({
    ...subscription(customer, [[PRICES.pro2025, 1], [PRICES.requestVolume, null]], {
      id: `sub_${customer}`,
      discounts: [off],
    }),
    start_date: T - 90 * DAY,
    // periods from October 27: the one under way at the as-of ends November 27
    billing_cycle_anchor: T - 5 * DAY,
  })),
  products,
  coupons,
  invoices: CASES.map(([customer, off]) =>
    invoice(`in_${customer}`, customer, `sub_${customer}`, T - 5 * DAY, [
      line(`il_${customer}_volume`, "price_request_volume", 3000, `sub_${customer}`, {
        discount_amounts: [{ discount: off.id, amount: 3000 }],
      }),
    ])
  ),
};

/**
 * Each customer's [mrr, base_subscription, usage_charges] under the discount setting, or with
 * `discounts`, its usage_discounts.
 */
async function rows(policy: DiscountPolicy, { discounts = false } = {}) {
  const read: Record<string, (number | null)[]> = {};
  await withFakeStripe(async (_fake, options) => {
    const result = await loadRevenue(CASES.map(([c]) => c), options);
    for (const [customer] of CASES) {
      const row = result.byCustomer.get(customer)!;
      read[customer] = discounts
        ? [row.usageDiscounts]
        : [row.mrr, row.baseSubscription, row.usageCharges];
    }
  }, { data, asOf: AS_OF, mode: "auto", rules: resolveRules({ discountPolicy: policy }) });
  return read;
}

Deno.test("metered usage under a 100 % coupon reads 0 where the discount setting counts the coupon, and the $30 billed where it does not", async () => {
  // recurring (the default): forever and repeating both count, all off
  assertEquals(await rows("recurring"), {
    cus_uf_forever: [0, 0, 0],
    cus_uf_repeating: [0, 0, 0],
    cus_uf_usage_only: [79, 79, 0],
  });
  // forever: the repeating coupon does not count, $79 + $30
  assertEquals(await rows("forever"), {
    cus_uf_forever: [0, 0, 0],
    cus_uf_repeating: [109, 79, 30],
    cus_uf_usage_only: [79, 79, 0],
  });
  // none: list prices, $79 + $30 each
  assertEquals(await rows("none"), {
    cus_uf_forever: [109, 79, 30],
    cus_uf_repeating: [109, 79, 30],
    cus_uf_usage_only: [109, 79, 30],
  });
});

Deno.test("usage_discounts is what the coupons took off the metered lines, $30 each, under every discount setting", async () => {
  // each invoice's $30 request-volume line carries discount_amounts of 3000 cents: whichever
  // coupon took it off, and whether or not the setting counts that coupon in usage_charges
  for (const policy of ["recurring", "forever", "none"] as const) {
    assertEquals(await rows(policy, { discounts: true }), {
      cus_uf_forever: [30],
      cus_uf_repeating: [30],
      cus_uf_usage_only: [30],
    }, policy);
  }
});

/**
 * usage_discounts per month and in USD, as usage_charges: cus_ufq on a quarterly plan and
 * quarterly metered price, whose cycle invoice five days before the as-of billed $90 of request
 * volume, all taken off by a 100 % forever coupon: $90 / 3 = $30 a month; cus_ufe billed in euros,
 * €30 of request volume taken off alike: €30 × 1.1 = $33 a month. With the discounts not counted
 * (none) usage_charges is the same: $30 and $33.
 */
Deno.test("usage_discounts is per month of the metered price's period and in USD, as usage_charges", async () => {
  const off = (key: string) =>
    started({
      id: `di_uf_${key}`,
      couponId: `co_uf_${key}`,
      percent_off: 100,
      duration: "forever",
    });
  const quarterly = { interval_count: 3 };
  const euro = { currency: "eur" };
  const items = (key: string, options: Json) =>
    [
      [price("prod_pro_2025", 7900, { id: `price_pro_${key}`, ...options }), 1],
      [
        price("prod_request_volume", null, {
          id: `price_request_volume_${key}`,
          metered: true,
          ...options,
        }),
        null,
      ],
    ] as [Json, number | null][];
  const CUSTOMERS: [string, string, Json, number][] = [
    ["cus_ufq", "q", quarterly, 9000],
    ["cus_ufe", "e", euro, 3000],
  ];
  const periodData = {
    subscriptions: CUSTOMERS.map(([customer, key, options]) => ({
      ...subscription(customer, items(key, options), {
        id: `sub_${customer}`,
        discounts: [off(key)],
        currency: options.currency ?? "usd",
      }),
      start_date: T - 200 * DAY,
      billing_cycle_anchor: T - 5 * DAY,
    })),
    products,
    coupons,
    invoices: CUSTOMERS.map(([customer, key, options, cents]) =>
      invoice(
        `in_${customer}`,
        customer,
        `sub_${customer}`,
        T - 5 * DAY,
        [
          line(`il_${customer}_volume`, `price_request_volume_${key}`, cents, `sub_${customer}`, {
            currency: options.currency ?? "usd",
            discount_amounts: [{ discount: `di_uf_${key}`, amount: cents }],
          }),
        ],
        { currency: options.currency ?? "usd" },
      )
    ),
  };
  for (const policy of ["recurring", "none"] as const) {
    const read: Record<string, (number | null)[]> = {};
    await withFakeStripe(async (_fake, options) => {
      const result = await loadRevenue(CUSTOMERS.map(([c]) => c), options);
      for (const [customer] of CUSTOMERS) {
        const row = result.byCustomer.get(customer)!;
        read[customer] = [row.usageDiscounts, row.usageCharges];
      }
    }, {
      data: periodData,
      asOf: AS_OF,
      mode: "auto",
      rules: resolveRules({ discountPolicy: policy, fxRates: { eur: 1.1 } }),
    });
    assertEquals(read, {
      cus_ufq: [30, policy === "none" ? 30 : 0],
      cus_ufe: [33, policy === "none" ? 33 : 0],
    }, policy);
  }
});
