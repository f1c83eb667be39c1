/**
 * The invoices usage is read from, beyond the one listing of the look-back (fetch.ts), and what
 * their lines need (usage_invoices.ts says which invoices bill usage):
 *
 * - a metered subscription billed over more than a month whose last cycle invoice predates the
 *   listing: its own invoices, back over its own look-back (one call each, mostly);
 * - a closed period that started before the invoices listed for it (a monthly cycle invoice 30
 *   days back billed the 30 days before it; at a month-end as-of on calendar billing every one
 *   does): its threshold invoices. For periods closed by a listed invoice, the listing is widened
 *   once, from the earliest such start to where it began (pages ≈ those invoices ÷ 100, however
 *   many subscriptions need it); for a long period's, its subscription's invoices are listed
 *   back to its start (one call each, mostly). Only threshold invoices are kept from either: the
 *   closing invoice stays the one the look-back found;
 * - the lines of every closing and threshold invoice past their first page (a page each);
 * - whether the prices of those lines no subscription holds are metered (usage_prices.ts).
 *
 * Subscriptions holding no metered price now are read from the listing alone: their closing
 * cycle invoice is there (no call per subscription), and a metered line on it counts.
 */
import { createdParam, listPartitioned } from "./partition.ts";
import { completeInvoiceLines, type Json, type StripeReader } from "./reader.ts";
import { invoiceSubscriptionId } from "./stripe_objects.ts";
import {
  knownRecurrences,
  longCycleLookbacks,
  periodsBeforeListing,
  thresholdResetSubscriptions,
  usageInvoices,
} from "./usage_invoices.ts";
import { lookUpUsagePrices } from "./usage_prices.ts";

/**
 * Every invoice created in `[gte, lt)` (Unix seconds), the range paged concurrently; its calls
 * counted as `kind`, with `expand`'s fields expanded.
 */
export function listInvoices(
  reader: StripeReader,
  range: { gte: number; lt: number },
  { kind = "invoices", expand }: { kind?: string; expand?: string[] } = {},
): Promise<Json[]> {
  return listPartitioned(reader, {
    kind,
    fetchPage: (startingAfter, part) =>
      reader.stripe.invoices.list({
        limit: 100,
        starting_after: startingAfter,
        created: createdParam(part),
        ...(expand ? { expand } : {}),
      }),
    range,
    slots: reader.rules.concurrency,
  });
}

/** One subscription's invoices created in `[gte, lt)`, its calls counted as `kind`. */
function listSubscriptionInvoices(
  reader: StripeReader,
  { subscription, gte, lt, kind }: { subscription: string; gte: number; lt: number; kind: string },
): Promise<Json[]> {
  return reader.listAll(kind, (startingAfter) =>
    reader.stripe.invoices.list({
      subscription,
      limit: 100,
      starting_after: startingAfter,
      created: { gte, lt },
    }));
}

/**
 * The invoices before the listing (`listedSince`) usage needs, and the prices looked up for
 * usage lines no subscription holds. Completes the usage invoices' lines in place.
 */
export async function fetchUsageInvoices(
  reader: StripeReader,
  { subscriptions, invoices, listedSince, asOf }: {
    subscriptions: Json[];
    invoices: Json[];
    listedSince: number;
    asOf: Date;
  },
): Promise<{ earlierInvoices: Json[]; usagePrices: Json[] }> {
  // A quarter's or a year's last cycle can be older than the listing: that subscription's own.
  const lookbacks = longCycleLookbacks(subscriptions, {
    invoices,
    listedSince,
    asOf,
    usageLookbackDays: reader.rules.usageLookbackDays,
  });
  const longCycles = (await Promise.all(
    lookbacks.map(({ subscription, since }) =>
      listSubscriptionInvoices(reader, {
        subscription,
        gte: since,
        lt: listedSince,
        kind: "earlier_invoices",
      })
    ),
  )).flat();

  // The closed periods' starts, read from the closing invoices' lines.
  const thresholdResets = thresholdResetSubscriptions(subscriptions);
  const closings = usageInvoices([...invoices, ...longCycles], { asOf, thresholdResets })
    .map((u) => u.closing);
  await completeInvoiceLines(reader, closings);
  const ownSince = new Map(lookbacks.map((l) => [l.subscription, l.since]));
  // every held price's recurrence is read only when a closing invoice's lines need it
  const before = closings.length === 0 ? [] : periodsBeforeListing(closings, {
    known: knownRecurrences(subscriptions),
    listedSince: (id) => ownSince.get(id) ?? listedSince,
  });
  const widened = before.filter((b) => !ownSince.has(b.subscription));
  const own = before.filter((b) => ownSince.has(b.subscription));
  const listed = await Promise.all([
    widened.length > 0
      ? listInvoices(
        reader,
        { gte: widened.reduce((min, b) => Math.min(min, b.start), listedSince), lt: listedSince },
        { kind: "period_invoices" },
      )
      : [],
    ...own.map(({ subscription, start, listedSince: lt }) =>
      listSubscriptionInvoices(reader, { subscription, gte: start, lt, kind: "period_invoices" })
    ),
  ]);
  // the widened listing's thresholds of the subscriptions it was widened for only: a long
  // period's subscription has its own listing, and its longCycles hold that range already
  const [widenedListing, ...ownListings] = listed;
  const widenedFor = new Set(widened.map((b) => b.subscription));
  const isThreshold = (invoice: Json) => invoice.billing_reason === "subscription_threshold";
  const thresholds = [
    ...widenedListing.filter((invoice) =>
      isThreshold(invoice) && widenedFor.has(invoiceSubscriptionId(invoice)!)
    ),
    ...ownListings.flat().filter(isThreshold),
  ];
  const earlierInvoices = [...longCycles, ...thresholds];

  const usage = usageInvoices([...invoices, ...earlierInvoices], { asOf, thresholdResets })
    .flatMap(({ closing, thresholds }) => [closing, ...thresholds]);
  await completeInvoiceLines(reader, usage);
  const usagePrices = await lookUpUsagePrices(reader, { subscriptions, invoices: usage });
  return { earlierInvoices, usagePrices };
}
