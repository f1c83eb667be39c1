/**
 * Which of Stripe's invoices (its JSON, as the live fetch lists them) bill usage, and their
 * usage lines for the snapshot. The rule picking a closed period's invoices is usage_period.ts,
 * shared with the invoice backfill; this reads Stripe's objects for it:
 *
 * - every subscription's closing cycle invoice counts, whatever it holds now: a metered price
 *   swapped for a licensed-only plan still billed the last cycle (the backfill reads the same);
 *   a subscription whose threshold resets its billing cycle anchor (read from the subscription's
 *   `billing_thresholds` now) has its threshold invoices close periods too;
 * - a line is metered when its price is (the price the line carries, else the one a subscription
 *   holds or was looked up: usage_prices.ts), never a proration (Stripe prorates licensed prices
 *   only) nor an invoice item, and is normalised by its own price's interval, as the invoice line
 *   billed it;
 * - a closed period can start before the invoices listed (a cycle invoice 30 days back billing
 *   the 30 days before it): its threshold invoices are listed back to its start (usage_fetch.ts).
 */
import { periodMonths } from "./price_facts.ts";
import {
  invoiceSubscriptionId,
  linePriceId,
  type PriceLite,
  type UsageLineLite,
  usageLineLite,
} from "./stripe_objects.ts";
import {
  closedPeriodUsage,
  closesCycle,
  countedBefore,
  type UsageInvoice,
} from "./usage_period.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

type Recurring = NonNullable<PriceLite["recurring"]>;

/** Subscription id → its metered price ids, for subscriptions (Stripe JSON) that have any. */
export function meteredSubscriptionIds(subscriptions: Json[]): Map<string, Set<string>> {
  const metered = new Map<string, Set<string>>();
  for (const subscription of subscriptions) {
    const prices = (subscription.items?.data ?? [])
      .filter((item: Json) => item.price?.recurring?.usage_type === "metered")
      .map((item: Json) => String(item.price.id));
    if (prices.length > 0) metered.set(String(subscription.id), new Set(prices));
  }
  return metered;
}

/**
 * The subscriptions (Stripe JSON) whose billing threshold resets their billing cycle anchor
 * (`billing_thresholds.reset_billing_cycle_anchor`): their threshold invoices close a period.
 */
export function thresholdResetSubscriptions(subscriptions: Json[]): Set<string> {
  return new Set(
    subscriptions.filter((s) => s.billing_thresholds?.reset_billing_cycle_anchor === true)
      .map((s) => String(s.id)),
  );
}

/**
 * Each subscription's closing invoice — its most recent billing-cycle invoice created before
 * `asOf` (paid or open; `billing_reason` subscription_cycle, or absent; or a threshold invoice
 * of a subscription in `thresholdResets`) — and the threshold invoices created before it that
 * may bill usage of the period it closed (usage_period.ts picks their lines by period). Every
 * subscription's, not only those holding a metered price now.
 */
export function usageInvoices(
  invoices: Json[],
  { asOf, thresholdResets }: { asOf: Date; thresholdResets: ReadonlySet<string> },
): { closing: Json; thresholds: Json[] }[] {
  const asOfSeconds = asOf.getTime() / 1000;
  const closing = new Map<string, Json>();
  const thresholds: Json[] = [];
  for (const invoice of invoices) {
    if (!countedBefore(invoice, asOfSeconds)) continue;
    const subscriptionId = invoiceSubscriptionId(invoice);
    if (!subscriptionId) continue;
    if (!closesCycle(invoice.billing_reason, thresholdResets.has(subscriptionId))) {
      if (invoice.billing_reason === "subscription_threshold") thresholds.push(invoice);
      continue;
    }
    const previous = closing.get(subscriptionId);
    if (!previous || invoice.created > previous.created) closing.set(subscriptionId, invoice);
  }
  const bySubscription = new Map(
    [...closing].map(([id, invoice]) => [id, { closing: invoice, thresholds: [] as Json[] }]),
  );
  for (const invoice of thresholds) {
    const usage = bySubscription.get(invoiceSubscriptionId(invoice)!);
    if (usage && invoice.created < usage.closing.created) usage.thresholds.push(invoice);
  }
  return [...bySubscription.values()];
}

/**
 * Metered subscriptions billed over more than a month whose last closed cycle can predate the
 * invoices listed (created since `listedSince`), each with the start of its own look-back: the
 * usage look-back stretched to the billing period (usageLookbackDays × months: 105 days for a
 * quarter, 420 for a year at 35), so a quarter's or a year's usage invoice counts (÷ its months)
 * until the next cycle replaces it, not only in the month it lands. Left out: those whose cycle
 * invoice is listed already, created or ended outside their look-back.
 */
export function longCycleLookbacks(
  subscriptions: Json[],
  { invoices, listedSince, asOf, usageLookbackDays }: {
    invoices: Json[];
    listedSince: number;
    asOf: Date;
    usageLookbackDays: number;
  },
): { subscription: string; since: number }[] {
  const until = Math.floor(asOf.getTime() / 1000);
  const metered = meteredSubscriptionIds(subscriptions);
  const thresholdResets = thresholdResetSubscriptions(subscriptions);
  const listed = new Set(
    usageInvoices(invoices, { asOf, thresholdResets }).map((u) => invoiceSubscriptionId(u.closing)),
  );
  const lookbacks: { subscription: string; since: number }[] = [];
  for (const subscription of subscriptions) {
    const id = String(subscription.id);
    if (!metered.has(id) || listed.has(id)) continue;
    const months = Math.max(
      ...(subscription.items?.data ?? [])
        .filter((item: Json) => item.price?.recurring?.usage_type === "metered")
        .map((item: Json) => periodMonths(item.price.recurring)),
    );
    const since = until - Math.round(usageLookbackDays * Math.max(1, months)) * 86_400;
    if (since >= listedSince) continue;
    if (typeof subscription.created === "number" && subscription.created >= listedSince) continue;
    if (typeof subscription.ended_at === "number" && subscription.ended_at < since) continue;
    lookbacks.push({ subscription: id, since });
  }
  return lookbacks;
}

/** The recurrence of every price the subscriptions hold and of the prices looked up, by id. */
export function knownRecurrences(subscriptions: Json[], prices: Json[] = []): Map<string, Json> {
  const known = new Map<string, Json>();
  for (const subscription of subscriptions) {
    for (const item of subscription.items?.data ?? []) {
      if (item.price?.id && item.price.recurring) {
        known.set(String(item.price.id), item.price.recurring);
      }
    }
  }
  for (const price of prices) if (price?.recurring) known.set(String(price.id), price.recurring);
  return known;
}

/** Whether Stripe prorated the line (a plan change): licensed prices only, never usage. */
export function isProration(line: Json): boolean {
  return Boolean(line?.parent?.subscription_item_details?.proration ?? line?.proration);
}

/**
 * Whether the line is a one-off invoice item (a pending item's period is when it was created,
 * which may be years back): never usage, so it never widens the invoice listing.
 */
export function isInvoiceItem(line: Json): boolean {
  const carried = carriedPrice(line);
  return line?.parent?.type === "invoice_item_details" || line?.type === "invoiceitem" ||
    (typeof carried === "object" && carried?.type === "one_time");
}

/** The price object the line carries (`pricing.price_details.price`, else `price`), if any. */
function carriedPrice(line: Json): Json {
  return typeof line?.pricing?.price_details?.price === "object"
    ? line.pricing.price_details.price
    : line?.price;
}

/** The line's price's recurrence: the price the line carries, else the known one (or none). */
function lineRecurring(line: Json, known: Map<string, Json>): Json | undefined {
  const carried = carriedPrice(line);
  if (typeof carried === "object" && carried?.recurring) return carried.recurring;
  const id = linePriceId(line);
  return id ? known.get(id) : undefined;
}

/**
 * Closing cycle invoices whose usage period starts before the invoices listed for their
 * subscription (`listedSince`): the threshold invoices of that period are listed back to `start`.
 * The start is the earliest period a line that may be metered billed: not a proration, not an
 * invoice item, not on a price known to be licensed (a price no subscription holds may be a
 * metered one swapped off).
 */
export function periodsBeforeListing(
  closings: Json[],
  { known, listedSince }: { known: Map<string, Json>; listedSince: (id: string) => number },
): { subscription: string; start: number; listedSince: number }[] {
  const result = [];
  for (const invoice of closings) {
    const subscription = invoiceSubscriptionId(invoice)!;
    const starts: number[] = (invoice.lines?.data ?? [])
      .filter((line: Json) =>
        !isProration(line) && !isInvoiceItem(line) &&
        lineRecurring(line, known)?.usage_type !== "licensed"
      )
      .map((line: Json) => line.period?.start)
      .filter((start: unknown): start is number => typeof start === "number");
    if (starts.length === 0) continue;
    const start = Math.min(...starts);
    const since = listedSince(subscription);
    if (start < since) result.push({ subscription, start, listedSince: since });
  }
  return result;
}

/**
 * The usage lines billing each subscription's last closed period (usage_period.ts): the metered
 * lines of its closing cycle invoice and of the period's threshold invoices, each with the months
 * of its own price's billing period. A period counts while its closing invoice is within the usage
 * look-back before `asOf`, stretched by its price's months (a quarter's 3 × 35 days), as the
 * backfill counts it (invoice_mrr.ts): the invoices listed reach back to the export window's
 * start too (postpaid PTB), and a 60-day export counted a 50-day-old invoice a 30-day one did not.
 */
export function closedPeriodUsageLines(
  objects: {
    subscriptions: Json[];
    invoices: Json[];
    earlierInvoices?: Json[];
    usagePrices?: Json[];
  },
  { asOf, usageLookbackDays }: { asOf: Date; usageLookbackDays: number },
): UsageLineLite[] {
  const known = knownRecurrences(objects.subscriptions, objects.usagePrices);
  const thresholdResets = thresholdResetSubscriptions(objects.subscriptions);
  const invoices = objects.earlierInvoices?.length
    ? [...objects.invoices, ...objects.earlierInvoices]
    : objects.invoices;
  type Metered = { invoice: Json; line: Json; recurring: Recurring };
  const candidates = usageInvoices(invoices, { asOf, thresholdResets })
    .flatMap(({ closing, thresholds }) => [closing, ...thresholds])
    .map((invoice): UsageInvoice<Metered> => {
      const meteredLines: Metered[] = [];
      for (const line of invoice.lines?.data ?? []) {
        const recurring = lineRecurring(line, known);
        // what the line is billed on decides, not what other lines made known: an invoice item
        // or a proration is never usage (the backfill's rule too, invoice_mrr.ts)
        if (recurring?.usage_type !== "metered" || isProration(line) || isInvoiceItem(line)) {
          continue;
        }
        meteredLines.push({ invoice, line, recurring });
      }
      return {
        subscription: invoiceSubscriptionId(invoice)!,
        created: invoice.created,
        status: invoice.status,
        billingReason: invoice.billing_reason,
        meteredLines,
      };
    });
  const closed = closedPeriodUsage(candidates, {
    asOfSeconds: asOf.getTime() / 1000,
    periodStart: ({ line }) => typeof line.period?.start === "number" ? line.period.start : null,
    thresholdResets,
  });
  const monthsOf = ({ recurring }: Metered) =>
    periodMonths({
      interval: recurring.interval,
      interval_count: recurring.interval_count ?? 1,
      usage_type: "metered",
    });
  const asOfSeconds = asOf.getTime() / 1000;
  const usageLines: UsageLineLite[] = [];
  for (const { subscription: subscriptionId, closing, lines } of closed) {
    const span = Math.max(1, ...lines.map(monthsOf));
    if (closing.created < asOfSeconds - usageLookbackDays * 86_400 * span) continue;
    for (const metered of lines) {
      const { invoice, line } = metered;
      usageLines.push(usageLineLite(line, {
        invoice,
        subscriptionId,
        priceId: linePriceId(line)!,
        months: monthsOf(metered),
        recurring: metered.recurring,
      }));
    }
  }
  return usageLines;
}
