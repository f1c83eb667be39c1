/**
 * The warnings on guessed prices and subscriptions (lib/revenue/guess_warnings.ts) say the same of
 * the mapped customers' and of the unmapped customers': one sentence a kind, the unmapped
 * customers' naming whose sum it is (how many customers, never who, nor their subscriptions) where
 * the mapped customers' name the column.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  type GuessedPrices,
  priceWarnings,
  subscriptionWarnings,
} from "../lib/revenue/guess_warnings.ts";

const prices = (): GuessedPrices => ({
  unknownRole: new Set(["price_b", "price_a"]),
  licensedUsage: new Set(["price_storage"]),
  taxUnknown: new Set(["price_tax"]),
});

Deno.test("price warnings: the mapped customers' name the column, the prices sorted", () => {
  assertEquals(priceWarnings(prices()), [
    "Stripe items of unknown role counted as addon_other in mrr and mrr_recurring (map them with PRICING_STRIPE_PRICE_ROLES): price_a, price_b",
    "Stripe licensed (not metered) prices with the usage role counted as addon_other in mrr_recurring, since usage_charges are metered lines only (give them base, addon_prompts or addon_other in PRICING_STRIPE_PRICE_ROLES): price_storage",
    "Stripe prices that include tax at a rate the subscription does not say (automatic tax on a tax-inclusive price) counted with their tax in mrr and mrr_recurring: price_tax",
  ]);
});

Deno.test("price warnings: the unmapped customers' say the same, in whose sum and how many", () => {
  const whose = (n: string) => `${n} that no organization's stripe_customer_id names`;
  assertEquals(
    priceWarnings(prices(), { unknownRole: 2, licensedUsage: 1, taxUnknown: 1_200 }),
    [
      `Stripe items of unknown role counted as addon_other in the mrr and mrr_recurring of ${
        whose("2 Stripe customers")
      } (map them with PRICING_STRIPE_PRICE_ROLES): price_a, price_b`,
      `Stripe licensed (not metered) prices with the usage role counted as addon_other in the mrr_recurring of ${
        whose("1 Stripe customer")
      }, since usage_charges are metered lines only (give them base, addon_prompts or addon_other in PRICING_STRIPE_PRICE_ROLES): price_storage`,
      `Stripe prices that include tax at a rate the subscription does not say (automatic tax on a tax-inclusive price) counted with their tax in the mrr and mrr_recurring of ${
        whose("1,200 Stripe customers")
      }: price_tax`,
    ],
  );
});

Deno.test("price warnings: a kind without prices says nothing", () => {
  const none: GuessedPrices = {
    unknownRole: new Set(),
    licensedUsage: new Set(),
    taxUnknown: new Set(),
  };
  assertEquals(priceWarnings(none), []);
  assertEquals(priceWarnings(none, { unknownRole: 0, licensedUsage: 0, taxUnknown: 0 }), []);
});

Deno.test("subscription warnings: the mapped customers' count them and name up to five, sorted", () => {
  const ids = ["sub_f", "sub_e", "sub_d", "sub_c", "sub_b", "sub_a"];
  assertEquals(subscriptionWarnings({ anchorAhead: ["sub_x"], endedSince: ids, endUnknown: [] }), [
    "1 Stripe subscription counted in mrr at its full price before its first full billing period (billing_cycle_anchor after the as-of; Stripe bills a prorated or free stretch until then): sub_x",
    "6 Stripe subscriptions canceled after the as-of counted in mrr as active at the as-of, at the items and prices they ended with (Stripe keeps neither their earlier status nor their earlier items: one unpaid or paused then reads high, one changed since at its last items): sub_a, sub_b, sub_c, sub_d, sub_e, …",
  ]);
});

Deno.test("subscription warnings: the unmapped customers' say the same, counted, in whose sum, no id", () => {
  const whose = (n: string) => `${n} that no organization's stripe_customer_id names`;
  assertEquals(
    subscriptionWarnings({
      anchorAhead: { subscriptions: 3, customers: 2 },
      endedSince: { subscriptions: 0, customers: 0 },
      endUnknown: { subscriptions: 1, customers: 1 },
    }),
    [
      `3 Stripe subscriptions counted in the mrr of ${
        whose("2 Stripe customers")
      } at their full price before their first full billing period (billing_cycle_anchor after the as-of; Stripe bills a prorated or free stretch until then)`,
      `1 canceled Stripe subscription left out of the mrr of ${
        whose("1 Stripe customer")
      }: Stripe gives no ended_at, so whether it was live at the as-of is not known`,
    ],
  );
});
