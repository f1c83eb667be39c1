/**
 * Stripe customers no organization maps to (no organization's stripe_customer_id names them): the
 * export has no row for them, so their revenue is in Stripe's dashboard MRR and not in the
 * export's totals. Counted, never named (an analyst reconciling the two needs the gap, not who).
 */
import type { UnknownMrrReasons, UnmappedCustomers } from "./types.ts";
import type { CustomerRevenueResult } from "./mrr.ts";
import { formatUsd } from "../core/usd.ts";
import { roundToCents } from "./currency.ts";
import { someUnmapped } from "./unmapped_record.ts";
import {
  type GuessedPrices,
  type GuessedSubscriptions,
  priceWarnings,
  type SubscriptionCount,
  subscriptionWarnings,
  type UnmappedCustomerCounts,
} from "./guess_warnings.ts";

/** What the unmapped customers' revenue says, for the run's result and warnings. */
export interface UnmappedFindings {
  /**
   * their sums; null when none has MRR above 0 or unknown (then nothing is said, and outputs stay
   * as they were)
   */
  unmapped: UnmappedCustomers | null;
  /**
   * warnings on what their sums lean on, as the mapped customers' are warned of: the prices
   * counted (unknown role, licensed usage, inclusive tax unknown), named; the subscriptions
   * (billed before their first full period, canceled since, ended when unknown), counted. One a
   * kind, customers counted, never named, nor their subscriptions
   */
  guessWarnings: string[];
}

export function unmappedCustomersOf(results: Iterable<CustomerRevenueResult>): UnmappedFindings {
  let customers = 0;
  let mrr = 0;
  let recurring = 0;
  let unknown = 0;
  const reasons: UnknownMrrReasons = { noFxRate: 0, noCurrencyOption: 0 };
  const prices: GuessedPrices = {
    unknownRole: new Set(),
    licensedUsage: new Set(),
    taxUnknown: new Set(),
  };
  const customersWith: UnmappedCustomerCounts = { unknownRole: 0, licensedUsage: 0, taxUnknown: 0 };
  /** A customer's prices of one kind, its customer counted once. */
  const note = (kind: keyof GuessedPrices, priceIds: readonly string[]) => {
    if (priceIds.length === 0) return;
    customersWith[kind]++;
    for (const id of priceIds) prices[kind].add(id);
  };
  const subscriptions: Record<keyof GuessedSubscriptions, SubscriptionCount> = {
    anchorAhead: { subscriptions: 0, customers: 0 },
    endedSince: { subscriptions: 0, customers: 0 },
    endUnknown: { subscriptions: 0, customers: 0 },
  };
  /** A customer's subscriptions of one kind, counted, and the customer once. */
  const count = (kind: keyof GuessedSubscriptions, ids: readonly string[]) => {
    if (ids.length === 0) return;
    subscriptions[kind].subscriptions += ids.length;
    subscriptions[kind].customers++;
  };
  for (const result of results) {
    const revenue = result.revenue;
    // left out of the MRR, whatever it is: its customer's MRR may read low, or $0
    count("endUnknown", result.endUnknownSubscriptionIds);
    if (revenue.mrr === null) {
      unknown++;
      if (result.unconvertedCurrencies.length > 0) reasons.noFxRate++;
      if (result.foreignCurrencyPriceIds.length > 0) reasons.noCurrencyOption++;
      continue;
    }
    if (revenue.mrr <= 0) continue;
    customers++;
    mrr += revenue.mrr;
    recurring += revenue.mrrRecurring ?? 0;
    note("unknownRole", result.unknownPriceIds);
    note("licensedUsage", result.licensedUsagePriceIds);
    note("taxUnknown", result.inclusiveTaxUnknownPriceIds);
    count("anchorAhead", result.anchorAheadSubscriptionIds);
    count("endedSince", result.endedSinceSubscriptionIds);
  }
  if (customers === 0 && unknown === 0) return { unmapped: null, guessWarnings: [] };
  return {
    unmapped: {
      customers,
      mrrUsd: roundToCents(mrr),
      mrrRecurringUsd: roundToCents(recurring),
      unknownMrrCustomers: unknown,
      unknownMrrReasons: reasons,
    },
    guessWarnings: [
      ...priceWarnings(prices, customersWith),
      ...subscriptionWarnings(subscriptions),
    ],
  };
}

/** Who reads the unmapped customers' sentence: each writes names and closes it its own way. */
export type UnmappedReader =
  /** the admin page and the workbook's summary row: plain text */
  | "page"
  /** the brief, under its Totals: Markdown, names as code spans */
  | "brief"
  /** the run's warning: plain text, with what to do about it */
  | "warning";

interface Wording {
  /** a column or setting name as this reader writes it */
  name: (text: string) => string;
  /** what follows "which Stripe's dashboard MRR includes" (`them`: "it" for one customer) */
  closing: (them: string) => string;
  /** before the FX setting's name: what to do with it, if this reader is told */
  fxAction: string;
}

const WORDINGS: Record<UnmappedReader, Wording> = {
  page: { name: (text) => text, closing: () => " and no organization's row holds", fxAction: "" },
  brief: {
    name: (text) => `\`${text}\``,
    closing: () => "; add it when reconciling the two",
    fxAction: "",
  },
  warning: {
    name: (text) => text,
    closing: (them) =>
      ` and the export's totals leave out (map ${them} to an organization to include ${them})`,
    fxAction: "set ",
  },
};

/**
 * The one sentence on the unmapped customers, for every reader (the admin page, the workbook, the
 * brief, the run's warning): how many, how much, that Stripe's dashboard counts it and no row
 * holds it, and how many more have MRR not stated in USD, and why (a currency without a rate, a
 * price without an amount in the currency billed).
 */
export function unmappedCustomersSentence(
  unmapped: UnmappedCustomers,
  reader: UnmappedReader = "page",
): string {
  const { name, closing } = WORDINGS[reader];
  const { customers, unknownMrrCustomers: unknown } = unmapped;
  const unnamed = `no organization's ${name("stripe_customer_id")} names`;
  const stripeCustomers = (count: number) =>
    `${count.toLocaleString("en-US")} Stripe customer${count === 1 ? "" : "s"}`;
  const paying = customers === 0
    ? ""
    : `${stripeCustomers(customers)} that ${unnamed} had MRR above $0 at the as-of: ${
      formatUsd(unmapped.mrrUsd)
    } a month of ${name("mrr")} (${formatUsd(unmapped.mrrRecurringUsd)} of ${
      name("mrr_recurring")
    }), which Stripe's dashboard MRR includes${closing(customers === 1 ? "it" : "them")}.`;
  // "such" refers back to the paying ones; alone, the customers are said in full
  const unknownPart = unknown === 0
    ? ""
    : `${
      customers === 0
        ? `${stripeCustomers(unknown)} that ${unnamed}`
        : `${unknown.toLocaleString("en-US")} more such customer${unknown === 1 ? "" : "s"}`
    } ${unknown === 1 ? "has" : "have"} MRR ${unknownWhy(unmapped.unknownMrrReasons, reader)}`;
  return [paying, unknownPart].filter((part) => part).join(" ");
}

/**
 * Why their MRR is not stated in USD, to the sentence's end: each reason the run found (a customer
 * may have both, counted under each), or either when only the count was recorded.
 */
function unknownWhy(reasons: UnknownMrrReasons | undefined, reader: UnmappedReader): string {
  const { name, fxAction } = WORDINGS[reader];
  const noRate = `in a currency without a rate to USD (${fxAction}${name("PRICING_FX_RATES")})`;
  const noOption = "billed in another currency than a price's own, where the price has no " +
    `amount in that currency (${name("currency_options")})`;
  if (!reasons) {
    return `not stated in USD (a currency without a rate in ${
      name("PRICING_FX_RATES")
    }, or a price without an amount in the currency billed: ${
      name("currency_options")
    }), in no sum.`;
  }
  if (reasons.noCurrencyOption === 0) return `${noRate}, in no sum.`;
  if (reasons.noFxRate === 0) return `${noOption}, in no sum.`;
  const count = (n: number) => n.toLocaleString("en-US");
  return `not stated in USD, in no sum: ${count(reasons.noFxRate)} ${noRate}, ${
    count(reasons.noCurrencyOption)
  } ${noOption}.`;
}

/** The run's warning: the sentence, with what to do about it. */
export function unmappedCustomersWarning(unmapped: UnmappedCustomers): string {
  return unmappedCustomersSentence(unmapped, "warning");
}

/**
 * `warnings` without the run's warning on the unmapped customers, for a reader that shows their
 * line apart (the admin page under its cards, the workbook's KPI row, the questions notebook): said
 * once (an older record's too, whose warning said a missing rate for every unknown one). Unchanged
 * when there are none.
 */
export function withoutUnmappedWarning(
  warnings: string[],
  unmapped: UnmappedCustomers | null | undefined,
): string[] {
  if (!someUnmapped(unmapped)) return warnings;
  const again = new Set([unmappedCustomersWarning(unmapped!)]);
  // a record without the reasons is an older kit's, whose warning said a missing rate for each
  if (!unmapped!.unknownMrrReasons) {
    again.add(unmappedCustomersWarning({
      ...unmapped!,
      unknownMrrReasons: { noFxRate: unmapped!.unknownMrrCustomers, noCurrencyOption: 0 },
    }));
  }
  return warnings.filter((warning) => !again.has(warning));
}
