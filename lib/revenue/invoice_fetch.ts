/**
 * Reads the invoice history a backfill needs from Stripe in bulk (lib/revenue/invoice_mrr.ts):
 * one invoice listing for the whole range (100 per call, `created` ranges paged concurrently like
 * the live fetch, lines past the embedded page followed; their discounts and the invoices'
 * expanded, for those no subscription lists any more: invoice_discounts.ts), every subscription
 * once (any status, discounts with their coupons, the customer's own discount: which discounts
 * count; items past the embedded page followed, as the live fetch follows them), the coupon
 * list with `applies_to` and `currency_options` expanded as the live fetch lists it (fetch.ts
 * listCoupons: same pages, no extra call; and each deleted coupon still in use, off a holder:
 * deleted_coupons.ts) and the price
 * list once (prices no subscription item holds any more), archived prices in a second listing
 * beside it (Stripe lists active prices only unless `active=false`, and the
 * prices customers moved away from are the archived ones), each with its currency_options (a
 * tiered one billed in another currency retrieved once for that currency's tiers). Calls grow
 * with invoices ÷ 100.
 * The trimmed result is cached per Stripe account, range and day beside the live cache, so a
 * second backfill the same day makes no call.
 */
import type { ChosenBy } from "../core/chosen_by.ts";
import { invoiceHistoryProblem } from "./cache_shape.ts";
import { join } from "node:path";
import { isoDate, writeFileAtomic } from "../formats/files.ts";
import { makePrivateDir, PRIVATE_FILE_MODE } from "../formats/private_files.ts";
import { keyFingerprint, pruneCache } from "./cache.ts";
import { listCoupons, listInvoices, listSubscriptions, type StripeReader } from "./fetch.ts";
import { completeInvoiceLines, completeSubscriptionItems, stripeReader } from "./reader.ts";
import { couponMonthsOf, invoiceDiscountsLite } from "./invoice_discounts.ts";
import { lookUpDeletedCoupons } from "./deleted_coupons.ts";
import type { InvoiceHistory, InvoiceLineLite } from "./invoice_mrr.ts";
import { resolveRules, type RevenueRules } from "./rules.ts";
import { thresholdResetSubscriptions } from "./usage_invoices.ts";
import {
  type CouponBook,
  couponLite,
  customerDiscountsLite,
  type DiscountLite,
  embeddedCoupons,
  lineAmounts,
  linePriceId,
  type PriceLite,
  priceLite,
  subscriptionLite,
} from "./stripe_objects.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

// 2: archived prices are listed too (a version-1 file lacks them: its old prices read unknown)
// 3: lines carry their invoice's billing_reason (threshold invoices' usage counts, usage_period.ts)
// 4: the subscriptions whose threshold resets the billing cycle (their threshold invoices close
// a usage period; a version-3 file read them as mid-period)
// 5: subscriptions' items past the embedded page (a version-4 file lacks their own discounts)
// 6: which discounts are a subscription item's own (itemDiscounts: a proration takes them off the
// item's price; a version-5 file read every amount-off as the invoice's)
// 7: prices carry their currency_options (a version-6 file read a proration billed in another
// currency than its price's at the price's own amounts)
// 8: discounts the invoices list that no subscription does (invoice_discounts.ts: a version-7 file
// counted a deleted customer's discount, a used-up once coupon, an ended repeating one at the
// price before them)
// 9: the subscriptions paused now (pausedSubscriptions: a backfill marks their customers paused
// after their last paid period; a version-8 file has none)
// 10: discounts keep their start, and those of coupons deleted since are read off an item or
// customer holding them (deleted_coupons.ts: a version-9 file left an item's or a customer's
// discount of a deleted coupon out)
// 11: coupons carry their applies_to and currency_options (listCoupons): same shape, but a
// version-10 file read a coupon limited to products as every product's (20 % off an added
// product B's proration it does not cover) and an amount-off coupon's other currencies as nothing
// off (a EUR item's €10 off its own proration)
// 12: a coupon deleted since that a subscription's own discount embeds is read off the
// subscription too, with its applies_to and currency_options (a version-11 file holds it without
// them: limited to products, it read as every product's)
// 13: subscriptions' billing_cycle_anchor (billingAnchors: a metered price's periods run on from
// it; a version-12 file read a quarter from the 31st cut on both dates as from the 30th)
// 14: the day of the month subscriptions' periods keep when later than their anchor's
// (billingAnchorDays, from billing_cycle_anchor_config: a version-13 file read an anchor
// configured for the 31st and cut to February 28 as on the 28th)
const CACHE_VERSION = 14;

export interface InvoiceFetchOptions {
  apiKey: string;
  apiHost?: string;
  apiPort?: number;
  apiProtocol?: "http" | "https";
  cacheDir: string;
  /** how the user chose the folder cacheDir is in (--out-dir), for the fix a failed write names */
  cacheDirChosenBy: ChosenBy;
  /** invoices created in [from, to) are listed */
  from: Date;
  to: Date;
  rules?: Partial<RevenueRules>;
  /** ignore today's cached copy */
  refresh?: boolean;
  /** a stop (Ctrl-C, SIGTERM): the listing ends at its next page with the signal's reason */
  signal?: AbortSignal;
}

export interface InvoiceFetchResult {
  history: InvoiceHistory;
  source: "stripe" | "cache";
  apiCalls: number;
  durationMs: number;
  /** discounts whose coupon could not be read (left out of the discount rule) */
  unreadableDiscounts: string[];
}

/** An invoice's discounts and its lines' (a line's: its item's own), as objects. */
const INVOICE_EXPAND = ["data.discounts", "data.lines.data.discounts"];

const idOf = (value: Json): string => typeof value === "string" ? value : String(value?.id ?? "");

/** One invoice line, trimmed. */
export function invoiceLineLite(line: Json, invoice: Json): InvoiceLineLite {
  const details = line?.parent?.subscription_item_details;
  const { amount, inclusive_tax, discount_amounts, currency } = lineAmounts(line, invoice);
  return {
    customer: idOf(invoice.customer),
    invoice: String(invoice.id),
    status: String(invoice.status ?? ""),
    created: Number(invoice.created ?? 0),
    billing_reason: typeof invoice.billing_reason === "string" ? invoice.billing_reason : null,
    currency,
    subscription: details?.subscription ? idOf(details.subscription) : null,
    price_id: linePriceId(line),
    proration: Boolean(details?.proration ?? line.proration),
    quantity: typeof line.quantity === "number" ? line.quantity : null,
    amount,
    inclusive_tax,
    discount_amounts,
    period_start: Number(line.period?.start ?? 0),
    period_end: Number(line.period?.end ?? 0),
  };
}

/**
 * The tiers of a tiered price's currency_options in the currencies its lines are billed in: the
 * listing cannot expand them without knowing those currencies (`data.currency_options.<c>.tiers`),
 * so each such price is retrieved once with them, in place. Few: tiered prices billed in another
 * currency than their own.
 */
async function fillOptionTiers(
  reader: StripeReader,
  { prices, invoices }: { prices: Map<string, PriceLite>; invoices: Json[] },
): Promise<void> {
  const wanted = new Map<string, Set<string>>(); // price id → currencies whose tiers are missing
  for (const invoice of invoices) {
    for (const line of invoice.lines?.data ?? []) {
      const id = linePriceId(line);
      const price = id ? prices.get(id) : undefined;
      const currency = String(line.currency ?? invoice.currency ?? "usd").toLowerCase();
      if (!price || price.billing_scheme !== "tiered" || price.currency === currency) continue;
      const option = price.currency_options?.[currency];
      if (option && option.tiers) continue;
      if (price.currency_options && !option) continue; // no amounts in that currency at all
      wanted.set(price.id, (wanted.get(price.id) ?? new Set()).add(currency));
    }
  }
  await Promise.all([...wanted].map(async ([id, currencies]) => {
    const read = await reader.request("prices", () =>
      reader.stripe.prices.retrieve(id, {
        expand: [
          "tiers",
          "currency_options",
          ...[...currencies].sort().map((c) => `currency_options.${c}.tiers`),
        ],
      }));
    const lite = priceLite(read);
    const known = prices.get(id)!;
    prices.set(id, {
      ...known,
      tiers: known.tiers ?? lite.tiers,
      currency_options: lite.currency_options,
    });
  }));
}

function cacheFile(options: InvoiceFetchOptions): string {
  return join(
    options.cacheDir,
    `stripe_invoices_${keyFingerprint(options.apiKey)}_${isoDate(options.from)}_${
      isoDate(options.to)
    }_${isoDate(new Date())}.json`,
  );
}

async function readCached(path: string): Promise<InvoiceFetchResult["history"] | null> {
  try {
    const cached = JSON.parse(await Deno.readTextFile(path));
    // a file of another version or shape is no cache (a hand edit, a cut write): fetched again
    return cached?.version === CACHE_VERSION && invoiceHistoryProblem(cached.history) === null
      ? cached.history
      : null;
  } catch {
    return null;
  }
}

export async function fetchInvoiceHistory(
  options: InvoiceFetchOptions,
): Promise<InvoiceFetchResult> {
  const started = performance.now();
  const path = cacheFile(options);
  if (!options.refresh) {
    const cached = await readCached(path);
    if (cached) {
      return {
        history: cached,
        source: "cache",
        apiCalls: 0,
        durationMs: Math.round(performance.now() - started),
        unreadableDiscounts: [],
      };
    }
  }
  const rules = resolveRules(options.rules);
  const stats = { apiCalls: 0 };
  const reader = await stripeReader(options, { rules, stats, signal: options.signal });
  const { stripe } = reader;
  const from = Math.floor(options.from.getTime() / 1000);
  const to = Math.floor(options.to.getTime() / 1000);
  const listPrices = (active: boolean) =>
    reader.listAll("prices", (startingAfter) =>
      stripe.prices.list({
        active,
        limit: 100,
        starting_after: startingAfter,
        // a proration's full price in the invoice's currency when that is not the price's own
        expand: ["data.tiers", "data.currency_options"],
      }));
  const [invoices, subscriptions, activePrices, archivedPrices, coupons] = await Promise.all([
    // the big lists as `created` ranges paged concurrently, as the live fetch reads them; the
    // invoices' and their lines' discounts expanded (those no subscription lists any more)
    listInvoices(reader, { gte: from, lt: to }, { expand: INVOICE_EXPAND }),
    listSubscriptions(reader),
    listPrices(true),
    listPrices(false),
    // as live, with applies_to and currency_options: a coupon limited to products takes nothing
    // off another product's proration, an amount-off its currency_options amount off a EUR one
    listCoupons(reader),
  ]);
  // lines and items past the embedded first page (an item's own discounts are on it)
  await Promise.all([
    completeInvoiceLines(reader, invoices, { expand: ["data.discounts"] }),
    completeSubscriptionItems(reader, subscriptions),
  ]);
  // deleted coupons discounts still apply, as the live fetch reads them
  coupons.push(...await lookUpDeletedCoupons(reader, { subscriptions, listed: coupons }));
  const book: CouponBook = { coupons: embeddedCoupons(subscriptions), unresolved: new Set() };
  for (const coupon of coupons) book.coupons.set(String(coupon.id), couponLite(coupon));
  const customerDiscounts = customerDiscountsLite(subscriptions, book);
  const lites = subscriptions.map((s: Json) => subscriptionLite(s, book));
  const discounts = new Map<string, DiscountLite>();
  const itemDiscounts = new Set<string>();
  const prices = new Map<string, PriceLite>();
  for (const price of [...activePrices, ...archivedPrices]) {
    prices.set(String(price.id), priceLite(price));
  }
  for (const list of Object.values(customerDiscounts)) {
    for (const d of list) discounts.set(d.id, d);
  }
  for (const s of lites) {
    for (const d of s.discounts) discounts.set(d.id, d);
    for (const item of s.items) {
      for (const d of item.discounts) {
        discounts.set(d.id, d);
        itemDiscounts.add(d.id);
      }
      const listed = prices.get(item.price.id);
      // an item's price has its tiers, the listed one its currency_options (unexpanded on items)
      if (!listed || item.price.tiers) {
        prices.set(item.price.id, {
          ...item.price,
          currency_options: listed?.currency_options ?? item.price.currency_options,
        });
      }
    }
  }
  // what the invoices list besides: a deleted customer's discount, ended and used-up ones
  const listed = invoiceDiscountsLite(invoices, { book, couponMonths: couponMonthsOf(coupons) });
  for (const d of listed.discounts) if (!discounts.has(d.id)) discounts.set(d.id, d);
  for (const id of listed.itemDiscounts) itemDiscounts.add(id);
  await fillOptionTiers(reader, { prices, invoices });
  // where each subscription's periods fall (a metered price's next invoice: invoice_mrr.ts)
  const anchored = lites.filter((s) => s.billing_cycle_anchor !== null);
  const history: InvoiceHistory = {
    lines: invoices.flatMap((invoice: Json) =>
      (invoice.lines?.data ?? []).map((line: Json) => invoiceLineLite(line, invoice))
    ),
    prices: [...prices.values()],
    discounts: [...discounts.values()],
    itemDiscounts: [...itemDiscounts].sort(),
    thresholdResets: [...thresholdResetSubscriptions(subscriptions)],
    billingAnchors: Object.fromEntries(anchored.map((s) => [s.id, s.billing_cycle_anchor!])),
    billingAnchorDays: Object.fromEntries(
      anchored.filter((s) => s.billing_cycle_anchor_day !== undefined)
        .map((s) => [s.id, s.billing_cycle_anchor_day!]),
    ),
    // paused now: payment collection paused, or Stripe's `paused` (subscriptionStatus)
    pausedSubscriptions: lites.filter((s) => s.status === "paused").map((s) => s.id).sort(),
    from,
    to,
  };
  // (customers' invoices: private, as the Stripe cache beside it, lib/revenue/cache.ts)
  await makePrivateDir(options.cacheDir);
  await writeFileAtomic(
    path,
    (tmp) =>
      Deno.writeTextFile(tmp, JSON.stringify({ version: CACHE_VERSION, history }), {
        mode: PRIVATE_FILE_MODE,
      }),
    { chosenBy: options.cacheDirChosenBy },
  );
  // a killed backfill's temp file and earlier days' files (never read again) go, as an export's
  // fetch prunes them: a backfill-only setup had them for good. Best effort, as a cache's.
  await pruneCache(options.cacheDir, { asOf: new Date(), invoicesOnly: true }).catch(() => {});
  return {
    history,
    source: "stripe",
    apiCalls: stats.apiCalls,
    durationMs: Math.round(performance.now() - started),
    unreadableDiscounts: [...book.unresolved].sort(),
  };
}
