/**
 * MRR from Stripe invoices (revenue-rules.md, "MRR movements and MRR from invoices", rules 4–6),
 * for history backfills: MRR at an instant is the sum, over the recurring subscription lines of
 * paid or open invoices whose service period covers it, of the line's level normalised to a month.
 *
 * - level = the line amount, tax out (inclusive taxes at the line's rate, of what its discounts
 *   left: a discount not counted keeps its share net of tax; exclusive ones are not in it),
 *   minus the discounts the discount setting counts (the same `discountCounts` as live MRR, so a
 *   backfill of today equals live `mrr_recurring`; from their `start`, as live: a backdated
 *   subscription's invoice takes its coupon off days before that, counted at the price before
 *   it); ÷ the price's months per period (mrr.ts).
 * - Proration amounts never count: a proration line only dates a level. Its level is the full
 *   price × quantity in the invoice's currency (the price's currency_options amounts when the
 *   invoice is in another; without them, its amount over a full period), positive for the new price
 *   and negative for the unused time credited on the old one, held over the proration's period;
 *   so from the change on, old + (−old) + new = new. The discounts Stripe netted into a
 *   proration (listed at 0) come off the full price as live MRR takes them off the item
 *   (includedDiscountsOff); an invoice-level amount-off never does (prorationShare).
 * - A subscription whose cycle lines covering the instant bill on several intervals reads its
 *   invoice-level amount-offs as live does, not as each invoice split them over its lines
 *   (invoice_amount_off.ts).
 * - Excluded: void, uncollectible and draft invoices; lines without a subscription (one-time,
 *   manual), one-time and metered prices, $0 lines. Refunds and credit notes are not invoice lines.
 * - A line whose price Stripe lists nowhere (deleted, or created inline) counts nowhere: it could
 *   be metered, and an old price's proration credit is what makes an upgrade old − old + new; a
 *   backfill counts such lines in a warning (unpricedLines).
 *
 * Amounts are kept in minor units and rounded to whole ones per customer at the end.
 */
import { minorUnitsToMajor, priceInCurrency, roundToCents } from "./currency.ts";
import { applyDiscounts, type PricedItem } from "./discounts.ts";
import { discountCounts } from "./mrr.ts";
import { itemPeriodAmount, periodMonths } from "./price_facts.ts";
import type { RevenueRules } from "./rules.ts";
import type { DiscountLite, PriceLite, SubscriptionLite } from "./stripe_objects.ts";
import { closedPeriodUsage, type UsageInvoice } from "./usage_period.ts";
import { cycleOfPricePeriod, usageInvoicedAt } from "./status_at.ts";
import { compareText } from "../core/text_order.ts";
import {
  amountOffAsLive,
  includedTax,
  type LevelContext,
  type LevelOptions,
  meteredLinesByInvoice,
} from "./invoice_amount_off.ts";

/** The parts of an invoice line the rules read (trimmed like stripe_objects.ts: no names). */
export interface InvoiceLineLite {
  customer: string;
  invoice: string;
  /** the invoice's status: draft | open | paid | uncollectible | void */
  status: string;
  /** invoice creation, unix seconds */
  created: number;
  /** the invoice's billing_reason (subscription_cycle, subscription_threshold, …); absent or
   * null: none given, read as a cycle invoice (usage_period.ts) */
  billing_reason?: string | null;
  currency: string;
  /** null when the line is not a subscription item's (one-time, manual) */
  subscription: string | null;
  price_id: string | null;
  proration: boolean;
  quantity: number | null;
  amount: number;
  inclusive_tax: number;
  discount_amounts: { discount: string; amount: number }[];
  /** service period, unix seconds, [start, end) */
  period_start: number;
  period_end: number;
}

export interface InvoiceHistory {
  lines: InvoiceLineLite[];
  /** prices the lines refer to (from subscription items and the price list) */
  prices: PriceLite[];
  /** discounts of every subscription (any status), its items' and its customer's, with their
   * coupons */
  discounts: DiscountLite[];
  /** ids of the discounts a subscription item holds (item-level: a proration of that item takes
   * them off its price, amount-offs too); the others are the whole invoice's */
  itemDiscounts: string[];
  /** ids of the subscriptions whose billing threshold resets their billing cycle anchor (their
   * threshold invoices close a usage period: usage_period.ts) */
  thresholdResets: string[];
  /** each subscription's `billing_cycle_anchor` (unix seconds) by id, those that have one: a
   * metered price's periods run on from it where its closed period falls on its cycle */
  billingAnchors: Record<string, number>;
  /** the day of the month a subscription's periods keep when later than its anchor's (its
   * `billing_cycle_anchor_config`: SubscriptionLite.billing_cycle_anchor_day), by id */
  billingAnchorDays: Record<string, number>;
  /**
   * ids of the subscriptions paused when the history was read (payment collection paused, or
   * Stripe's `paused`): a backfill marks a pause from invoices by them (lib/history
   * invoice_revenue.ts pausedCustomersAt), as nothing on an invoice does
   */
  pausedSubscriptions: string[];
  /** the created range listed, unix seconds [from, to) */
  from: number;
  to: number;
}

export interface InvoiceMrr {
  /** whole minor units per month, by lower-case currency (those summing above 0) */
  byCurrency: Map<string, number>;
  /** the currencies, sorted and joined by "," (lower case), as live revenue's `currency` */
  currency: string;
  /** USD per month, every currency converted and summed, to the cent; null when a currency
   * has no configured rate */
  usd: number | null;
  /** currencies without a configured rate */
  unconverted: string[];
}

export type LineLevel =
  | { counted: true; monthly: number; /** its price's months per period */ months: number }
  | { counted: false; reason: string };

const COUNTED_STATUSES = new Set(["paid", "open"]);

export type { LevelContext };

/** A history's lookups for lineMonthlyLevel at `atSeconds`. */
export function levelContext(
  history: InvoiceHistory,
  { rules, atSeconds }: { rules: RevenueRules; atSeconds: number },
): LevelContext {
  return {
    prices: new Map(history.prices.map((p) => [p.id, p])),
    discounts: new Map(history.discounts.map((d) => [d.id, d])),
    itemDiscounts: new Set(history.itemDiscounts),
    rules,
    atSeconds,
  };
}

/** The monthly level (minor units, signed for proration credits) of one line at `atSeconds`. */
export function lineMonthlyLevel(line: InvoiceLineLite, context: LevelContext): LineLevel {
  const price = line.price_id ? context.prices.get(line.price_id) : undefined;
  if (!COUNTED_STATUSES.has(line.status)) {
    return { counted: false, reason: `${line.status} invoice` };
  }
  if (!line.subscription) return { counted: false, reason: "not a subscription line" };
  if (line.amount === 0) return { counted: false, reason: "$0 line" };
  if (!price) return { counted: false, reason: "unknown price" };
  if (!price.recurring) return { counted: false, reason: "one-time price" };
  if (price.recurring.usage_type === "metered") return { counted: false, reason: "metered" };
  const months = periodMonths(price.recurring);
  if (!line.proration) {
    return {
      counted: true,
      monthly: (line.amount * netShare(line, context, { counts: () => true })) / months,
      months,
    };
  }
  const share = prorationShare(line, context);
  // the price as the invoice bills it: its currency_options' amounts in another currency (a EUR
  // invoice on a USD price), as live MRR reads a subscription's (priceInCurrency)
  const billed = priceInCurrency(price, line.currency);
  const monthly = billed && (billed.unit_amount_decimal !== null || billed.tiers)
    ? includedDiscountsOff(line, { ...context, price: billed, months })
    : Math.abs(line.amount) * fullPeriodSeconds(line, months) /
      Math.max(1, line.period_end - line.period_start) / months;
  return { counted: true, monthly: Math.sign(line.amount) * monthly * share, months };
}

/**
 * The share of a line's amount that is revenue: the discounts Stripe took off it
 * (discount_amounts) that `counts` and the discount setting count out, then the tax included in
 * it (unless `taxOut` is false) at the line's own rate (includedTax): Stripe takes the tax out
 * of what is left after all its discounts, so a discount not counted keeps its share of the
 * price net of tax (125 USD with 25 % tax in it and a once coupon's 25 off: 100, not 125 − 20),
 * as live MRR takes the tax out of the price less the discounts it counts (mrr.ts).
 */
function netShare(
  line: InvoiceLineLite,
  context: LevelContext,
  { counts, taxOut = true }: LevelOptions,
): number {
  const magnitude = Math.abs(line.amount);
  const discounted = line.discount_amounts.reduce((sum, d) => {
    const discount = context.discounts.get(d.discount);
    return discount && counts(discount) &&
        discountCounts(discount, {
          rules: context.rules,
          asOfSeconds: context.atSeconds,
          // the line's invoice opened its period: a repeating discount on it covers all of it
          invoicedAt: line.period_start,
        })
      ? sum + Math.abs(d.amount)
      : sum;
  }, 0);
  const kept = Math.max(0, magnitude - discounted);
  return (kept - (taxOut ? includedTax(line, kept) : 0)) / magnitude;
}

/**
 * A proration's netShare without its invoice-level amount-offs ("itemized" proration discounts
 * list them with amounts): an invoice-level amount-off is the subscription's whole, carried once
 * by its cycle lines (split over them), so the level model old − old + new keeps it; taken off
 * an added item's proration as well it would count twice (live MRR: $100 + $50 − $20 = $130, not
 * $110). Each itemized line's discount_amounts does say its share, but of that proration
 * invoice's discount, not of the level: off a removed add-on's credit it would undo part of the
 * cycle lines' $20 ($86.67, not $80). The item's own amount-offs and every percent-off come off
 * as on the cycle line.
 */
function prorationShare(line: InvoiceLineLite, context: LevelContext): number {
  return netShare(line, context, {
    counts: (discount) =>
      context.itemDiscounts.has(discount.id) || Boolean(discount.coupon.percent_off),
  });
}

/**
 * A proration's full level a month (price × quantity ÷ months) less the discounts Stripe netted
 * into its amount: by default ("included" proration discounts, changelog 2025-09-30.clover) a
 * proration's amount is already net of its discounts, which it lists with amount 0. They come off
 * as live MRR takes them off the item (applyDiscounts): the item's own first (percent-off, and
 * amount-off ÷ the price's months: a $30-off add-on added mid-cycle reads $50 − $30, and one
 * removed credits as much as its cycle line counted), then the invoice-level percent-offs ($100
 * at 20 % off upgraded to $250 reads $200, not $230). An invoice-level amount-off is left out: its
 * cycle lines carry it once (prorationShare). Each comes off only the products its coupon covers,
 * an amount-off in the line's currency (the coupons are listed with `applies_to` and
 * `currency_options`, as live: invoice_fetch.ts).
 */
function includedDiscountsOff(
  line: InvoiceLineLite,
  context: LevelContext & { price: PriceLite; months: number },
): number {
  const { price, months, rules, atSeconds } = context;
  const priced: PricedItem = {
    role: "base", // not read: the item's amount is all applyDiscounts changes
    product: price.product,
    monthly: itemPeriodAmount(price, line.quantity ?? 1) / months,
    netOfTax: 1,
  };
  const included = (itemLevel: boolean) =>
    line.discount_amounts.flatMap(({ discount: id, amount }) => {
      const discount = amount === 0 ? context.discounts.get(id) : undefined;
      return discount && context.itemDiscounts.has(id) === itemLevel &&
          (itemLevel || discount.coupon.percent_off)
        ? [discount]
        : [];
    });
  const options = {
    months,
    currency: line.currency,
    rules,
    asOfSeconds: atSeconds,
    periodStart: line.period_start,
  };
  applyDiscounts([priced], included(true), options);
  applyDiscounts([priced], included(false), options);
  return priced.monthly;
}

/** Seconds of a full period of `months` months starting at the line's period start. */
function fullPeriodSeconds(line: InvoiceLineLite, months: number): number {
  const start = new Date(line.period_start * 1000);
  const end = Date.UTC(
    start.getUTCFullYear(),
    start.getUTCMonth() + Math.round(months),
    start.getUTCDate(),
    start.getUTCHours(),
    start.getUTCMinutes(),
    start.getUTCSeconds(),
  );
  return (end - start.getTime()) / 1000;
}

/**
 * The lines that would be read (subscription lines of paid or open invoices, not $0) but name a
 * price the history does not hold — deleted, or created inline (Stripe's price lists leave both
 * out): counted in neither MRR nor usage, so a backfill says how many. With `at`: those whose
 * service period covers the instant before it (as invoiceMrrAt reads them).
 */
export function unpricedLines(history: InvoiceHistory, at?: Date): InvoiceLineLite[] {
  const t = at === undefined ? null : Math.floor(at.getTime() / 1000) - 1;
  const known = new Set(history.prices.map((p) => p.id));
  return history.lines.filter((line) =>
    COUNTED_STATUSES.has(line.status) && line.subscription !== null && line.amount !== 0 &&
    !(line.price_id !== null && known.has(line.price_id)) &&
    (t === null || (line.period_start <= t && t < line.period_end))
  );
}

/**
 * The lines invoiceMrrAt counts at `at` that carry discounts the history does not hold (neither a
 * subscription nor the invoices could read them: their coupon deleted, which no listing returns;
 * invoice_discounts.ts reads the others): whether the discount setting counts them cannot be
 * told, so they are counted at the price before them. A cycle line comes with those discounts'
 * amount a month (minor units, its currency); a proration with null: Stripe nets its discounts
 * into its amount, listed at 0 (an itemized one lists the prorated days' share only, which may be
 * the whole invoice's, never off a level), so what they would take off its level cannot be read.
 */
export function unknownDiscountLines(
  history: InvoiceHistory,
  { at, rules }: { at: Date; rules: RevenueRules },
): { line: InvoiceLineLite; monthly: number | null }[] {
  const t = Math.floor(at.getTime() / 1000) - 1;
  const context = levelContext(history, { rules, atSeconds: t });
  return history.lines.flatMap((line) => {
    if (!(line.period_start <= t && t < line.period_end)) return [];
    const unknown = line.discount_amounts.filter((d) =>
      (line.proration || d.amount !== 0) && !context.discounts.has(d.discount)
    );
    const price = line.price_id ? context.prices.get(line.price_id) : undefined;
    if (unknown.length === 0 || !price?.recurring) return [];
    if (!lineMonthlyLevel(line, context).counted) return [];
    const off = unknown.reduce((sum, d) => sum + Math.abs(d.amount), 0);
    return [{ line, monthly: line.proration ? null : off / periodMonths(price.recurring) }];
  });
}

/**
 * Invoice-derived MRR per customer at `at` (the instant just before it: an as-of of 12-01 00:00
 * reads the periods covering November 30). Customers whose sum is 0 or below are left out.
 */
export function invoiceMrrAt(
  history: InvoiceHistory,
  { at, rules }: { at: Date; rules: RevenueRules },
): Map<string, InvoiceMrr> {
  const t = Math.floor(at.getTime() / 1000) - 1;
  const context = levelContext(history, { rules, atSeconds: t });
  const sums = new Map<string, Map<string, number>>(); // customer → currency → minor units
  const add = (line: InvoiceLineLite, monthly: number) => {
    const byCurrency = sums.get(line.customer) ?? new Map<string, number>();
    byCurrency.set(line.currency, (byCurrency.get(line.currency) ?? 0) + monthly);
    sums.set(line.customer, byCurrency);
  };
  // A subscription whose cycle lines bill on several intervals reads its amount-offs as live
  // does, not as its invoices split them (invoice_amount_off.ts). Such a one has a line not billed
  // monthly: those with one and a discount are read again, not every subscription.
  const cycleLines: InvoiceLineLite[] = []; // the counted cycle lines covering the instant
  const discounted = new Set<string>(); // subscriptions with such a line carrying a discount
  const notMonthly = new Set<string>(); // and with one on another interval than a month
  for (const line of history.lines) {
    if (!(line.period_start <= t && t < line.period_end)) continue;
    const level = lineMonthlyLevel(line, context);
    if (!level.counted) continue;
    add(line, level.monthly);
    if (line.proration) continue;
    cycleLines.push(line);
    if (line.discount_amounts.length > 0) discounted.add(line.subscription!);
    if (level.months !== 1) notMonthly.add(line.subscription!);
  }
  if (discounted.size > 0 && notMonthly.size > 0) {
    const covering = cycleLines.filter((line) =>
      discounted.has(line.subscription!) && notMonthly.has(line.subscription!)
    );
    let metered: Map<string, InvoiceLineLite[]> | undefined; // listed once, when first asked
    const meteredOf = (invoice: string) =>
      (metered ??= meteredLinesByInvoice(history.lines, context.prices)).get(invoice) ?? [];
    const levelOf = (line: InvoiceLineLite, options: LevelOptions) =>
      line.amount * netShare(line, context, options);
    for (const lines of Map.groupBy(covering, (line) => line.subscription!).values()) {
      add(lines[0], amountOffAsLive(lines, { context, meteredOf, levelOf }));
    }
  }
  const result = new Map<string, InvoiceMrr>();
  for (const [customer, sumByCurrency] of sums) {
    // Every currency counts (rule 7: a customer's status is across currencies), converted as
    // live revenue converts each item (mrr.ts toUsd) and summed, then rounded to the cent.
    const byCurrency = new Map<string, number>();
    for (const [currency, amount] of [...sumByCurrency].sort(([a], [b]) => compareText(a, b))) {
      const minor = Math.round(amount);
      if (minor > 0) byCurrency.set(currency, minor);
    }
    if (byCurrency.size === 0) continue;
    let usd = 0;
    const unconverted: string[] = [];
    for (const [currency, minor] of byCurrency) {
      const rate = currency === "usd" ? 1 : rules.fxRates[currency];
      if (rate === undefined) unconverted.push(currency);
      else usd += minorUnitsToMajor(minor, currency) * rate;
    }
    result.set(customer, {
      byCurrency,
      currency: [...byCurrency.keys()].join(","),
      usd: unconverted.length > 0 ? null : roundToCents(usd),
      unconverted,
    });
  }
  return result;
}

/** A subscription's anchor and the day of the month its periods keep, as the history holds them. */
function subscriptionCycle(
  history: InvoiceHistory,
  id: string,
): Pick<SubscriptionLite, "billing_cycle_anchor" | "billing_cycle_anchor_day"> {
  const day = Object.hasOwn(history.billingAnchorDays, id) ? history.billingAnchorDays[id] : null;
  return {
    billing_cycle_anchor: Object.hasOwn(history.billingAnchors, id)
      ? history.billingAnchors[id]
      : null,
    ...(day === null ? {} : { billing_cycle_anchor_day: day }),
  };
}

/**
 * Metered usage per customer, USD a month (the spec's usage charges), as the live export counts
 * it (snapshot.ts, mrr.ts addUsage), by the same rule (usage_period.ts): per subscription, the
 * metered lines — whatever price they are on now, never a proration — billing its last closed
 * period before `to` (the cycle invoice's and the period's threshold invoices'), when that cycle
 * invoice was created within the live export's usage look-back before `to` — N look-backs for a
 * price billed every N > 1 months — net of inclusive tax and of the discounts the discount
 * setting counts at `to` (a repeating one while it covers the invoice that will bill the price's
 * period under way, its periods running on from the closed period's end), normalised to a month by the
 * price's interval (a quarter's invoice ÷ 3, a week's × 52/12).
 */
export function invoicedUsage(
  history: InvoiceHistory,
  range: { to: Date; rules: RevenueRules },
): Map<string, number> {
  const { rules } = range;
  const to = range.to.getTime() / 1000;
  // the live export's look-back (PRICING_STRIPE_USAGE_LOOKBACK_DAYS, 35 days), not the window's
  // 30: a calendar month's cycle invoice is 31 days old at the next month's start
  const lookback = rules.usageLookbackDays * 86_400;
  const asOfSeconds = Math.floor(to);
  const prices = new Map(history.prices.map((p) => [p.id, p]));
  const discounts = new Map(history.discounts.map((d) => [d.id, d]));
  const months = (line: InvoiceLineLite) => periodMonths(prices.get(line.price_id!)!.recurring!);
  // the subscriptions' invoices, each with its metered lines (a line names its subscription)
  const invoices = new Map<string, UsageInvoice<InvoiceLineLite>>();
  for (const line of history.lines) {
    if (!line.subscription) continue;
    const invoice = invoices.get(line.invoice) ?? {
      subscription: line.subscription,
      created: line.created,
      status: line.status,
      billingReason: line.billing_reason,
      meteredLines: [],
    };
    invoices.set(line.invoice, invoice);
    const price = line.price_id ? prices.get(line.price_id) : undefined;
    // a proration is never usage, as live (usage_invoices.ts); an invoice item names no
    // subscription here (InvoiceLineLite.subscription), so it is none either
    if (price?.recurring?.usage_type === "metered" && !line.proration) {
      invoice.meteredLines.push(line);
    }
  }
  const usage = new Map<string, number>();
  const closed = closedPeriodUsage([...invoices.values()], {
    asOfSeconds: to,
    periodStart: (line) => line.period_start || null,
    thresholdResets: new Set(history.thresholdResets),
  });
  for (const { closing, lines } of closed) {
    // A metered price bills a period's usage at once: as the live revenue does, its last cycle
    // counts per month of its period until the next one, so a price billed every N > 1 months
    // is looked for back N windows; a shorter one's (a week's) is scaled up.
    const span = Math.max(1, ...lines.map(months));
    if (closing.created < to - lookback * span) continue;
    // the closed period, per price: its line ending last, the cycle invoice's (a threshold
    // invoice's line ends at its threshold, mid-period), as live (mrr.ts usageLineInvoicedAt)
    const closedPeriods = new Map<string, { start: number | null; end: number }>();
    for (const line of lines) {
      const known = closedPeriods.get(line.price_id!)?.end ?? 0;
      if (line.period_end > known) {
        closedPeriods.set(line.price_id!, {
          start: line.period_start || null,
          end: line.period_end,
        });
      }
    }
    for (const line of lines) {
      const rate = line.currency === "usd" ? 1 : rules.fxRates[line.currency];
      if (rate === undefined) continue;
      // the line stands for the usage of its price's period under way, billed at that period's
      // end: a repeating discount counts while it covers that invoice, as live (mrr.ts addUsage)
      const closed = closedPeriods.get(line.price_id!) ??
        { start: line.period_start || null, end: line.period_end };
      // its periods run on from the subscription's anchor where the closed one falls on its cycle,
      // else from the closed one's own dates (a period cut to a month's last day from an anchor on
      // the 31st runs on from its start's day): cycleOfPricePeriod
      const recurring = prices.get(line.price_id!)!.recurring!;
      const invoicedAt = line.discount_amounts.length > 0 && closed.end
        ? usageInvoicedAt(
          cycleOfPricePeriod({
            subscription: subscriptionCycle(history, line.subscription!),
            period: closed,
            recurring,
          }),
          { recurring, asOfSeconds },
        )
        : null;
      const discounted = line.discount_amounts.reduce((sum, d) => {
        const discount = discounts.get(d.discount);
        return discount && discountCounts(discount, { rules, asOfSeconds, invoicedAt })
          ? sum + d.amount
          : sum;
      }, 0);
      const net = line.amount - line.inclusive_tax - discounted;
      const usd = minorUnitsToMajor(Math.max(0, net), line.currency) * rate / months(line);
      usage.set(line.customer, (usage.get(line.customer) ?? 0) + usd);
    }
  }
  return usage;
}
