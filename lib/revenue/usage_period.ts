/**
 * Which invoices bill a subscription's usage of its last closed billing period: one rule for the
 * live export (snapshot.ts) and the invoice backfill (invoice_mrr.ts invoicedUsage), so a
 * backfilled current month counts usage as the live export does (revenue-rules.md, rule 3).
 *
 * - The period closes with the subscription's most recent billing-cycle invoice (`billing_reason`
 *   subscription_cycle, or none given), paid or open, created before the as-of: its metered lines.
 * - With billing thresholds Stripe bills most of that period's usage mid-period, on
 *   `subscription_threshold` invoices, and the cycle invoice carries the rest; their metered lines
 *   count too when they billed the same period: created before the cycle invoice, their line's
 *   period starting no earlier than the cycle invoice's metered lines' (the period billed). A
 *   threshold invoice after the cycle invoice bills the current, unclosed period: not counted.
 * - A subscription whose billing thresholds reset its billing cycle anchor
 *   (`billing_thresholds.reset_billing_cycle_anchor`) starts a new period at each threshold: Stripe
 *   treats the threshold as the period's natural end, so its threshold invoice closes the period
 *   like a cycle invoice and never adds to another period's usage.
 * - Proration (`subscription_update`), manual and other invoices never count; nor draft, void or
 *   uncollectible ones.
 */

/** One invoice of a subscription, with its metered lines (whatever price they are on now). */
export interface UsageInvoice<Line> {
  subscription: string;
  /** Unix seconds */
  created: number;
  status: string;
  /** absent or null: none given, read as a cycle invoice */
  billingReason: string | null | undefined;
  meteredLines: Line[];
}

const COUNTED_STATUSES = new Set(["paid", "open"]);

/** Whether an invoice can bill usage at the as-of: paid or open, created before it. */
export function countedBefore(
  invoice: { status: string; created: number },
  asOfSeconds: number,
): boolean {
  return COUNTED_STATUSES.has(invoice.status) && invoice.created < asOfSeconds;
}

/**
 * Whether an invoice closes a billing cycle (absent reasons are old or hand-made invoices); a
 * threshold invoice does when its subscription's threshold resets the billing cycle anchor.
 */
export function closesCycle(
  billingReason: string | null | undefined,
  thresholdResetsCycle = false,
): boolean {
  return billingReason === undefined || billingReason === null ||
    billingReason === "subscription_cycle" ||
    (thresholdResetsCycle && billingReason === "subscription_threshold");
}

/**
 * Per subscription, its closing cycle invoice and the metered lines billing the period it closed
 * (its own and those of the period's threshold invoices). `periodStart` reads the start of the
 * period a line billed (Unix seconds; null when not given: then its invoice's creation);
 * `thresholdResets` holds the subscriptions whose threshold resets the billing cycle anchor.
 */
export function closedPeriodUsage<Line>(
  invoices: UsageInvoice<Line>[],
  { asOfSeconds, periodStart, thresholdResets = new Set() }: {
    asOfSeconds: number;
    periodStart: (line: Line) => number | null;
    thresholdResets?: ReadonlySet<string>;
  },
): { subscription: string; closing: UsageInvoice<Line>; lines: Line[] }[] {
  const bySubscription = new Map<string, UsageInvoice<Line>[]>();
  for (const invoice of invoices) {
    if (!countedBefore(invoice, asOfSeconds)) continue;
    const list = bySubscription.get(invoice.subscription);
    if (list) list.push(invoice);
    else bySubscription.set(invoice.subscription, [invoice]);
  }
  const result = [];
  for (const [subscription, list] of bySubscription) {
    const resets = thresholdResets.has(subscription);
    const closes = (invoice: UsageInvoice<Line>) => closesCycle(invoice.billingReason, resets);
    const cycles = list.filter(closes).sort((a, b) => b.created - a.created);
    const closing = cycles[0];
    if (!closing) continue; // no period closed yet within what was read
    // the period closed: its start as the cycle invoice's usage lines say, else (none given)
    // since the cycle invoice before it
    const starts = closing.meteredLines.map(periodStart).filter((s): s is number => s !== null);
    const since = starts.length > 0 ? Math.min(...starts) : (cycles[1]?.created ?? -Infinity);
    const lines = [...closing.meteredLines];
    for (const invoice of list) {
      if (invoice.billingReason !== "subscription_threshold" || closes(invoice)) continue;
      if (!(invoice.created < closing.created)) continue;
      for (const line of invoice.meteredLines) {
        if ((periodStart(line) ?? invoice.created) >= since) lines.push(line);
      }
    }
    result.push({ subscription, closing, lines });
  }
  return result;
}
