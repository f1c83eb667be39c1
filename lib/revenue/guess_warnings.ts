/**
 * The warnings on MRR that leans on a guess, in one wording for the mapped customers'
 * (snapshot_warnings.ts) and for the unmapped customers' (unmapped.ts), whose warnings say how many
 * of those customers each kind is about, never who: prices (an item of unknown role, a licensed
 * price of the usage role, a price including tax at a rate the subscription does not say), named;
 * subscriptions (billed before their first full period, canceled since, ended when unknown),
 * counted, the mapped customers' with examples of their ids.
 */

import { counted } from "../core/words.ts";

/** The guessed prices' ids, by kind. */
export interface GuessedPrices {
  /** items whose role could not be told (counted under addon_other) */
  unknownRole: Set<string>;
  /** licensed prices whose role is usage (counted under addon_other) */
  licensedUsage: Set<string>;
  /**
   * licensed prices holding tax at a rate the subscription does not say (counted with it, so in mrr
   * and mrr_recurring; a metered price's usage is read from invoice lines, which state their tax)
   */
  taxUnknown: Set<string>;
}

/** For the unmapped customers' prices: how many customers (MRR above $0) have a kind's prices. */
export type UnmappedCustomerCounts = Record<keyof GuessedPrices, number>;

/**
 * The column a warning is about: the mapped customers' by name; the unmapped customers' as theirs
 * ("the mrr of 2 Stripe customers that no organization's stripe_customer_id names"), since their
 * revenue has no row and the warning says whose sum it is.
 */
function columnOf(name: string, unmappedCustomers: number | undefined): string {
  return unmappedCustomers === undefined
    ? name
    : `the ${name} of ${
      counted(unmappedCustomers, "Stripe customer")
    } that no organization's stripe_customer_id names`;
}

/** One warning a kind with prices, naming them (`unmappedCustomers`: see columnOf). */
export function priceWarnings(
  prices: GuessedPrices,
  unmappedCustomers?: UnmappedCustomerCounts,
): string[] {
  const column = (name: string, kind: keyof GuessedPrices) =>
    columnOf(name, unmappedCustomers?.[kind]);
  const ids = (kind: keyof GuessedPrices) => [...prices[kind]].sort().join(", ");
  const warnings: string[] = [];
  if (prices.unknownRole.size > 0) {
    warnings.push(
      `Stripe items of unknown role counted as addon_other in ${
        column("mrr and mrr_recurring", "unknownRole")
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
        column("mrr and mrr_recurring", "taxUnknown")
      }: ${ids("taxUnknown")}`,
    );
  }
  return warnings;
}

/** Up to `count` ids, then "…": warnings name examples, not thousands of ids. */
export function examples(ids: string[], count = 5): string {
  return ids.slice(0, count).join(", ") + (ids.length > count ? ", …" : "");
}

/**
 * The subscriptions whose counting leans on a guess, by kind: the mapped customers' ids (named by
 * example), or the unmapped customers' count of subscriptions and of customers (never named).
 */
export interface GuessedSubscriptions {
  /** counted subscriptions whose first full billing period starts after the as-of */
  anchorAhead: SubscriptionsOfKind;
  /** counted subscriptions canceled after the as-of: counted as active then (status_at.ts) */
  endedSince: SubscriptionsOfKind;
  /** canceled subscriptions without ended_at that may have run at the as-of: not counted */
  endUnknown: SubscriptionsOfKind;
}

/** How many subscriptions of a kind, of how many unmapped customers. */
export interface SubscriptionCount {
  subscriptions: number;
  customers: number;
}

/** A kind's subscription ids (the mapped customers'), or their count (the unmapped customers'). */
export type SubscriptionsOfKind = string[] | SubscriptionCount;

/** One warning a kind with subscriptions, counting them; the mapped customers' name examples. */
export function subscriptionWarnings(guessed: GuessedSubscriptions): string[] {
  const warnings: string[] = [];
  const say = (
    kind: SubscriptionsOfKind,
    sentence: (count: number, column: (name: string) => string) => string,
  ) => {
    const [count, customers] = Array.isArray(kind)
      ? [kind.length, undefined]
      : [kind.subscriptions, kind.customers];
    if (count === 0) return;
    const text = sentence(count, (name) => columnOf(name, customers));
    warnings.push(Array.isArray(kind) ? `${text}: ${examples(kind.toSorted())}` : text);
  };
  say(guessed.anchorAhead, (count, column) => {
    const its = count === 1 ? "its" : "their";
    return `${counted(count, "Stripe subscription")} counted in ${
      column("mrr")
    } at ${its} full price before ${its} first full billing period (billing_cycle_anchor after the as-of; Stripe bills a prorated or free stretch until then)`;
  });
  say(guessed.endedSince, (count, column) => {
    const [it, its] = count === 1 ? ["it", "its"] : ["they", "their"];
    return `${counted(count, "Stripe subscription")} canceled after the as-of counted in ${
      column("mrr")
    } as active at the as-of, at the items and prices ${it} ended with (Stripe keeps neither ${its} earlier status nor ${its} earlier items: one unpaid or paused then reads high, one changed since at its last items)`;
  });
  say(
    guessed.endUnknown,
    (count, column) =>
      `${counted(count, "canceled Stripe subscription")} left out of ${
        column("mrr")
      }: Stripe gives no ended_at, so whether ${
        count === 1 ? "it was" : "they were"
      } live at the as-of is not known`,
  );
  return warnings;
}
