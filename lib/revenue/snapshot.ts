/**
 * A snapshot of what the revenue rules need from one Stripe account — built from Stripe's JSON
 * objects by one pure function, used alike by the live fetch, the daily cache and the demo
 * generator — and the revenue per customer computed from it.
 */
import { computeCustomerRevenue, type CustomerRevenueResult } from "./mrr.ts";
import { priceFactsMemo } from "./price_facts.ts";
import type { RevenueRules } from "./rules.ts";
import { fxRatesByCode } from "./currency.ts";
import {
  type CouponBook,
  couponLite,
  customerDiscountsLite,
  type DiscountLite,
  embeddedCoupons,
  type ProductLite,
  productLite,
  type SubscriptionLite,
  subscriptionLite,
  type UsageLineLite,
} from "./stripe_objects.ts";
import {
  ptbCreditCharges,
  ptbInvoiceCharges,
  ptbProductProblem,
  ptbRevenue,
  type PtbSnapshot,
  ptbWindow,
} from "./ptb.ts";
import type { CustomerRevenue, RevenueResult, RevenueSource } from "./types.ts";
import { closedPeriodUsageLines } from "./usage_invoices.ts";
import { type RevenueFindings, revenueWarnings } from "./snapshot_warnings.ts";
import { unmappedCustomersOf, unmappedCustomersWarning } from "./unmapped.ts";

export interface StripeSnapshot {
  /** every subscription of the account, any status */
  subscriptions: SubscriptionLite[];
  /** customers' own discounts (customer id → discounts), for subscriptions with none */
  customerDiscounts: Record<string, DiscountLite[]>;
  products: ProductLite[];
  /** metered lines billing each subscription's last closed period: its most recent
   * billing-cycle invoice's and the period's threshold invoices' (usage_invoices.ts) */
  usageLines: UsageLineLite[];
  /** what Stripe said about customers that have no subscription at all */
  customers: {
    /** true when every customer of the account was listed: then an id not in `existing` is
     * unknown to Stripe */
    listed: boolean;
    existing: string[];
    missing: string[];
    /** of `missing`, those Stripe answered as deleted: unknown (empty revenue), but they show the
     * key reads the account that had them (absent in a snapshot made before it was recorded) */
    deleted?: string[];
    /** not checked: the call bound was spent (counted as known, revenue 0, with a warning) */
    unverified: string[];
  };
  /** discounts whose coupon could not be read (left out, reported) */
  unreadableDiscounts: string[];
  /** PTB charges read for the token-usage product; null when the product was not set */
  ptb: PtbSnapshot | null;
  /** the invoices listed (usage lines come from them), created in [since, until) (Unix
   * seconds), and the usage look-back (days) that longer billing periods stretch; absent in a
   * snapshot made before it was recorded, the look-back absent in one made before long periods
   * were read further back (either way it answers no range) */
  invoiceRange?: { since: number; until: number; usageLookbackDays?: number };
}

// deno-lint-ignore no-explicit-any
type Json = any;

/** Stripe's JSON objects, lists complete (items and lines followed past `has_more`). */
export interface StripeObjects {
  subscriptions: Json[];
  products: Json[];
  /** invoices created in the usage look-back window */
  invoices: Json[];
  /** invoices created before `invoices`' range: those of subscriptions billed over more than a
   * month within their own look-back (longCycleLookbacks), and the threshold invoices of a closed
   * period that started before the invoices listed for it (periodsBeforeListing) */
  earlierInvoices?: Json[];
  /** every coupon, applies_to and currency_options expanded: those listed, and the deleted ones
   * discounts still apply (read off a holder: deleted_coupons.ts) */
  coupons: Json[];
  /** prices named by usage invoices' lines that no subscription holds (swapped off): whether
   * they are metered (absent: none looked up) */
  usagePrices?: Json[];
  /** PTB: the token-usage product, the span read, and its PaymentIntents (absent: not set) */
  ptb?: { productId: string; since: number; until: number; paymentIntents: Json[] };
  /** subscriptions already converted (subscriptionLite) as their pages came in, by object: those
   * nothing after the listing changed (early_lite.ts) */
  converted?: ReadonlyMap<Json, SubscriptionLite>;
}

/**
 * The snapshot of the given objects. Metered usage: the metered lines (whatever price they are on
 * now) billing each subscription's last closed period (usage_invoices.ts). The customer part is
 * left empty (the fetch fills it).
 */
export function snapshotFromStripeObjects(
  objects: StripeObjects,
  { asOf, usageLookbackDays }: { asOf: Date; usageLookbackDays: number },
): StripeSnapshot {
  // Listed coupons (applies_to expanded) and deleted ones read off a holder over embedded ones;
  // an embedded one (no applies_to) only stands in when that holder was gone.
  const coupons = embeddedCoupons(objects.subscriptions);
  for (const c of objects.coupons) coupons.set(String(c.id), couponLite(c));
  const book: CouponBook = { coupons, unresolved: new Set() };

  const usageLines = closedPeriodUsageLines(objects, { asOf, usageLookbackDays });
  return {
    subscriptions: objects.subscriptions.map((s) =>
      objects.converted?.get(s) ?? subscriptionLite(s, book)
    ),
    customerDiscounts: customerDiscountsLite(objects.subscriptions, book),
    products: objects.products.map(productLite),
    usageLines,
    customers: { listed: false, existing: [], missing: [], unverified: [] },
    unreadableDiscounts: [...book.unresolved].sort(),
    ptb: objects.ptb
      ? {
        productId: objects.ptb.productId,
        since: objects.ptb.since,
        until: objects.ptb.until,
        charges: [
          ...ptbCreditCharges(objects.ptb.paymentIntents, objects.ptb.productId),
          ...ptbInvoiceCharges(objects.invoices),
        ].filter((c) => c.created >= objects.ptb!.since && c.created < objects.ptb!.until),
      }
      : null,
  };
}

/** A snapshot's lookups by customer (snapshotIndex), with the lists they were made from. */
interface SnapshotIndex {
  from: Pick<StripeSnapshot, "subscriptions" | "usageLines" | "customers">;
  subscriptionsByCustomer: Map<string, SubscriptionLite[]>;
  linesByCustomer: Map<string, UsageLineLite[]>;
  existing: Set<string>;
  missing: Set<string>;
  deleted: Set<string>;
}

const indexes = new WeakMap<StripeSnapshot, SnapshotIndex>();

/**
 * The snapshot's lookups by customer, made once (again only when its lists were replaced). The
 * revenue worker makes them as soon as today's cache is read, while the queries run: made once
 * the customer ids are in, they took ~0.25 s at 200k subscriptions, with a core idle.
 */
export function snapshotIndex(snapshot: StripeSnapshot): SnapshotIndex {
  const made = indexes.get(snapshot);
  if (
    made && made.from.subscriptions === snapshot.subscriptions &&
    made.from.usageLines === snapshot.usageLines && made.from.customers === snapshot.customers
  ) return made;
  const { subscriptions, usageLines, customers } = snapshot;
  const index = {
    from: { subscriptions, usageLines, customers },
    subscriptionsByCustomer: groupByCustomer(subscriptions),
    linesByCustomer: groupByCustomer(usageLines),
    existing: new Set(customers.existing),
    missing: new Set(customers.missing),
    deleted: new Set(customers.deleted ?? []),
  };
  indexes.set(snapshot, index);
  return index;
}

/**
 * Requested customers with no subscription whose existence the snapshot does not settle: new
 * since it was made, or left unverified (the call bound was spent), so checked again.
 */
export function customersToCheck(snapshot: StripeSnapshot, customerIds: string[]): string[] {
  if (snapshot.customers.listed) return [];
  const { subscriptionsByCustomer, existing, missing } = snapshotIndex(snapshot);
  // settled: subscribed, found or not found (not those left unchecked: checked again). Three
  // lookups, not one Set of them all: that Set copied the 200k subscribed ids (~20 ms)
  // each id once, in the order first given (only the unsettled few need a Set of their own)
  const toCheck = new Set<string>();
  for (const id of customerIds) {
    if (!subscriptionsByCustomer.has(id) && !existing.has(id) && !missing.has(id)) toCheck.add(id);
  }
  return [...toCheck];
}

/**
 * Whether the snapshot shows the account holds any of the requested customers: one has a
 * subscription there (its customer deleted or not), was found by a lookup or the customers'
 * listing, or was answered as deleted. Ids left unverified (the call bound was spent) show
 * nothing: an account that holds none of them (a test-mode key against live ids) leaves them so.
 */
export function anyCustomerFound(snapshot: StripeSnapshot, customerIds: string[]): boolean {
  const { subscriptionsByCustomer, existing, deleted } = snapshotIndex(snapshot);
  return customerIds.some((id) =>
    subscriptionsByCustomer.has(id) || existing.has(id) || deleted.has(id)
  );
}

/**
 * Map.groupBy by customer, each group an array of its exact length: Map.groupBy's arrays of one
 * (a customer has one subscription, mostly) carry spare room, ×200k.
 */
function groupByCustomer<T extends { customer: string }>(values: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const group = groups.get(value.customer);
    if (group) group.push(value);
    else groups.set(value.customer, [value]);
  }
  return groups;
}

/**
 * Adds `values` to `set`. Most customers have none: the length test skips an iterator per list
 * (five lists × 200k customers: ~60 ms at a million organizations).
 */
function addEach(set: Set<string>, values: readonly string[]): void {
  if (values.length === 0) return;
  for (const value of values) set.add(value);
}

/** What a customer's revenue is computed from: the snapshot's lists, the as-of and the rules. */
interface RevenueBasis {
  subscriptions: StripeSnapshot["subscriptions"];
  usageLines: StripeSnapshot["usageLines"];
  products: StripeSnapshot["products"];
  customerDiscounts: StripeSnapshot["customerDiscounts"];
  asOfMs: number;
  rules: string;
}

/** Revenue of every subscribed customer (computeRevenueAhead), by the subscriptions it was of. */
const computedAhead = new WeakMap<
  StripeSnapshot["subscriptions"],
  { basis: RevenueBasis; byCustomer: Map<string, CustomerRevenueResult> }
>();

const basisOf = (
  snapshot: StripeSnapshot,
  { asOf, rules }: { asOf: Date; rules: RevenueRules },
): RevenueBasis => ({
  subscriptions: snapshot.subscriptions,
  usageLines: snapshot.usageLines,
  products: snapshot.products,
  customerDiscounts: snapshot.customerDiscounts,
  asOfMs: asOf.getTime(),
  rules: JSON.stringify(rules),
});

const sameBasis = (a: RevenueBasis, b: RevenueBasis) =>
  a.subscriptions === b.subscriptions && a.usageLines === b.usageLines &&
  a.products === b.products && a.customerDiscounts === b.customerDiscounts &&
  a.asOfMs === b.asOfMs && a.rules === b.rules;

/** Each customer's revenue from the snapshot (computeCustomerRevenue with its shared lookups). */
function customerRevenueOf(snapshot: StripeSnapshot, { asOf, rules }: {
  asOf: Date;
  rules: RevenueRules;
}): (customerId: string, subscriptions: SubscriptionLite[]) => CustomerRevenueResult {
  const products = new Map(snapshot.products.map((p) => [p.id, p]));
  const { linesByCustomer } = snapshotIndex(snapshot);
  const priceFacts = priceFactsMemo({ products, rules });
  // Customer-level discounts are rare: without any, 200k lookups by id in the object are skipped.
  const anyCustomerDiscounts = Object.keys(snapshot.customerDiscounts).length > 0;
  return (customerId, subscriptions) =>
    computeCustomerRevenue({
      customerId,
      subscriptions,
      products,
      usageLines: linesByCustomer.get(customerId) ?? [],
      customerDiscounts: anyCustomerDiscounts ? snapshot.customerDiscounts[customerId] ?? [] : [],
      asOf,
      priceFacts,
    }, rules);
}

/**
 * Computes every subscribed customer's revenue ahead, for revenueFromSnapshot of the same lists,
 * as-of and rules, which then only looks them up. The revenue worker does it as soon as today's
 * cache is read, while the queries run: at a million organizations (200k subscriptions) the
 * computing took 0.4–1.2 s once the customer ids were in, with ClickHouse's result waiting on it.
 */
export function computeRevenueAhead(
  snapshot: StripeSnapshot,
  { asOf, rules }: { asOf: Date; rules: RevenueRules },
): void {
  const revenueOf = customerRevenueOf(snapshot, { asOf, rules });
  const byCustomer = new Map<string, CustomerRevenueResult>();
  for (const [customerId, subscriptions] of snapshotIndex(snapshot).subscriptionsByCustomer) {
    byCustomer.set(customerId, revenueOf(customerId, subscriptions));
  }
  computedAhead.set(snapshot.subscriptions, {
    basis: basisOf(snapshot, { asOf, rules }),
    byCustomer,
  });
}

/** How many customers' revenue computed ahead for the snapshot's lists is not yet handed out. */
export function revenueComputedAhead(snapshot: StripeSnapshot): number {
  return computedAhead.get(snapshot.subscriptions)?.byCustomer.size ?? 0;
}

/**
 * Revenue per requested customer. A customer Stripe knows with no counted subscription gets 0;
 * one Stripe does not know (deleted, even with the canceled subscriptions Stripe keeps listing,
 * or from another account or mode) is left out of `byCustomer` (its revenue is empty) and
 * counted in a warning.
 */
export function revenueFromSnapshot(
  snapshot: StripeSnapshot,
  { customerIds, ...options }: {
    customerIds: string[];
    asOf: Date;
    windowDays: number;
    rules: RevenueRules;
    source: RevenueSource;
    /** the PaymentIntents listing failed (one line why): PTB revenue is unknown */
    ptbFailure?: string;
  },
):
  & Required<
    Pick<
      RevenueResult,
      | "byCustomer"
      | "warnings"
      | "source"
      | "unknownCustomerIds"
      | "ptb"
      | "fxRates"
      | "discountPolicy"
    >
  >
  & Pick<RevenueResult, "unmappedCustomers"> {
  const { asOf, rules, source } = options;
  // a product the account does not have matches no payment: unknown, not $0 (ptbProductProblem)
  const problem = rules.ptbProductId
    ? ptbProductProblem(rules.ptbProductId, snapshot.products)
    : null;
  // PTB revenue only for the product the settings name (a cache read for another is not it)
  const ptbSnapshot = !problem && rules.ptbProductId &&
      snapshot.ptb?.productId === rules.ptbProductId
    ? snapshot.ptb
    : null;
  const ptb = ptbRevenue(ptbSnapshot, {
    window: ptbWindow(asOf, options.windowDays),
    rules,
    failure: options.ptbFailure,
    ...(problem ? { unknownProduct: { productId: rules.ptbProductId!, problem } } : {}),
  });
  const { subscriptionsByCustomer, existing, missing, deleted: deletedIds } = snapshotIndex(
    snapshot,
  );
  const revenueOf = customerRevenueOf(snapshot, { asOf, rules });
  // Each result computed ahead is handed out once (its revenue is filled in place below): the
  // whole map is taken, and those not handed out are put back after (`left`), rather than each
  // deleted from it as handed out (200k deletes, the map shrunk again and again).
  const made = computedAhead.get(snapshot.subscriptions);
  const ahead = made && sameBasis(made.basis, basisOf(snapshot, { asOf, rules }))
    ? made.byCustomer
    : undefined;
  if (ahead) computedAhead.delete(snapshot.subscriptions);
  const left = new Map<string, CustomerRevenueResult>();
  const byCustomer = new Map<string, CustomerRevenue>();
  const found: RevenueFindings = {
    prices: { unknownRole: new Set(), licensedUsage: new Set(), taxUnknown: new Set() },
    anchorAheadSubscriptions: [],
    endedSinceSubscriptions: [],
    endUnknownSubscriptions: [],
    unconverted: new Set(),
    unconvertedCustomers: 0,
    foreignPrices: new Set(),
    foreignPriceCustomers: 0,
    unverified: [],
    unreadableDiscounts: snapshot.unreadableDiscounts,
    unknownCustomerIds: [],
    deletedCustomerIds: new Set(),
  };
  const unknownCustomerIds = found.unknownCustomerIds;
  const wanted = new Set(customerIds);
  let subscribedWanted = 0;
  for (const customerId of wanted) {
    const subscriptions = subscriptionsByCustomer.get(customerId) ?? [];
    if (subscriptions.length > 0) subscribedWanted++;
    // Unknown only when Stripe said so: a lookup found nothing, the full list lacks it, or its
    // subscriptions (Stripe still lists a deleted customer's, canceled) say it was deleted.
    const deleted = subscriptions.some((s) => s.customer_deleted);
    const known = subscriptions.length > 0
      ? !deleted
      : existing.has(customerId) || (!snapshot.customers.listed && !missing.has(customerId));
    if (!known) {
      unknownCustomerIds.push(customerId);
      if (deleted || deletedIds.has(customerId)) found.deletedCustomerIds.add(customerId);
      if (deleted) keepAhead(customerId, { ahead, left });
      continue;
    }
    const computed = ahead?.get(customerId);
    const result = computed ?? revenueOf(customerId, subscriptions);
    const revenue = result.revenue; // its own object: filled in place rather than copied
    revenue.ptbRevenueUsd30d = ptbSnapshot ? ptb.byCustomer.get(customerId) ?? 0 : null;
    byCustomer.set(customerId, revenue);
    addEach(found.prices.unknownRole, result.unknownPriceIds);
    addEach(found.unconverted, result.unconvertedCurrencies);
    addEach(found.foreignPrices, result.foreignCurrencyPriceIds);
    addEach(found.prices.licensedUsage, result.licensedUsagePriceIds);
    addEach(found.prices.taxUnknown, result.inclusiveTaxUnknownPriceIds);
    found.anchorAheadSubscriptions.push(...result.anchorAheadSubscriptionIds);
    found.endedSinceSubscriptions.push(...result.endedSinceSubscriptionIds);
    found.endUnknownSubscriptions.push(...result.endUnknownSubscriptionIds);
    if (result.unconvertedCurrencies.length > 0) found.unconvertedCustomers++;
    if (result.foreignCurrencyPriceIds.length > 0) found.foreignPriceCustomers++;
  }
  found.unverified = snapshot.customers.unverified.filter((id) => wanted.has(id));
  const warnings = revenueWarnings(found);
  warnings.push(...ptb.warnings);
  // The account's other customers: in Stripe's dashboard MRR, not in the export (no row). None
  // when every subscribed customer was asked for: no pass over them all.
  const { unmapped, guessWarnings } = subscribedWanted === subscriptionsByCustomer.size
    ? { unmapped: null, guessWarnings: [] }
    : unmappedCustomersOf(
      unmappedRevenues(subscriptionsByCustomer, { wanted, ahead, left, revenueOf }),
    );
  if (left.size > 0) {
    computedAhead.set(snapshot.subscriptions, { basis: made!.basis, byCustomer: left });
  }
  if (unmapped) warnings.push(unmappedCustomersWarning(unmapped), ...guessWarnings);
  return {
    ...(unmapped ? { unmappedCustomers: unmapped } : {}),
    byCustomer,
    warnings,
    source,
    unknownCustomerIds,
    ptb: ptb.summary,
    fxRates: fxRatesByCode(rules.fxRates),
    discountPolicy: rules.discountPolicy,
  };
}

/** Puts a customer's result computed ahead, not handed out, in `left` (a later ask takes it). */
function keepAhead(customerId: string, { ahead, left }: {
  ahead: Map<string, CustomerRevenueResult> | undefined;
  left: Map<string, CustomerRevenueResult>;
}): CustomerRevenueResult | undefined {
  const computed = ahead?.get(customerId);
  if (computed) left.set(customerId, computed);
  return computed;
}

/**
 * The revenue of the subscribed customers not asked for (no organization maps to them), those
 * Stripe says were deleted left out (their subscriptions are canceled); computed ahead when it was
 * (kept in `left`).
 */
function* unmappedRevenues(
  subscriptionsByCustomer: Map<string, SubscriptionLite[]>,
  { wanted, ahead, left, revenueOf }: {
    wanted: Set<string>;
    ahead: Map<string, CustomerRevenueResult> | undefined;
    left: Map<string, CustomerRevenueResult>;
    revenueOf: (customerId: string, subscriptions: SubscriptionLite[]) => CustomerRevenueResult;
  },
): Generator<CustomerRevenueResult> {
  for (const [customerId, subscriptions] of subscriptionsByCustomer) {
    if (wanted.has(customerId)) continue;
    // read, not handed out: nothing here changes it, and a later ask for the customer takes it
    const computed = keepAhead(customerId, { ahead, left });
    if (subscriptions.some((s) => s.customer_deleted)) continue;
    yield computed ?? revenueOf(customerId, subscriptions);
  }
}
