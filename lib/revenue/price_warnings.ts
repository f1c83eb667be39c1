/**
 * The warnings on prices whose MRR leans on a guess (an item of unknown role, a licensed price of
 * the usage role, a price including tax at a rate the subscription does not say), in one wording
 * for the mapped customers' (snapshot_warnings.ts) and for the unmapped customers' (unmapped.ts),
 * whose warnings add how many of those customers each kind is about: never who.
 */

/** The guessed prices' ids, by kind. */
export interface GuessedPrices {
  /** items whose role could not be told (counted under addon_other) */
  unknownRole: Set<string>;
  /** licensed prices whose role is usage (counted under addon_other) */
  licensedUsage: Set<string>;
  /** prices holding tax at a rate the subscription does not say (counted with it) */
  taxUnknown: Set<string>;
}

/** For the unmapped customers' prices: how many customers (MRR above $0) have a kind's prices. */
export type UnmappedCustomerCounts = Record<keyof GuessedPrices, number>;

/**
 * One warning a kind with prices, naming them. With `unmappedCustomers`, the column is that of
 * those customers ("the mrr of 2 Stripe customers that no organization's stripe_customer_id
 * names"): their revenue has no row, so the warning says whose sum it is.
 */
export function priceWarnings(
  prices: GuessedPrices,
  unmappedCustomers?: UnmappedCustomerCounts,
): string[] {
  const column = (name: string, kind: keyof GuessedPrices) => {
    if (!unmappedCustomers) return name;
    const customers = unmappedCustomers[kind];
    return `the ${name} of ${customers.toLocaleString("en-US")} Stripe customer${
      customers === 1 ? "" : "s"
    } that no organization's stripe_customer_id names`;
  };
  const ids = (kind: keyof GuessedPrices) => [...prices[kind]].sort().join(", ");
  const warnings: string[] = [];
  if (prices.unknownRole.size > 0) {
    warnings.push(
      `Stripe items of unknown role counted as addon_other in ${
        column("mrr", "unknownRole")
      } (map them with PRICING_STRIPE_PRICE_ROLES): ${ids("unknownRole")}`,
    );
  }
  if (prices.licensedUsage.size > 0) {
    warnings.push(
      `Stripe licensed (not metered) prices with the usage role counted as addon_other in ${
        column("mrr_recurring", "licensedUsage")
      }, since usage_charges are metered lines only (give them base, addon_prompts or addon_other in PRICING_STRIPE_PRICE_ROLES): ${
        ids("licensedUsage")
      }`,
    );
  }
  if (prices.taxUnknown.size > 0) {
    warnings.push(
      `Stripe prices that include tax at a rate the subscription does not say (automatic tax on a tax-inclusive price) counted with their tax in ${
        column("mrr", "taxUnknown")
      }: ${ids("taxUnknown")}`,
    );
  }
  return warnings;
}
