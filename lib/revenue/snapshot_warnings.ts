/**
 * The revenue stage's warnings about what the snapshot's customers left unknown or assumed:
 * worded for the brief, with how many customers each is about and examples of their ids.
 */
import { counted } from "../core/words.ts";
import {
  examples,
  type GuessedPrices,
  priceWarnings,
  subscriptionWarnings,
} from "./guess_warnings.ts";

/** What the customers' revenue left open, gathered by revenueFromSnapshot. */
export interface RevenueFindings {
  /** prices whose MRR leans on a guess (role, tax), by kind */
  prices: GuessedPrices;
  /** counted subscriptions whose first full billing period starts after the as-of */
  anchorAheadSubscriptions: string[];
  /** counted subscriptions canceled after the as-of: counted as active then (status_at.ts) */
  endedSinceSubscriptions: string[];
  /** canceled subscriptions without ended_at that may have run at the as-of: not counted */
  endUnknownSubscriptions: string[];
  /** currencies without a rate, and how many customers they left empty */
  unconverted: Set<string>;
  unconvertedCustomers: number;
  /** prices with no amount in their subscription's currency, and the customers they left empty */
  foreignPrices: Set<string>;
  foreignPriceCustomers: number;
  /** requested customers without a subscription that the call bound left unchecked */
  unverified: string[];
  unreadableDiscounts: string[];
  /** requested customers Stripe does not know, and which of them it said were deleted */
  unknownCustomerIds: string[];
  deletedCustomerIds: Set<string>;
}

const sortedList = (values: Set<string>) => [...values].sort().join(", ");

export function revenueWarnings(found: RevenueFindings): string[] {
  const warnings = priceWarnings(found.prices);
  warnings.push(...subscriptionWarnings({
    anchorAhead: found.anchorAheadSubscriptions,
    endedSince: found.endedSinceSubscriptions,
    endUnknown: found.endUnknownSubscriptions,
  }));
  if (found.unconverted.size > 0) {
    warnings.push(
      `revenue left empty for ${counted(found.unconvertedCustomers, "customer")} billed in ${
        found.unconverted.size === 1 ? "a currency" : "currencies"
      } without a rate to USD (${
        sortedList(found.unconverted)
      }): set PRICING_FX_RATES (e.g. EUR:1.08) to convert`,
    );
  }
  if (found.foreignPrices.size > 0) {
    warnings.push(
      `revenue left empty for ${
        counted(found.foreignPriceCustomers, "customer")
      } billed in another currency than a price's own, where the price has no amount in that currency (currency_options): ${
        sortedList(found.foreignPrices)
      }`,
    );
  }
  const unverified = found.unverified;
  if (unverified.length > 0) {
    warnings.push(
      `${
        unverified.length.toLocaleString("en-US")
      } stripe_customer_id values without a subscription were not checked against Stripe (the call bound was spent): shown with revenue 0, though Stripe may not know them (e.g. ${
        examples(unverified)
      })`,
    );
  }
  const unreadable = found.unreadableDiscounts;
  if (unreadable.length > 0) {
    warnings.push(
      `${
        counted(unreadable.length, "Stripe coupon")
      } could not be read, so the discounts made from ${
        unreadable.length === 1 ? "it" : "them"
      } are left out of mrr, which may read high (a coupon deleted since, which the coupon listing no longer has, shown without its terms on the discount and on the item, subscription or customer holding it): ${
        examples(unreadable)
      }`,
    );
  }
  if (found.unknownCustomerIds.length > 0) warnings.push(unknownCustomersWarning(found));
  return warnings;
}

/**
 * Customers Stripe does not know, those it said were deleted (a churned customer: its
 * subscriptions were canceled) told apart from those it never found (an id of another account or
 * mode, a typo; or deleted, which a listing of the account's customers does not tell).
 */
function unknownCustomersWarning(
  { unknownCustomerIds: ids, deletedCustomerIds }: RevenueFindings,
): string {
  const deleted = ids.filter((id) => deletedCustomerIds.has(id)).length;
  const notFound = ids.length - deleted;
  const notFoundWhy = "from another account or test mode, or deleted";
  const why = deleted === 0
    ? "deleted, or from another account or test mode"
    : notFound === 0
    ? `deleted in Stripe, ${deleted === 1 ? "its" : "their"} subscriptions canceled`
    : `${deleted.toLocaleString("en-US")} deleted in Stripe, ${
      notFound.toLocaleString("en-US")
    } not found: ${notFoundWhy}`;
  const [values, their] = ids.length === 1 ? ["value is", "its"] : ["values are", "their"];
  return `${
    ids.length.toLocaleString("en-US")
  } stripe_customer_id ${values} unknown to this Stripe account (${why}): ${their} revenue is empty (e.g. ${
    examples(ids)
  })`;
}
