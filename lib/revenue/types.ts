/** The revenue stage's boundary: what the Stripe fetch (or the demo generator) hands the pipeline. */
import type pl from "nodejs-polars";
import type { WarningKinds } from "../core/warning_kinds.ts";
import type { DiscountPolicy } from "./rules.ts";

/** Monthly revenue of one Stripe customer, in USD per month, summed over its counted subscriptions. */
export interface CustomerRevenue {
  customerId: string;
  /** base + usage + all add-ons (the spec's MRR). Null when it cannot be stated in USD. */
  mrr: number | null;
  baseSubscription: number | null;
  usageCharges: number | null;
  /**
   * What discounts took off usageCharges' metered lines, every discount Stripe applied whatever
   * the discount setting counts, USD per month (0 without usage lines). Null as usageCharges.
   */
  usageDiscounts: number | null;
  addonPrompts: number | null;
  /** add-ons other than prompts plus items of unknown role */
  addonOther: number | null;
  /** recurring items only (industry MRR) */
  mrrRecurring: number | null;
  /**
   * mrrRecurring in the customer's billing currency (`currency`), in its minor units (cents for
   * EUR, yen for JPY: lib/revenue/currency.ts), summed before any conversion and rounded once: the
   * history's bridge per currency reads it exactly. 0 without recurring items; null when billed
   * in several currencies at once or a price has no amount in the subscription's currency.
   */
  mrrRecurringMinor: number | null;
  subscriptionStatus: string | null;
  billingInterval: string | null;
  currency: string | null;
  stripePlanNames: string | null;
  cancelAtPeriodEnd: boolean | null;
  /**
   * true when every counted subscription is in its first billing period at the as-of (none closed
   * since it began billing: Stripe bills metered usage at a period's end, so none was due yet);
   * false when one has closed a period or where that cannot be told (no billing anchor); null
   * without a counted subscription
   */
  firstPeriodOpen: boolean | null;
  /**
   * Pass-through-billing revenue of the export window in USD: prepaid credits bought (the Stripe
   * fee part excluded) plus postpaid PTB usage invoices. Null when unknown (no
   * PRICING_STRIPE_PTB_PRODUCT, or a currency without a rate).
   */
  ptbRevenueUsd30d: number | null;
}

/** stripe = fetched now; cache = today's cache file; demo = generated; none = skipped or failed */
export type RevenueSource = "stripe" | "cache" | "demo" | "none";

export interface RevenueResult {
  /** where these numbers came from; "none" when Stripe was skipped or failed */
  source: RevenueSource;
  byCustomer: Map<string, CustomerRevenue>;
  /**
   * The same customers as a frame (lib/revenue/customers.ts), when the revenue came from the
   * revenue worker: the pipeline reads this, and `byCustomer` is then built only when asked for.
   */
  customers?: pl.DataFrame;
  warnings: string[];
  /**
   * the kind of each of `warnings` that is not `other` (by its text: REVENUE MISSING's,
   * revenue_missing), which the export passes on with its own (PricingData.warningKinds)
   */
  warningKinds?: WarningKinds;
  /** Stripe API calls made by this run (0 on a cache hit) */
  apiCalls: number;
  durationMs: number;
  /** true when a fetch was attempted and failed (manifest flag) */
  failed: boolean;
  /**
   * Requested customer ids Stripe does not know (deleted, another account, test mode): absent
   * from `byCustomer`, so their revenue is empty; counted in `warnings`.
   */
  unknownCustomerIds?: string[];
  /** PTB revenue of the window: whether it was read, its span and total (absent when skipped) */
  ptb?: PtbSummary;
  /**
   * the rates that converted its amounts to USD (USD per unit by upper-case code: fxRatesByCode),
   * recorded in the history snapshot's sidecar; absent when nothing was read (source none)
   */
  fxRates?: Record<string, number>;
  /**
   * the discounts its amounts are net of (PRICING_STRIPE_DISCOUNTS), which the manifest and the
   * brief name: revenue-rules.md has the data dictionary state it; absent when nothing was read
   */
  discountPolicy?: DiscountPolicy;
  /**
   * the account's customers that no organization maps to, with MRR above 0 (or unknown) at the
   * as-of: in Stripe's dashboard MRR, not in the export (unmapped.ts); absent when there are none
   */
  unmappedCustomers?: UnmappedCustomers;
}

/** What the PTB revenue listing found (lib/revenue/ptb.ts). */
export interface PtbSummary {
  /** read = from Stripe (or today's cache); not_configured = PRICING_STRIPE_PTB_PRODUCT unset;
   * unknown_product = set to a product the Stripe account does not have; failed = set, but
   * Stripe's PaymentIntents could not be read (a warning says why each time) */
  status: "read" | "not_configured" | "unknown_product" | "failed";
  productId: string | null;
  windowStart: string;
  windowEnd: string;
  creditPayments: number;
  usageInvoices: number;
  /** USD; null unless read */
  totalUsd: number | null;
}

/** The revenue of the account's customers that no organization maps to, at the as-of. */
export interface UnmappedCustomers {
  /** customers with mrr > 0 (USD) */
  customers: number;
  /** their mrr (the spec's: base + usage + add-ons), USD per month */
  mrrUsd: number;
  /** their mrr_recurring (usage left out, as Stripe's dashboard), USD per month */
  mrrRecurringUsd: number;
  /** customers whose MRR cannot be stated in USD (a currency without a rate, a price without it) */
  unknownMrrCustomers: number;
  /**
   * of those, how many for each reason (one customer may have both): when computed by this run;
   * absent when read back from a manifest or snapshot sidecar, which record the count only
   */
  unknownMrrReasons?: UnknownMrrReasons;
}

/** Why unmapped customers' MRR is not stated in USD, customers counted per reason. */
export interface UnknownMrrReasons {
  /** billed in a currency PRICING_FX_RATES has no rate for */
  noFxRate: number;
  /** billed in a currency one of their prices has no amount in (its currency_options lack it) */
  noCurrencyOption: number;
}
