/**
 * An invoice-level amount-off on a subscription whose items bill on several intervals (flexible
 * billing mode), read from invoices as live MRR reads it (revenue-rules.md rule 4: backfill =
 * live): what invoice_mrr.ts invoiceMrrAt adds to such a subscription's lines. The line's shape it
 * reads is named here (CycleLine), so the two do not import each other.
 */
import { applyDiscounts, discountAppliesTo, type PricedItem } from "./discounts.ts";
import { periodMonths } from "./price_facts.ts";
import type { RevenueRules } from "./rules.ts";
import type { DiscountLite, PriceLite } from "./stripe_objects.ts";

/** The parts of an invoice line read here (invoice_mrr.ts InvoiceLineLite). */
export interface CycleLine {
  invoice: string;
  created: number;
  currency: string;
  subscription: string | null;
  price_id: string | null;
  proration: boolean;
  amount: number;
  inclusive_tax: number;
  discount_amounts: { discount: string; amount: number }[];
  period_start: number;
}

/** Which of a line's discounts a level takes off, and whether its included tax comes out. */
export interface LevelOptions {
  counts: (discount: DiscountLite) => boolean;
  /** false: the level as billed, tax included (default true) */
  taxOut?: boolean;
}

/**
 * What invoice_mrr.ts lineMonthlyLevel reads besides the line, and this module too: the history's
 * prices and discounts, looked up.
 */
export interface LevelContext {
  prices: Map<string, PriceLite>;
  discounts: Map<string, DiscountLite>;
  itemDiscounts: Set<string>;
  rules: RevenueRules;
  /** the instant read, unix seconds: which discounts count then (discountCounts) */
  atSeconds: number;
}

/** Each invoice's metered cycle lines (the share of an amount-off Stripe took off usage). */
export function meteredLinesByInvoice<Line extends CycleLine>(
  lines: Line[],
  prices: Map<string, PriceLite>,
): Map<string, Line[]> {
  const byInvoice = new Map<string, Line[]>();
  for (const line of lines) {
    const price = line.price_id ? prices.get(line.price_id) : undefined;
    if (line.proration || price?.recurring?.usage_type !== "metered") continue;
    const listed = byInvoice.get(line.invoice);
    if (listed) listed.push(line);
    else byInvoice.set(line.invoice, [line]);
  }
  return byInvoice;
}

/**
 * What to add to one subscription's cycle lines covering an instant (counted, not prorations) for
 * its invoice-level amount-offs to come off as live MRR takes them (rule 4: backfill = live), 0
 * when they bill on one interval (each invoice's split is then live's) or carry none. Stripe splits
 * an amount-off over each invoice's lines, so a yearly line joining a monthly invoice carries part
 * of it over its year (1,200 + 100 USD with 30 USD off: 27.69 off the yearly line, 2.31 off that
 * month's); live MRR takes it off once an invoice of the shortest item's period (mrr.ts: 30 USD a
 * month, 170 USD), split over the items its coupon covers (applyDiscounts). So the amount-offs the
 * lines carry are added back and the coupons' amounts taken off the lines' levels as live does: ÷
 * the months of the shortest line each covers, less what that line's latest invoice took off
 * metered usage (counted with usage, as live's offUsage), a repeating one on the lines whose
 * invoice it covered (their period start); off the lines' levels with their included tax in,
 * which comes out of the rest at the line's own rate (includedTax), as live takes a coupon off the
 * price as billed.
 */
export function amountOffAsLive<Line extends CycleLine>(
  lines: Line[],
  { context, meteredOf, levelOf }: {
    context: LevelContext;
    /** an invoice's metered cycle lines (meteredLinesByInvoice) */
    meteredOf: (invoice: string) => CycleLine[];
    /** a line's level a period (minor units) less the discounts `counts` takes and the setting
     * counts, and less tax unless `taxOut` is false (invoice_mrr.ts netShare) */
    levelOf: (line: Line, options: LevelOptions) => number;
  },
): number {
  const monthsOf = (line: CycleLine) =>
    periodMonths(context.prices.get(line.price_id!)!.recurring!);
  if (lines.every((line) => monthsOf(line) === monthsOf(lines[0]))) return 0; // one interval
  // the latest line of the shortest period: its invoice is the one under way
  const latestShortest = (of: Line[]) =>
    of.reduce((a, b) =>
      monthsOf(b) < monthsOf(a) || (monthsOf(b) === monthsOf(a) && b.created > a.created) ? b : a
    );
  const shortest = latestShortest(lines);
  // The subscription's amount-offs then: those the invoice under way of the items they cover
  // took off its line (a weekly item the coupon does not cover is invoiced without it), and a
  // repeating one that ran out before it (live counts it on the items whose invoice it covered).
  // One it does not carry otherwise (removed, or on none of its products) keeps the invoices'
  // reading: live would read it once a shortest period, which Stripe did not take.
  const amountOffs = new Map<string, DiscountLite>();
  const underWay = new Map<string, Line>(); // each one's shortest covered line
  for (const line of lines) {
    for (const { discount: id } of line.discount_amounts) {
      const discount = context.discounts.get(id);
      if (!discount?.coupon.amount_off || context.itemDiscounts.has(id) || underWay.has(id)) {
        continue;
      }
      const covered = lines.filter((l) =>
        discountAppliesTo(discount, context.prices.get(l.price_id!)!.product)
      );
      const its = covered.length > 0 ? latestShortest(covered) : shortest;
      underWay.set(id, its);
      const carried = its.discount_amounts.some((d) => d.discount === id);
      const ranOut = discount.coupon.duration === "repeating" && discount.end !== null &&
        discount.end <= its.period_start;
      if (carried || ranOut) amountOffs.set(id, discount);
    }
  }
  if (amountOffs.size === 0) return 0;
  let asRead = 0;
  const periodStart = new Map<PricedItem, number>();
  const items = lines.map((line) => {
    const price = context.prices.get(line.price_id!)!;
    const months = monthsOf(line);
    asRead += levelOf(line, { counts: () => true }) / months;
    // as live takes them, off the price as billed, tax included, and the tax out of the rest
    const item: PricedItem = {
      role: "base", // not read: the items' amounts are all applyDiscounts changes
      product: price.product,
      monthly: levelOf(line, { counts: (d) => !amountOffs.has(d.id), taxOut: false }) / months,
      netOfTax: 1 - includedTax(line, 1),
      recurring: price.recurring!,
    };
    periodStart.set(item, line.period_start);
    return item;
  });
  const offUsage = (id: string) =>
    meteredOf((underWay.get(id) ?? shortest).invoice).reduce(
      (sum, line) =>
        sum + line.discount_amounts.reduce((off, d) => d.discount === id ? off + d.amount : off, 0),
      0,
    );
  applyDiscounts(items, [...amountOffs.values()], {
    months: monthsOf(shortest),
    currency: shortest.currency,
    rules: context.rules,
    asOfSeconds: context.atSeconds,
    periodStartOf: (item) => periodStart.get(item) ?? null,
    offUsage,
  });
  return items.reduce((sum, item) => sum + item.monthly * item.netOfTax, 0) - asRead;
}

/**
 * The tax included in `kept` minor units of a line's amount: Stripe takes the inclusive tax out of
 * what is left after its discounts (125 USD with 25 % included and 25 off: 100 USD, 20 of it tax),
 * so at that tax over that rest (live MRR's ÷ (1 + rate): mrr.ts); all of it when `kept` is that
 * rest, to the unit.
 */
export function includedTax(
  line: Pick<CycleLine, "amount" | "inclusive_tax" | "discount_amounts">,
  kept: number,
): number {
  if (line.inclusive_tax === 0) return 0; // most lines: no discounts to add up
  const taxed = Math.abs(line.amount) -
    line.discount_amounts.reduce((sum, d) => sum + Math.abs(d.amount), 0);
  return taxed > 0 ? (Math.abs(line.inclusive_tax) * kept) / taxed : 0;
}
