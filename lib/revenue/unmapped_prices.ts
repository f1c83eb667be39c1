/**
 * The warnings on the prices counted in the unmapped customers' MRR (unmapped.ts), the kinds the
 * mapped customers' prices are warned of (snapshot_warnings.ts): their figure leans on the same
 * guesses. One a kind, with how many of those customers it is about; the customers never named.
 */

/** One kind's price ids, and how many unmapped customers (with MRR above $0) have any of them. */
export interface UnmappedPriceKind {
  priceIds: Set<string>;
  customers: number;
}

export interface UnmappedPrices {
  /** items whose role could not be told (counted under addon_other) */
  unknownRole: UnmappedPriceKind;
  /** licensed prices whose role is usage (counted under addon_other) */
  licensedUsage: UnmappedPriceKind;
  /** prices holding tax at a rate the subscription does not say (counted with it) */
  taxUnknown: UnmappedPriceKind;
}

export function unmappedPriceWarnings(prices: UnmappedPrices): string[] {
  const whose = ({ customers }: UnmappedPriceKind) =>
    `${customers.toLocaleString("en-US")} Stripe customer${
      customers === 1 ? "" : "s"
    } that no organization's stripe_customer_id names`;
  const ids = ({ priceIds }: UnmappedPriceKind) => [...priceIds].sort().join(", ");
  const warnings: string[] = [];
  const { unknownRole, licensedUsage, taxUnknown } = prices;
  if (unknownRole.customers > 0) {
    warnings.push(
      `Stripe items of unknown role counted as addon_other in the mrr of ${
        whose(unknownRole)
      } (map them with PRICING_STRIPE_PRICE_ROLES): ${ids(unknownRole)}`,
    );
  }
  if (licensedUsage.customers > 0) {
    warnings.push(
      `Stripe licensed (not metered) prices with the usage role counted as addon_other in the mrr_recurring of ${
        whose(licensedUsage)
      } (give them base, addon_prompts or addon_other in PRICING_STRIPE_PRICE_ROLES): ${
        ids(licensedUsage)
      }`,
    );
  }
  if (taxUnknown.customers > 0) {
    warnings.push(
      `Stripe prices that include tax at a rate the subscription does not say (automatic tax on a tax-inclusive price) counted with their tax in the mrr of ${
        whose(taxUnknown)
      }: ${ids(taxUnknown)}`,
    );
  }
  return warnings;
}
