/**
 * The guessed prices' warnings (lib/revenue/price_warnings.ts) say the same of the mapped
 * customers' prices and of the unmapped customers': one sentence a kind, the unmapped customers'
 * naming whose sum it is (how many customers, never who) where the mapped customers' name the column.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { type GuessedPrices, priceWarnings } from "../lib/revenue/price_warnings.ts";

const prices = (): GuessedPrices => ({
  unknownRole: new Set(["price_b", "price_a"]),
  licensedUsage: new Set(["price_storage"]),
  taxUnknown: new Set(["price_tax"]),
});

Deno.test("price warnings: the mapped customers' name the column, the prices sorted", () => {
  assertEquals(priceWarnings(prices()), [
    "Stripe items of unknown role counted as addon_other in mrr (map them with PRICING_STRIPE_PRICE_ROLES): price_a, price_b",
    "Stripe licensed (not metered) prices with the usage role counted as addon_other in mrr_recurring, since usage_charges are metered lines only (give them base, addon_prompts or addon_other in PRICING_STRIPE_PRICE_ROLES): price_storage",
    "Stripe prices that include tax at a rate the subscription does not say (automatic tax on a tax-inclusive price) counted with their tax in mrr: price_tax",
  ]);
});

Deno.test("price warnings: the unmapped customers' say the same, in whose sum and how many", () => {
  const whose = (n: string) => `${n} that no organization's stripe_customer_id names`;
  assertEquals(
    priceWarnings(prices(), { unknownRole: 2, licensedUsage: 1, taxUnknown: 1_200 }),
    [
      `Stripe items of unknown role counted as addon_other in the mrr of ${
        whose("2 Stripe customers")
      } (map them with PRICING_STRIPE_PRICE_ROLES): price_a, price_b`,
      `Stripe licensed (not metered) prices with the usage role counted as addon_other in the mrr_recurring of ${
        whose("1 Stripe customer")
      }, since usage_charges are metered lines only (give them base, addon_prompts or addon_other in PRICING_STRIPE_PRICE_ROLES): price_storage`,
      `Stripe prices that include tax at a rate the subscription does not say (automatic tax on a tax-inclusive price) counted with their tax in the mrr of ${
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
