/**
 * Monthly revenue of one customer from its Stripe subscriptions — a pure function, shared by the
 * live path, the cache and the demo generator.
 *
 * - Counted statuses only (default active, past_due); cancel_at_period_end still counts.
 * - Recurring licensed items: quantity (after transform_quantity) × unit amount, or the tiered
 *   amount (graduated: per tier; volume: the tier the quantity falls in), normalised to a month:
 *   month ÷ count, year ÷ (12 × count), week × 52/12 ÷ count, day × 365/12 ÷ count.
 * - Discounts per the policy (from their start; a repeating one while it covered the invoice of
 *   the billing period under way at the as-of, each item's own: discountCounts), on the items
 *   their coupon covers (`applies_to.products`), amount_off (per invoice: ÷ the shortest covered
 *   item's months) split over those items in proportion, less what the last cycle invoice took
 *   off metered usage lines (counted with usage; with no usage invoice, all of it off the licensed
 *   items); never below zero. A customer's own discount applies to its subscriptions that have
 *   none (at the as-of: none applied by then, nor made with the subscription).
 * - Tax excluded: a price with inclusive tax rates (the item's, else the subscription's) counts
 *   ÷ (1 + their rate), after discounts; one whose rate is not known (Stripe Tax, inclusive) is
 *   counted as billed and reported.
 * - Items on an item-level trial (current_trial) under way at the as-of (begun by it, ending after
 *   it) do not count; nor does a
 *   subscription whose own trial ended, or which started, after the as-of (runningAt). One
 *   canceled after the as-of counts as active then, at the items it ended with (status_at.ts).
 * - A licensed item whose role is usage (named like storage, or mapped so) counts as addon_other:
 *   a fixed recurring amount, where usage is what metered prices billed.
 * - Metered items have no fixed amount: usage is what Stripe billed for the last closed period
 *   (its cycle invoice and threshold invoices: usage_period.ts), less the discounts the policy
 *   counts (a repeating one while it covers the invoice billing the period under way, created at
 *   its end) and any tax included in the price, normalised to a month by the price's interval like
 *   licensed items (a quarter's invoice ÷ 3). usageDiscounts is what every discount took off those
 *   lines, whatever the policy counts, a month alike: usage billed at all, before discounts, is
 *   usage or discounts above 0 under any policy (unbilled_usage_usd judges leakage on it).
 * - firstPeriodOpen: every counted subscription is in its first billing period at the as-of (since
 *   it started, or its trial ended: firstPeriodOpenAt), so no usage was due to be billed yet.
 * - Non-USD: converted with configured rates, else the customer's revenue is left empty. A price
 *   billed in another currency than its own uses its currency_options' amounts for that currency;
 *   a customer whose price has none for it is left empty.
 */
import type { CustomerRevenue } from "./types.ts";
import type { ItemRole, RevenueRules } from "./rules.ts";
import { itemPeriodAmount, priceFactsMemo, type PriceFactsOf } from "./price_facts.ts";
import { applyDiscounts, discountCounts, ownDiscountsApply, type PricedItem } from "./discounts.ts";
import { minorUnitsToMajor, priceInCurrency, roundToCents } from "./currency.ts";
import {
  billingPeriodStartAt,
  cancellingAt,
  cycleOfPricePeriod,
  endedSince,
  endUnknown,
  firstPeriodOpenAt,
  inTrialAt,
  periodStartAt,
  runningAt,
  statusAt,
  usageInvoicedAt,
} from "./status_at.ts";
import type {
  DiscountLite,
  ProductLite,
  SubscriptionLite,
  UsageLineLite,
} from "./stripe_objects.ts";

export { discountAppliesTo, discountCounts } from "./discounts.ts";

export interface CustomerInput {
  customerId: string;
  subscriptions: SubscriptionLite[];
  products: Map<string, ProductLite>;
  /** metered lines of each subscription's most recent closed invoice */
  usageLines: UsageLineLite[];
  /** the customer's own discount: applies to its subscriptions that have none of their own */
  customerDiscounts?: DiscountLite[];
  asOf: Date;
  /** facts of the prices (priceFactsMemo of the same products and rules), shared by customers */
  priceFacts?: PriceFactsOf;
}

export interface CustomerRevenueResult {
  revenue: CustomerRevenue;
  /** price ids of items whose role could not be told (counted under addon_other) */
  unknownPriceIds: readonly string[];
  /** currencies with no configured rate (upper case) */
  unconvertedCurrencies: readonly string[];
  /** prices whose currency differs from their subscription's (billed via currency_options) */
  foreignCurrencyPriceIds: readonly string[];
  /** licensed prices whose role is usage (counted under addon_other) */
  licensedUsagePriceIds: readonly string[];
  /** prices holding tax at a rate the subscription does not say (counted with it) */
  inclusiveTaxUnknownPriceIds: readonly string[];
  /** counted subscriptions whose first full period starts after the as-of (billing anchor) */
  anchorAheadSubscriptionIds: readonly string[];
  /** counted subscriptions canceled since the as-of (counted as active then: status_at.ts) */
  endedSinceSubscriptionIds: readonly string[];
  /** canceled subscriptions that do not say when they ended (not counted: status_at.ts) */
  endUnknownSubscriptionIds: readonly string[];
}

/**
 * The lists of a result that has none, shared: five empty arrays a customer were ~30 MB of the
 * revenue worker's heap at 200k subscriptions, held while the queries run (computeRevenueAhead).
 */
const NONE: readonly string[] = Object.freeze([]);

/**
 * `list` with `value` added unless it has it; a new one-value list for none. A customer has a
 * handful of statuses, currencies and plans, so lists beat Sets, and they start as null: an empty
 * array's first push reserves room for 17 values, ~150 bytes a list, eight lists a customer.
 */
function withValue<T>(list: T[] | null, value: T): T[] {
  if (list === null) return [value];
  if (!list.includes(value)) list.push(value);
  return list;
}

/** The distinct values sorted and joined, null when there are none. */
function joinedSorted(values: string[] | null, separator: string): string | null {
  if (values === null) return null;
  return values.length === 1 ? values[0] : values.sort().join(separator);
}

/**
 * The discount an invoice line names, among the subscription's, the customer's and its items'
 * (the last of that id, as a Map of them in that order would keep). Searched, not indexed: a
 * subscription has a few discounts, and a Map per subscription cost more than every search.
 */
function discountNamed(
  id: string,
  { subscription, customerDiscounts }: {
    subscription: SubscriptionLite;
    customerDiscounts: DiscountLite[];
  },
): DiscountLite | undefined {
  const items = subscription.items;
  for (let i = items.length - 1; i >= 0; i--) {
    const found = items[i].discounts.findLast((d) => d.id === id);
    if (found) return found;
  }
  return customerDiscounts.findLast((d) => d.id === id) ??
    subscription.discounts.findLast((d) => d.id === id);
}

/**
 * One customer's revenue as its subscriptions' items and usage lines are added in. A class, one
 * object per customer: its methods take plain arguments, where functions would take an options
 * object per item (garbage, ×200k customers).
 */
class CustomerTally {
  /** USD per month */
  readonly byRole: Record<Exclude<ItemRole, "unknown">, number> = {
    base: 0,
    usage: 0,
    addon_prompts: 0,
    addon_other: 0,
  };
  /**
   * USD per month that discounts took off the usage lines, every discount Stripe applied whatever
   * the policy counts: usage billed before discounts is usage + what the policy counted of this
   */
  usageDiscounts = 0;
  /** the recurring items' monthly amounts in the billing currency's minor units, unrounded */
  recurringMinor = 0;
  unknownPriceIds: string[] | null = null;
  unconverted: string[] | null = null;
  foreignPrices: string[] | null = null;
  licensedUsage: string[] | null = null;
  taxUnknown: string[] | null = null;
  intervals: string[] | null = null;
  currencies: string[] | null = null;
  planNames: string[] | null = null;
  readonly rules: RevenueRules;
  readonly asOfSeconds: number;
  readonly factsOf: PriceFactsOf;
  /** the customer's own discounts: for its subscriptions that have none */
  readonly customerDiscounts: DiscountLite[];

  constructor(
    context: {
      rules: RevenueRules;
      asOfSeconds: number;
      factsOf: PriceFactsOf;
      customerDiscounts: DiscountLite[];
    },
  ) {
    this.rules = context.rules;
    this.asOfSeconds = context.asOfSeconds;
    this.factsOf = context.factsOf;
    this.customerDiscounts = context.customerDiscounts;
  }

  /** Minor units of `currency` in USD; null (and the currency noted) without a rate. */
  toUsd(minor: number, currency: string): number | null {
    const major = minorUnitsToMajor(minor, currency);
    if (currency === "usd") return major;
    const rate = this.rules.fxRates[currency];
    if (rate === undefined) {
      this.unconverted = withValue(this.unconverted, currency.toUpperCase());
      return null;
    }
    return major * rate;
  }

  /**
   * A counted subscription's recurring licensed items, discounted, into `byRole`; `usageLines`
   * (the customer's) tell what of an amount_off its last cycle took off metered usage instead.
   */
  addSubscription(subscription: SubscriptionLite, usageLines: UsageLineLite[]): void {
    const { rules, asOfSeconds } = this;
    const currency = subscription.currency;
    this.currencies = withValue(this.currencies, currency.toUpperCase());
    // the customer's discount stands in for a subscription's own not applied by the as-of, unless
    // they came with the subscription (ownDiscountsApply)
    const own = ownDiscountsApply(subscription, asOfSeconds)
      ? subscription.discounts
      : this.customerDiscounts;
    // Subscription-level discounts split over the items: only then are the items kept for them;
    // without, each item's amount is final and added up at once (in the same order).
    const items: PricedItem[] | null = own.length > 0 ? [] : null;
    // Subscription-level amount_off comes off each invoice, and a subscription invoices at each
    // period of its shortest-interval item (mixed intervals, flexible billing mode: the longer
    // items join the invoices their periods align with): the shortest priced item's months (of
    // those its coupon covers: applyDiscounts), so the items' order does not matter.
    let months = 0;
    // each item's billing period under way at the as-of, whose invoice a repeating discount must
    // have covered (discountCounts): items on several intervals (flexible billing mode) are
    // invoiced apart, a yearly item's March invoice discounted and a monthly one's October
    // invoice not. Worked out only when a discount asks, once an interval.
    let periodStarts: Map<string, number | null> | null = null;
    const periodStartOf = ({ recurring }: PricedItem): number | null => {
      if (!recurring) return billingPeriodStartAt(subscription, asOfSeconds);
      const key = `${recurring.interval}/${recurring.interval_count}`;
      periodStarts ??= new Map();
      let start = periodStarts.get(key);
      if (start === undefined) {
        periodStarts.set(key, start = periodStartAt(subscription, { recurring, asOfSeconds }));
      }
      return start;
    };
    for (const item of subscription.items) {
      const price = item.price;
      if (!price.recurring) continue; // one-time items are not recurring revenue
      const metered = price.recurring.usage_type === "metered";
      if (!metered && (item.quantity ?? 1) <= 0) continue; // quantity 0: removed, kept on file
      if (inTrialAt(item, asOfSeconds)) continue; // in its own trial then: not billed yet
      const facts = this.factsOf(price);
      this.planNames = withValue(this.planNames, facts.planName);
      this.intervals = withValue(this.intervals, facts.interval);
      if (facts.role === "unknown") {
        this.unknownPriceIds = withValue(this.unknownPriceIds, price.id);
      }
      if (metered) continue; // billed from invoices (addUsage)
      let role = facts.role;
      if (role === "usage") {
        // usage_charges are what metered prices billed; a licensed price is a fixed recurring
        // amount, an add-on to the plan like any other
        this.licensedUsage = withValue(this.licensedUsage, price.id);
        role = "addon_other";
      }
      const billed = priceInCurrency(price, currency);
      if (!billed) {
        this.foreignPrices = withValue(this.foreignPrices, price.id);
        continue;
      }
      months = months === 0 ? facts.months : Math.min(months, facts.months);
      // Stripe takes discounts off the price as billed, tax included, and the tax out of the rest
      const taxPercent = item.inclusive_tax_percent;
      if (taxPercent === null) this.taxUnknown = withValue(this.taxUnknown, price.id);
      const priced: PricedItem = {
        role,
        product: price.product,
        monthly: itemPeriodAmount(billed, item.quantity ?? 1) / facts.months,
        netOfTax: taxPercent ? 1 / (1 + taxPercent / 100) : 1,
        recurring: price.recurring,
      };
      if (item.discounts.length > 0) {
        applyDiscounts([priced], item.discounts, {
          months: facts.months,
          currency,
          rules,
          asOfSeconds,
          periodStartOf,
        });
      }
      if (items) items.push(priced);
      else this.addItem(priced, currency);
    }
    if (!items) return;
    const offUsage = (discountId: string) => {
      let off = 0;
      for (const line of usageLines) {
        if (line.subscription !== subscription.id) continue;
        for (const applied of line.discount_amounts) {
          if (applied.discount === discountId) off += applied.amount;
        }
      }
      return off;
    };
    applyDiscounts(items, own, {
      months: months || 1,
      currency,
      rules,
      asOfSeconds,
      periodStartOf,
      offUsage,
    });
    for (const priced of items) this.addItem(priced, currency);
  }

  /** A priced item's monthly amount into its role (unknown roles count as addon_other). */
  private addItem({ role, monthly, netOfTax }: PricedItem, currency: string): void {
    // (every item added here is recurring: usage is addUsage's; a customer of several
    // currencies has no one native amount, so their mix is summed and never used)
    this.recurringMinor += monthly * netOfTax;
    const usd = this.toUsd(monthly * netOfTax, currency);
    if (usd === null) return;
    this.byRole[role === "unknown" ? "addon_other" : role] += usd;
  }

  /**
   * Usage: what the last closed cycle billed, net of the discounts the policy counts (matched by
   * discount id to the subscription's and its items' discounts) and of tax included in the price,
   * per month of the cycle: a quarter's usage invoice is a third of it a month.
   */
  addUsage(lines: UsageLineLite[], counted: SubscriptionLite[]): void {
    const { rules, asOfSeconds, customerDiscounts } = this;
    for (const line of lines) {
      // the last counted subscription of that id (a customer has a few: searched, not indexed)
      const subscription = counted.findLast((s) => s.id === line.subscription);
      if (!subscription) continue;
      let discountOff = 0;
      let discountedAll = 0;
      for (const applied of line.discount_amounts) {
        discountedAll += applied.amount;
        const discount = discountNamed(applied.discount, { subscription, customerDiscounts });
        // the line stands for the usage of the metered price's period under way, billed at
        // that period's end (discountCounts): the next invoice, not the one that opened the
        // period, which billed the period before; the price's own periods, as items on several
        // intervals are invoiced apart
        const invoicedAt = discount?.coupon.duration === "repeating"
          ? usageLineInvoicedAt(subscription, { line, lines, asOfSeconds })
          : null;
        // from its start, as the backfill's usage (invoice_mrr.ts invoicedUsage) counts it
        const counts = discount && discountCounts(discount, { rules, asOfSeconds, invoicedAt });
        if (counts) {
          discountOff += applied.amount;
        }
      }
      const net = Math.max(0, line.amount - line.inclusive_tax - discountOff);
      // per month of the billed price's own period (a price swapped off since too)
      const usd = this.toUsd(net / line.months, line.currency);
      if (usd !== null) this.byRole.usage += usd;
      const discountedUsd = this.toUsd(discountedAll / line.months, line.currency);
      if (discountedUsd !== null) this.usageDiscounts += discountedUsd;
    }
  }
}

/**
 * When the invoice billing the usage of a usage line's price's period under way at the as-of is
 * created (usageInvoicedAt): by the subscription's item on that price; else (a price swapped off
 * since) by the closed period its lines billed (the one ending last of its subscription's lines on
 * that price: a threshold invoice's line ends at its threshold, mid-period), its price's periods
 * running on from the subscription's anchor where the period falls on its cycle, else from the
 * period's end (a weekly price's week from the invoice that billed it, not the monthly plan's
 * month that replaced it: cycleOfPricePeriod);
 * else (a line without a period) a period of the line's whole months, else the subscription's
 * first item's.
 */
function usageLineInvoicedAt(
  subscription: SubscriptionLite,
  { line, lines, asOfSeconds }: {
    line: UsageLineLite;
    /** the customer's usage lines: the closed period's others on that price */
    lines: UsageLineLite[];
    asOfSeconds: number;
  },
): number | null {
  const held = subscription.items.find((item) => item.price.id === line.price_id)?.price
    .recurring;
  if (held) return usageInvoicedAt(subscription, { recurring: held, asOfSeconds });
  if (line.period) {
    // the closed period: its cycle invoice's line, ending last (the backfill's closedPeriods)
    let period = line.period;
    for (const other of lines) {
      if (
        other.subscription === line.subscription && other.price_id === line.price_id &&
        other.period && other.period.end > period.end
      ) period = other.period;
    }
    // on the subscription's anchor where that period falls on its cycle (a swap on the same
    // interval keeps it), else off the period's own dates
    const cycle = cycleOfPricePeriod({
      subscription,
      period: { start: period.start ?? null, end: period.end },
      recurring: period,
    });
    return usageInvoicedAt(cycle, { recurring: period, asOfSeconds });
  }
  const recurring = Number.isInteger(line.months) && line.months >= 1
    ? { interval: "month" as const, interval_count: line.months }
    : subscription.items.find((item) => item.price.recurring)?.price.recurring;
  return recurring ? usageInvoicedAt(subscription, { recurring, asOfSeconds }) : null;
}

export function computeCustomerRevenue(
  input: CustomerInput,
  rules: RevenueRules,
): CustomerRevenueResult {
  const asOfSeconds = Math.floor(input.asOf.getTime() / 1000);
  const tally = new CustomerTally({
    rules,
    asOfSeconds,
    factsOf: input.priceFacts ?? priceFactsMemo({ products: input.products, rules }),
    customerDiscounts: input.customerDiscounts ?? [],
  });
  const isCounted = (s: SubscriptionLite) => {
    const status = statusAt(s, asOfSeconds);
    return status !== null && rules.countedStatuses.includes(status) &&
      runningAt(s, { asOfSeconds, rules });
  };
  const counted = input.subscriptions.every(isCounted)
    ? input.subscriptions
    : input.subscriptions.filter(isCounted);
  for (const subscription of counted) tally.addSubscription(subscription, input.usageLines);
  if (input.usageLines.length > 0) tally.addUsage(input.usageLines, counted);

  // statuses at the as-of: one canceled since was live then, one out of its trial since was
  // trialing, one started since had none (statusAt)
  let statuses: string[] | null = null;
  let endUnknownIds: string[] | null = null;
  for (const subscription of input.subscriptions) {
    const status = statusAt(subscription, asOfSeconds);
    if (status !== null) statuses = withValue(statuses, status);
    if (endUnknown(subscription, asOfSeconds)) {
      endUnknownIds = withValue(endUnknownIds, subscription.id);
    }
  }
  let endedSinceIds: string[] | null = null;
  for (const s of counted) {
    if (endedSince(s, asOfSeconds)) endedSinceIds = withValue(endedSinceIds, s.id);
  }
  // counted at the full price, though Stripe bills a prorated or free stretch until the anchor
  let anchorAhead: string[] | null = null;
  for (const s of counted) {
    const anchor = s.billing_cycle_anchor;
    if (anchor !== null && anchor > asOfSeconds) anchorAhead = withValue(anchorAhead, s.id);
  }
  const cancelling = counted.some((s) => cancellingAt(s, asOfSeconds));
  const { byRole } = tally;
  const failed = tally.unconverted !== null || tally.foreignPrices !== null;
  // The parts are rounded to the cent and the totals summed from them, so a total always equals
  // the sum of its columns (rounding the exact total could differ from it by a cent).
  const base = roundToCents(byRole.base);
  const usage = roundToCents(byRole.usage);
  const prompts = roundToCents(byRole.addon_prompts);
  const other = roundToCents(byRole.addon_other);
  const recurring = roundToCents(base + prompts + other);
  const money = (value: number) => failed ? null : value;
  return {
    revenue: {
      customerId: input.customerId,
      mrr: money(roundToCents(recurring + usage)),
      baseSubscription: money(base),
      usageCharges: money(usage),
      usageDiscounts: money(roundToCents(tally.usageDiscounts)),
      addonPrompts: money(prompts),
      addonOther: money(other),
      mrrRecurring: money(recurring),
      // exact in its currency: known even without a USD rate, not with a price missing in it
      mrrRecurringMinor: tally.foreignPrices !== null || (tally.currencies?.length ?? 0) > 1
        ? null
        : Math.round(tally.recurringMinor),
      subscriptionStatus: joinedSorted(statuses, ","),
      billingInterval: joinedSorted(tally.intervals, ","),
      currency: joinedSorted(tally.currencies, ","),
      stripePlanNames: joinedSorted(tally.planNames, ", "),
      cancelAtPeriodEnd: counted.length > 0 ? cancelling : null,
      // every counted subscription in its first billing period: no usage was due to be billed
      firstPeriodOpen: counted.length > 0
        ? counted.every((s) => firstPeriodOpenAt(s, asOfSeconds) === true)
        : null,
      ptbRevenueUsd30d: null, // PTB revenue is not subscription revenue: snapshot.ts adds it
    },
    unknownPriceIds: tally.unknownPriceIds ?? NONE,
    unconvertedCurrencies: tally.unconverted ?? NONE,
    foreignCurrencyPriceIds: tally.foreignPrices ?? NONE,
    licensedUsagePriceIds: tally.licensedUsage ?? NONE,
    inclusiveTaxUnknownPriceIds: tally.taxUnknown ?? NONE,
    anchorAheadSubscriptionIds: anchorAhead ?? NONE,
    endedSinceSubscriptionIds: endedSinceIds ?? NONE,
    endUnknownSubscriptionIds: endUnknownIds ?? NONE,
  };
}
