/// <reference types="@types/node" />
// Stripe's types reference Node's; name a current @types/node (deno.json) so the old one
// ExcelJS's fast-csv pulls in (v14) does not become everyone's node: typings.
/**
 * Reads what the revenue rules need from Stripe in bulk, with the real SDK:
 *
 * - every subscription, any status (`status=all`, 100 per page), with its discounts' coupons,
 *   its items' discounts and its customer (for the customer's own discount) expanded (Stripe
 *   allows 4 dot-separated levels, `data` counted, so `data.items.data.price.tiers` is out of
 *   reach);
 * - every product once (active and archived: old subscriptions keep archived prices);
 * - every coupon once, with `applies_to` and `currency_options` expanded; a deleted one, which
 *   the listing no longer has, off an item, subscription or customer holding it
 *   (deleted_coupons.ts);
 * - the invoices created in the usage look-back window (or the export window, if longer) once,
 *   for the metered lines billing each subscription's last closed period (usage_period.ts) and for
 *   postpaid PTB invoices; then what usage needs before it (usage_fetch.ts): a metered
 *   subscription billed over more than a month whose cycle invoice is not among them has its own
 *   invoices listed further back, and a closed period that started before the invoices listed
 *   for it has its threshold invoices listed back to its start (the listing widened once);
 * - with PRICING_STRIPE_PTB_PRODUCT set, the export window's PaymentIntents once (PTB credits);
 * - then only what those lists leave open: items or invoice lines past an embedded list's
 *   `has_more`, the tiers and currency options of prices (looked up one by one up to
 *   rules.lookupLimit, else every recurring price listed: active ones, and archived ones too
 *   when a subscription holds one), and whether the customers that have no subscription at all
 *   exist.
 *
 * The call bound of a cold run: ceil(subscriptions/100) + ceil(invoices/100) + 5, plus a page
 * for each embedded list past its first (items beyond a subscription's first ten, lines beyond an
 * invoice's first ten), for each PaymentIntent page past the first and for each page of a long
 * billing period's earlier invoices (one per such subscription, mostly), for each page listing a
 * closed period's invoices before the listing (the widened listing's, ≈ its invoices ÷ 100, and
 * one per long period that needs it) and for the prices of usage lines no subscription holds any
 * more (usage_prices.ts) and for each deleted coupon in use. The 5 hold products,
 * coupons, prices (a second listing when archived prices are open) and the first PaymentIntent
 * page (a page each while each has at most 100); what they leave is spent checking customers
 * without a subscription (one lookup each when they fit, else a listing of the account's
 * customers cut off there); customers left unchecked count as known, with a warning, once one of
 * the export's customers was found (else one of them is looked up, past the bound).
 */
import {
  completeSubscriptionItems,
  FetchAbandoned,
  isMissing,
  type Json,
  type StripeReader,
} from "./reader.ts";
import { lookUpDeletedCoupons } from "./deleted_coupons.ts";
import { EarlyConversion } from "./early_lite.ts";
import { createdParam, listPartitioned } from "./partition.ts";
import { ptbWindow } from "./ptb.ts";
import { snapshotFromStripeObjects, type StripeObjects, type StripeSnapshot } from "./snapshot.ts";
import { fetchUsageInvoices, listInvoices } from "./usage_fetch.ts";

export { type FetchStats, type StripeConnection, StripeReader } from "./reader.ts";
export { listInvoices } from "./usage_fetch.ts";

/** Calls a cold run may spend beyond the subscription and invoice pages (issue 10, item 12). */
export const CALL_BOUND_EXTRA = 5;

/**
 * A cold run's call bound for the objects listed: ceil(subscriptions/100) + ceil(invoices/100)
 * + CALL_BOUND_EXTRA, plus the pages of embedded lists past their first (`embedded`), of
 * PaymentIntents past the first (proportional to the data, like invoice pages), of the earlier
 * invoices of subscriptions billed over more than a month (`earlier_invoices`), of the invoices of
 * closed periods that started before them (`period_invoices`), of the prices of usage lines no
 * subscription holds (`usage_prices`: one each up to the lookup limit, else the recurring prices
 * listed), of the deleted coupons discounts still apply (`deleted_coupons`: one each, read off a
 * holder), and one per
 * `created` range split off a long list (its partial last page; a range splits only while at
 * least two more pages are expected).
 */
export function callBound(
  counts: { subscriptions: number; invoices: number; splits: number },
  calls: Record<string, number>,
): number {
  return Math.ceil(counts.subscriptions / 100) + Math.ceil(counts.invoices / 100) +
    CALL_BOUND_EXTRA + (calls.embedded ?? 0) + Math.max(0, (calls.payment_intents ?? 0) - 1) +
    (calls.earlier_invoices ?? 0) + (calls.period_invoices ?? 0) + (calls.usage_prices ?? 0) +
    (calls.deleted_coupons ?? 0) + counts.splits;
}

const spent = (calls: Record<string, number>) =>
  Object.values(calls).reduce((sum, n) => sum + n, 0);

/**
 * Every subscription, any status, with what the MRR rules read expanded (discounts and their
 * coupons, the customer for its own discount), at no extra call: as `created` ranges paged
 * concurrently. The live fetch and the invoice backfill both list through here, so they read the
 * same objects.
 */
export function listSubscriptions(
  reader: StripeReader,
  options: { onPage?: (subscriptions: Json[]) => void } = {},
): Promise<Json[]> {
  return listPartitioned(reader, {
    kind: "subscriptions",
    fetchPage: (startingAfter, range) =>
      reader.stripe.subscriptions.list({
        status: "all",
        limit: 100,
        starting_after: startingAfter,
        created: createdParam(range),
        expand: ["data.discounts.source.coupon", "data.items.data.discounts", "data.customer"],
      }),
    range: { gte: null, lt: null },
    slots: reader.rules.concurrency,
    onPage: options.onPage,
  });
}

/**
 * Every coupon once, with what embedded coupons lack: the products it is restricted to
 * (`applies_to`) and its amounts in other currencies (`currency_options`), expanded in the listing
 * at no extra call (item and customer discounts' coupons are ids anyway, and a subscription
 * discount's embedded coupon lacks both). The live fetch and the
 * invoice backfill both list through here, so a coupon limited to products, or an amount-off
 * billed in another currency, reads the same in both.
 */
export function listCoupons(reader: StripeReader): Promise<Json[]> {
  return reader.listAll("coupons", (startingAfter) =>
    reader.stripe.coupons.list({
      limit: 100,
      starting_after: startingAfter,
      expand: ["data.applies_to", "data.currency_options"],
    }));
}

export interface FetchProgress {
  /** requested customers seen in subscription pages so far, and how many were requested */
  (done: number, total: number): void;
}

export interface FetchObjectsOptions {
  asOf: Date;
  /** the export window's days: PTB revenue is read for [asOf − windowDays, asOf) */
  windowDays: number;
  onSubscriptionPage?: (subscriptions: Json[]) => void;
  /** the PaymentIntents listing (PTB only) failed: PTB is left unknown, the rest is kept */
  onPtbFailure?: (error: unknown) => void;
}

/**
 * The invoices a fetch lists, created in [since, until) (Unix seconds): one listing serves usage
 * (the look-back before the as-of) and postpaid PTB (the export window), whichever reaches
 * further back. The cache records it: usage read over another range is another answer.
 */
export function invoiceRange(
  { asOf, windowDays, usageLookbackDays }: {
    asOf: Date;
    windowDays: number;
    usageLookbackDays: number;
  },
): { since: number; until: number } {
  const until = Math.floor(asOf.getTime() / 1000);
  const window = ptbWindow(asOf, windowDays);
  return { since: Math.min(until - usageLookbackDays * 86_400, window.since), until };
}

/** Stripe's objects for the revenue rules: the lists, completed where Stripe paginates inside. */
export async function fetchStripeObjects(
  reader: StripeReader,
  options: FetchObjectsOptions,
): Promise<StripeObjects> {
  const { stripe, rules } = reader;
  const window = ptbWindow(options.asOf, options.windowDays);
  const invoices_ = invoiceRange({ ...options, usageLookbackDays: rules.usageLookbackDays });
  // the big lists are read as `created` ranges paged concurrently (partition.ts)
  const slots = rules.concurrency;
  // subscriptions converted for the snapshot while the listing waits (early_lite.ts)
  const early = new EarlyConversion();
  const lists = Promise.all([
    listSubscriptions(reader, {
      onPage: (page) => {
        options.onSubscriptionPage?.(page);
        early.add(page);
      },
    }),
    reader.listAll(
      "products",
      (startingAfter) => stripe.products.list({ limit: 100, starting_after: startingAfter }),
    ),
    listInvoices(reader, { gte: invoices_.since, lt: invoices_.until }),
    listCoupons(reader),
    // PTB credits: the window's PaymentIntents (Stripe filters them by date only; status and
    // product are picked out here), only when the token-usage product is set. Its failure (a
    // key without PaymentIntents access) costs PTB revenue only: optional, so it stops nothing.
    rules.ptbProductId
      ? listPartitioned(reader, {
        kind: "payment_intents",
        optional: true,
        fetchPage: (startingAfter, range) =>
          stripe.paymentIntents.list({
            limit: 100,
            starting_after: startingAfter,
            created: createdParam(range),
            // refunds live on the charge: a refunded purchase is not revenue
            expand: ["data.latest_charge"],
          }),
        range: { gte: window.since, lt: window.until },
        slots,
      }).catch((error) => {
        if (error instanceof FetchAbandoned) throw error;
        options.onPtbFailure?.(error);
        return null;
      })
      : Promise.resolve(null),
  ]);
  const [subscriptions, products, invoices, coupons, paymentIntents] = await lists.finally(() =>
    early.stop()
  );

  await completeSubscriptionItems(reader, subscriptions);

  const [{ earlierInvoices, usagePrices }, deletedCoupons] = await Promise.all([
    fetchUsageInvoices(reader, {
      subscriptions,
      invoices,
      listedSince: invoices_.since,
      asOf: options.asOf,
    }),
    // deleted coupons discounts still apply: one holder read per coupon
    lookUpDeletedCoupons(reader, { subscriptions, listed: coupons }),
  ]);

  await fillPrices(reader, subscriptions, { early });
  return {
    subscriptions,
    converted: early.converted,
    products,
    invoices,
    earlierInvoices,
    ...(usagePrices.length > 0 ? { usagePrices } : {}),
    coupons: [...coupons, ...deletedCoupons],
    ...(rules.ptbProductId && paymentIntents
      ? { ptb: { productId: rules.ptbProductId, ...window, paymentIntents } }
      : {}),
  };
}

/**
 * What subscription listings cannot expand (6 levels): the tiers of tiered prices, and the
 * currency_options of prices billed in another currency than their own (with those options'
 * tiers when tiered). Read one by one when few (rules.lookupLimit), else every recurring price
 * listed once — the archived ones in a listing of their own when a subscription holds one open
 * (Stripe lists them only with active=false; the item's price says `active`); then filled into
 * the items.
 */
async function fillPrices(
  reader: StripeReader,
  subscriptions: Json[],
  { early }: { early: EarlyConversion },
): Promise<void> {
  const { stripe, rules } = reader;
  type Entry = { subscription: Json; item: Json; currency: string };
  const entries: Entry[] = subscriptions.flatMap((s) =>
    (s.items?.data ?? []).map((item: Json) => ({
      subscription: s,
      item,
      currency: String(s.currency ?? "usd").toLowerCase(),
    }))
  );
  const missing = new Set<string>();
  // archived prices subscriptions still hold: Stripe lists them only with active=false
  const archived = new Set<string>();
  const optionTiers = new Set<string>(); // currencies whose option tiers are needed
  for (const { item, currency } of entries) {
    const price = item.price;
    if (!price || price.recurring?.usage_type === "metered") continue;
    const tiered = price.billing_scheme === "tiered";
    const foreign = String(price.currency ?? "usd").toLowerCase() !== currency;
    const open = (tiered && !Array.isArray(price.tiers)) || (foreign && !price.currency_options);
    if (!open) continue;
    missing.add(String(price.id));
    if (price.active === false) archived.add(String(price.id));
    if (foreign && !price.currency_options && tiered) optionTiers.add(currency);
  }
  if (missing.size === 0) return;
  const expansions = (prefix: string) => [
    `${prefix}tiers`,
    `${prefix}currency_options`,
    ...[...optionTiers].sort().map((c) => `${prefix}currency_options.${c}.tiers`),
  ];
  const listPrices = (active: boolean) =>
    reader.listAll("prices", (startingAfter) =>
      stripe.prices.list({
        active,
        type: "recurring",
        limit: 100,
        starting_after: startingAfter,
        expand: expansions("data."),
      }));
  const prices: Json[] = missing.size > rules.lookupLimit
    ? (await Promise.all([
      archived.size < missing.size ? listPrices(true) : [],
      archived.size > 0 ? listPrices(false) : [],
    ])).flat()
    : await Promise.all(
      [...missing].map((id) =>
        reader.request("prices", () => stripe.prices.retrieve(id, { expand: expansions("") }))
      ),
    );
  const byId = new Map(prices.map((p) => [String(p.id), p]));
  for (const { subscription, item } of entries) {
    const read = item.price && byId.get(String(item.price.id));
    if (!read) continue;
    early.forget(subscription); // converted with the price as listed
    if (!Array.isArray(item.price.tiers) && Array.isArray(read.tiers)) {
      item.price.tiers = read.tiers;
    }
    if (!item.price.currency_options && read.currency_options) {
      item.price.currency_options = read.currency_options;
    }
  }
}

/** One customer looked up: there, deleted (`{deleted: true}`), or unknown to the account (404). */
async function lookUpCustomer(
  reader: StripeReader,
  id: string,
): Promise<"existing" | "deleted" | "missing"> {
  try {
    const customer = await reader.request("customers", () => reader.stripe.customers.retrieve(id));
    return (customer as { deleted?: boolean }).deleted ? "deleted" : "existing";
  } catch (error) {
    if (isMissing(error)) return "missing";
    throw error;
  }
}

/**
 * Which of the given customers (none of them has a subscription) Stripe knows, within `budget`
 * calls: one lookup each when they fit, else the account's customers listed, at most `budget`
 * pages. Those the budget does not settle are `unverified`. Deleted customers count as unknown,
 * like ids Stripe never had (`missing`), and are named in `deleted` too: they prove the key reads
 * the account that had them.
 *
 * `confirmed` says whether the account is known to hold any of the export's customers already
 * (one has a subscription there). When it is not and the budget leaves ids unverified with none
 * of them found, one of them is looked up, past the budget: unverified ids count as known
 * (revenue 0) only once the key is seen to read the account that holds the customers — else a
 * test-mode key against a few hundred customers showed every live id as $0.
 */
export async function checkCustomers(
  reader: StripeReader,
  { customerIds, budget, confirmed = true }: {
    customerIds: string[];
    budget: number;
    confirmed?: boolean;
  },
): Promise<StripeSnapshot["customers"]> {
  const { stripe } = reader;
  if (customerIds.length === 0) {
    return { listed: false, existing: [], missing: [], unverified: [] };
  }
  if (customerIds.length > budget) {
    const { objects, complete } = await reader.listPages(
      "customers",
      (startingAfter) => stripe.customers.list({ limit: 100, starting_after: startingAfter }),
      { maxPages: budget },
    );
    const listed = new Set(objects.map((c) => String(c.id)));
    if (complete) {
      return { listed: true, existing: [...listed].sort(), missing: [], unverified: [] };
    }
    const existing = customerIds.filter((id) => listed.has(id)).sort();
    const unverified = customerIds.filter((id) => !listed.has(id)).sort();
    if (confirmed || existing.length > 0) {
      return { listed: false, existing, missing: [], unverified };
    }
    // nothing says the key reads the customers' account: one lookup settles it
    const [first, ...rest] = unverified;
    const found = await lookUpCustomer(reader, first);
    return {
      listed: false,
      existing: found === "existing" ? [first] : [],
      missing: found === "existing" ? [] : [first],
      ...(found === "deleted" ? { deleted: [first] } : {}),
      unverified: rest,
    };
  }
  const existing: string[] = [];
  const missing: string[] = [];
  const deleted: string[] = [];
  await Promise.all(customerIds.map(async (id) => {
    const found = await lookUpCustomer(reader, id);
    (found === "existing" ? existing : missing).push(id);
    if (found === "deleted") deleted.push(id);
  }));
  return {
    listed: false,
    existing: existing.sort(),
    missing: missing.sort(),
    ...(deleted.length > 0 ? { deleted: deleted.sort() } : {}),
    unverified: [],
  };
}

/**
 * Which of the customers asked for the subscription pages have shown so far, for the progress bar.
 * The pages may come before the customer ids (the revenue worker lists ahead of them: every
 * customer seen is kept until then, as the pages hold those strings anyway).
 */
export class ListingProgress {
  #seen = new Set<string>();
  #pages = 0;
  #wanted?: Set<string>;
  #onProgress?: FetchProgress;

  /** a subscription page, as it arrives */
  page(page: Json[]): void {
    this.#pages++;
    const wanted = this.#wanted;
    if (wanted && !this.#onProgress) return;
    for (const subscription of page) {
      const customer = typeof subscription.customer === "string"
        ? subscription.customer
        : subscription.customer?.id;
      if (!wanted || wanted.has(customer)) this.#seen.add(customer);
    }
    if (wanted) this.#onProgress!(this.#seen.size, wanted.size);
  }

  /** the customer ids asked for (once): progress from the pages seen so far on */
  want(customerIds: Iterable<string>, onProgress?: FetchProgress): Set<string> {
    const wanted = this.#wanted = new Set(customerIds);
    this.#onProgress = onProgress;
    this.#seen = new Set([...this.#seen].filter((id) => wanted.has(id)));
    if (this.#pages > 0) onProgress?.(this.#seen.size, wanted.size);
    return wanted;
  }
}

/**
 * The snapshot of Stripe's objects as fetched (fetchStripeObjects, maybe started before the
 * customer ids were known), for the given customers: trimmed, customers without a subscription
 * checked within what the lists left of the call bound.
 */
export async function snapshotOfObjects(
  reader: StripeReader,
  objects: StripeObjects,
  { wanted, onProgress, ...options }: {
    /** the customer ids asked for (ListingProgress.want's) */
    wanted: Set<string>;
    asOf: Date;
    windowDays: number;
    onProgress?: FetchProgress;
  },
): Promise<StripeSnapshot> {
  const snapshot = snapshotFromStripeObjects(objects, {
    asOf: options.asOf,
    usageLookbackDays: reader.rules.usageLookbackDays,
  });
  snapshot.invoiceRange = {
    ...invoiceRange({ ...options, usageLookbackDays: reader.rules.usageLookbackDays }),
    usageLookbackDays: reader.rules.usageLookbackDays,
  };
  const withSubscription = new Set(snapshot.subscriptions.map((s) => s.customer));
  const withoutSubscription = [...wanted].filter((id) => !withSubscription.has(id));
  snapshot.customers = await checkCustomers(reader, {
    customerIds: withoutSubscription,
    // a subscription (its customer deleted or not) shows the account holds the export's customers
    confirmed: withoutSubscription.length < wanted.size,
    // what the lists left of the call bound
    budget: Math.max(
      0,
      callBound({
        subscriptions: objects.subscriptions.length,
        invoices: objects.invoices.length,
        splits: reader.splits,
      }, reader.calls) - spent(reader.calls),
    ),
  });
  onProgress?.(wanted.size, wanted.size);
  return snapshot;
}
