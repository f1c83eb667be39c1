/**
 * Revenue of a backfilled month from Stripe invoices (lib/revenue/invoice_mrr.ts), shaped as the
 * revenue stage's result so the pipeline attaches it as usual: `mrr_recurring` from the lines
 * covering the as-of, `usage_charges` from metered lines invoiced in the window, `mrr` their sum.
 * Columns invoices cannot tell at a past date (base/add-on split, status, interval, plan names)
 * stay empty, but for the status `paused` of a customer paused now (pausedCustomersAt). What that MRR may be off by (revenueChecks) is the caller's: over the customers of
 * the organizations the snapshot holds, which `customerIds` (the pipeline's) may outnumber. Also
 * the reconciliation of live MRR against invoice MRR for the current month.
 */
import { formatCents } from "./report.ts";
import {
  formatFaceValue,
  fxRatesByCode,
  minorUnitsToMajor,
  roundToCents,
} from "../revenue/currency.ts";
import {
  invoicedUsage,
  type InvoiceHistory,
  type InvoiceLineLite,
  type InvoiceMrr,
  invoiceMrrAt,
  levelContext,
  lineMonthlyLevel,
  unknownDiscountLines,
  unpricedLines,
} from "../revenue/invoice_mrr.ts";
import type { RevenueRules } from "../revenue/rules.ts";
import type { CustomerRevenue, RevenueResult } from "../revenue/types.ts";
import { listInWords, someInWords } from "../core/words.ts";
import { compareText } from "../core/text_order.ts";

export function invoiceRevenue(
  history: InvoiceHistory,
  options: { asOf: Date; windowDays: number; rules: RevenueRules; customerIds: string[] },
): RevenueResult {
  const mrr = invoiceMrrAt(history, { at: options.asOf, rules: options.rules });
  const usage = invoicedUsage(history, { to: options.asOf, rules: options.rules });
  const paused = pausedCustomersAt(history, { at: options.asOf, rules: options.rules, mrr });
  const byCustomer = new Map<string, CustomerRevenue>();
  const unconvertible = new Set<string>();
  for (const customerId of new Set(options.customerIds)) {
    const recurring = mrr.get(customerId);
    for (const currency of recurring?.unconverted ?? []) unconvertible.add(currency);
    const mrrRecurring = recurring ? recurring.usd : 0;
    const usageCharges = roundToCents(usage.get(customerId) ?? 0);
    byCustomer.set(customerId, {
      customerId,
      mrr: mrrRecurring === null ? null : roundToCents(mrrRecurring + usageCharges),
      baseSubscription: null,
      usageCharges,
      // (the backfill reads no discount amounts off usage lines, nor judges unbilled usage)
      usageDiscounts: null,
      addonPrompts: null,
      addonOther: null,
      mrrRecurring,
      // whole minor units already (invoiceMrrAt): one currency's is the native amount
      mrrRecurringMinor: !recurring
        ? 0
        : recurring.byCurrency.size === 1
        ? [...recurring.byCurrency.values()][0]
        : null,
      subscriptionStatus: paused.has(customerId) ? "paused" : null,
      billingInterval: null,
      currency: recurring ? recurring.currency.toUpperCase() : null,
      stripePlanNames: null,
      cancelAtPeriodEnd: null,
      firstPeriodOpen: null,
      // pass-through credits are not recurring revenue; a backfill does not date them
      ptbRevenueUsd30d: null,
    });
  }
  return {
    source: "stripe",
    byCustomer,
    warnings: [
      "revenue from Stripe invoices (backfill): mrr_recurring from the subscription lines covering the as-of, usage_charges from metered lines invoiced in the window (a quarterly or yearly price's last invoice, per month of its period); base/add-on split, status, interval and plan names are empty, but for the status paused of a customer whose subscription is paused now, after its last paid period",
      ...[...unconvertible].map((c) =>
        `no exchange rate for ${c.toUpperCase()}: set PRICING_FX_RATES; those customers' MRR is empty`
      ),
      ...unpricedWarning(unpricedLines(history, options.asOf), {
        lines: "covering the as-of",
        leftOutOf: "mrr_recurring",
      }),
    ],
    apiCalls: 0,
    durationMs: 0,
    failed: false,
    fxRates: fxRatesByCode(options.rules.fxRates),
  };
}

/**
 * The customers paused at `at` as far as invoices and today's subscriptions tell (rule 6: paused =
 * MRR 0 after the last paid period): each with a subscription paused now (its payment collection,
 * or Stripe's `paused`; pausedSubscriptions) whose last paid or open recurring line ended at or
 * before the instant read, at invoice MRR 0 then (`mrr`: invoiceMrrAt's at `at`). Nothing on an
 * invoice marks a pause (its invoices are void, draft or uncollectible, or none), so a pause that
 * has ended by now is not seen, and neither is one before the current pause's last paid period;
 * a subscription paused now that never paid (a trial Stripe paused for want of a payment method)
 * marks nothing: its first payment is `new`.
 */
export function pausedCustomersAt(
  history: InvoiceHistory,
  { at, rules, mrr }: { at: Date; rules: RevenueRules; mrr: Map<string, InvoiceMrr> },
): Set<string> {
  const paused = new Set<string>();
  if (history.pausedSubscriptions.length === 0) return paused;
  const t = Math.floor(at.getTime() / 1000) - 1;
  const pausedNow = new Set(history.pausedSubscriptions);
  const context = levelContext(history, { rules, atSeconds: t });
  // each paused subscription's customer and the end of its last paid or open recurring line
  const lastPaid = new Map<string, { customer: string; end: number }>();
  for (const line of history.lines) {
    if (line.subscription === null || !pausedNow.has(line.subscription)) continue;
    if (!lineMonthlyLevel(line, context).counted) continue;
    const last = lastPaid.get(line.subscription);
    if (!last || line.period_end > last.end) {
      lastPaid.set(line.subscription, { customer: line.customer, end: line.period_end });
    }
  }
  for (const { customer, end } of lastPaid.values()) {
    if (end <= t && !mrr.has(customer)) paused.add(customer);
  }
  return paused;
}

/**
 * What a backfilled snapshot's MRR may be off by, the same lines in its warnings and the
 * backfill's Checks: invoice MRR of customers none of its organizations (`customerIds`) holds
 * (unheldWarning) and discounts whose coupon no listing returns, on cycle lines and prorations
 * (unknownDiscountWarning).
 */
export function revenueChecks(
  history: InvoiceHistory,
  options: { asOf: Date; rules: RevenueRules; customerIds: string[] },
): string[] {
  const { asOf: at, rules } = options;
  const mrr = invoiceMrrAt(history, { at, rules });
  return [
    ...unheldWarning(mrr, new Set(options.customerIds)),
    ...unknownDiscountWarning(unknownDiscountLines(history, { at, rules }), rules),
  ];
}

/**
 * The warning for invoice MRR at the as-of of customers no organization of the snapshot holds: a
 * backfill maps today's organizations to their Stripe customers, so an organization deleted since
 * (its past months read $0, no churn) or one whose customer changed (its old customer's months
 * read $0, the new one `new`) would otherwise lose that revenue silently. None without any.
 */
function unheldWarning(mrr: Map<string, InvoiceMrr>, held: Set<string>): string[] {
  const unheld = [...mrr].filter(([customer]) => !held.has(customer)).sort(([a], [b]) =>
    compareText(a, b)
  );
  if (unheld.length === 0) return [];
  const cents = unheld.reduce((sum, [, m]) => sum + Math.round((m.usd ?? 0) * 100), 0);
  const unconverted = unheld.filter(([, m]) => m.usd === null).length;
  const customers = unheld.map(([customer]) => customer);
  const named = someInWords(customers, { shown: 3 });
  const one = customers.length === 1;
  return [
    `${customers.length} Stripe customer${one ? "" : "s"} with ${formatCents(cents)}${
      unconverted > 0 ? ` (and ${unconverted} in a currency without a rate)` : ""
    } of invoice MRR at the as-of (${named}) belong${
      one ? "s" : ""
    } to no organization of this snapshot: left out of mrr_recurring, so its MRR reads low by that. A backfill reads today's organizations and their Stripe customers: an organization deleted since, or whose Stripe customer changed since, is not seen with that revenue`,
  ];
}

/**
 * Why a discount a line carries is unknown (unknownDiscountLines): the others, a deleted
 * customer's, used-up or ended ones, are read from the invoices (invoice_discounts.ts).
 */
const VANISHED =
  "discounts whose coupon no listing returns (deleted since: its terms cannot be read)";

/**
 * The warnings for unknownDiscountLines, naming their customers and invoices: the cycle lines'
 * (how many, their discounts a month in USD; the lines in a currency without a rate,
 * PRICING_FX_RATES, at face value with their customers, saying so), and the prorations' (whose
 * discounts Stripe netted into their amounts, or itemized for the prorated days only: no amount
 * a month can be said).
 */
function unknownDiscountWarning(
  all: { line: InvoiceLineLite; monthly: number | null }[],
  rules: RevenueRules,
): string[] {
  const prorations = all.filter(({ monthly }) => monthly === null).map(({ line }) => line);
  const lines = all.flatMap(({ line, monthly }) => monthly === null ? [] : [{ line, monthly }]);
  return [
    ...(lines.length === 0 ? [] : [cycleLinesWarning(lines, rules)]),
    ...(prorations.length === 0 ? [] : [
      `${prorations.length} proration line${
        prorations.length === 1 ? "" : "s"
      } covering the as-of (${namedInvoices(prorations)}) list${
        prorations.length === 1 ? "s" : ""
      } ${VANISHED}: what they take off a proration's price cannot be read from it (Stripe nets them into its amount by default; an itemized proration lists only its prorated days' share), nor whether the discount setting counts them; counted at the list price, those customers' mrr_recurring may read high (a new price's proration) or low (an old price's credit) by what they take off a month`,
    ]),
  ];
}

/** The warning for the cycle lines of unknownDiscountLines (what they take off a month known). */
function cycleLinesWarning(
  lines: { line: InvoiceLineLite; monthly: number }[],
  rules: RevenueRules,
): string {
  let usd = 0;
  let converted = false;
  // currency → minor units a month and customers, of the lines no rate converts
  const unconverted = new Map<string, { monthly: number; customers: string[] }>();
  for (const { line, monthly } of lines) {
    const rate = line.currency === "usd" ? 1 : rules.fxRates[line.currency];
    if (rate !== undefined) {
      usd += minorUnitsToMajor(monthly, line.currency) * rate;
      converted = true;
      continue;
    }
    const sum = unconverted.get(line.currency) ?? { monthly: 0, customers: [] };
    sum.monthly += monthly;
    sum.customers.push(line.customer);
    unconverted.set(line.currency, sum);
  }
  const codes = [...unconverted.keys()].sort();
  const amounts = [
    ...(converted ? [`${formatCents(Math.round(usd * 100))} a month`] : []),
    ...codes.map((code) => {
      const { monthly, customers } = unconverted.get(code)!;
      return `${formatFaceValue(monthly, code)} a month at face value (${
        namedCustomers(customers)
      })`;
    }),
  ];
  const one = lines.length === 1;
  const noRate = codes.length === 0
    ? ""
    : `; ${listInWords(codes.map((c) => c.toUpperCase()))} ${
      codes.length === 1
        ? "has no rate in PRICING_FX_RATES, so its"
        : "have no rate in PRICING_FX_RATES, so their"
    } lines are not converted and their customers' mrr_recurring is empty until one is set`;
  return `${lines.length} invoice line${one ? "" : "s"} covering the as-of (${
    namedInvoices(lines.map(({ line }) => line))
  }) carr${
    one ? "ies" : "y"
  } ${VANISHED}: whether the discount setting counts them cannot be told, so they are counted at the price before them, and mrr_recurring may read high by up to ${
    amounts.join(" plus ")
  }${noRate}`;
}

/**
 * The lines' customers, each with its invoices: "customer cus_a on invoice in_1", "customers cus_a
 * on invoices in_1, in_2; cus_b on invoice in_3; cus_c on …; and 2 more customers": sorted, each
 * once, at most three customers and three invoices each.
 */
function namedInvoices(lines: InvoiceLineLite[]): string {
  const byCustomer = new Map<string, Set<string>>();
  for (const line of lines) {
    byCustomer.set(line.customer, (byCustomer.get(line.customer) ?? new Set()).add(line.invoice));
  }
  const customers = [...byCustomer.keys()].sort();
  const named = customers.slice(0, 3).map((customer) => {
    const invoices = [...byCustomer.get(customer)!].sort();
    return `${customer} on invoice${invoices.length === 1 ? "" : "s"} ${
      someInWords(invoices, { shown: 3 })
    }`;
  });
  const more = customers.length - named.length;
  return `customer${customers.length === 1 ? "" : "s"} ${
    [...named, ...(more > 0 ? [`and ${more} more customer${more === 1 ? "" : "s"}`] : [])]
      .join("; ")
  }`;
}

/** "customer cus_a", "customers cus_a, cus_b, cus_c and 2 more": sorted, each once. */
function namedCustomers(ids: string[]): string {
  const customers = [...new Set(ids)].sort();
  return `customer${customers.length === 1 ? "" : "s"} ${someInWords(customers, { shown: 3 })}`;
}

/**
 * The warning for invoice lines whose price Stripe lists nowhere (unpricedLines): how many, their
 * money (billed and credited alike, per currency) and a few of their customers; none without any.
 */
export function unpricedWarning(
  lines: InvoiceLineLite[],
  where: { lines: string; leftOutOf: string },
): string[] {
  if (lines.length === 0) return [];
  const byCurrency = new Map<string, number>();
  for (const line of lines) {
    byCurrency.set(line.currency, (byCurrency.get(line.currency) ?? 0) + Math.abs(line.amount));
  }
  const money = [...byCurrency].sort(([a], [b]) => compareText(a, b))
    .map(([currency, minor]) => formatFaceValue(minor, currency)).join(", ");
  const one = lines.length === 1;
  return [
    `${lines.length} invoice line${one ? "" : "s"} ${where.lines} (${money} billed or credited; ${
      namedCustomers(lines.map((l) => l.customer))
    }) name${
      one ? "s" : ""
    } a price Stripe lists neither as active nor as archived (deleted, or created inline): left out of ${where.leftOutOf}, so those customers' revenue there may be off; check their invoices in Stripe`,
  ];
}

export interface Reconciliation {
  at: Date;
  liveCents: number;
  invoiceCents: number;
  customers: number;
  /** customers whose live and invoice MRR differ by more than a cent */
  differing: { customerId: string; liveCents: number; invoiceCents: number }[];
}

/**
 * Live `mrr_recurring` (today's subscriptions) against invoice-derived MRR at the same instant,
 * over `customerIds` (the export's customers; default every customer either side knows).
 */
export function reconcile(
  live: RevenueResult,
  options: { history: InvoiceHistory; at: Date; rules: RevenueRules; customerIds?: string[] },
): Reconciliation {
  const fromInvoices = invoiceMrrAt(options.history, { at: options.at, rules: options.rules });
  const customers = new Set(
    options.customerIds ?? [...live.byCustomer.keys(), ...fromInvoices.keys()],
  );
  let liveCents = 0, invoiceCents = 0;
  const differing: Reconciliation["differing"] = [];
  for (const customerId of [...customers].sort()) {
    const a = Math.round((live.byCustomer.get(customerId)?.mrrRecurring ?? 0) * 100);
    const b = Math.round((fromInvoices.get(customerId)?.usd ?? 0) * 100);
    liveCents += a;
    invoiceCents += b;
    if (Math.abs(a - b) > 1) differing.push({ customerId, liveCents: a, invoiceCents: b });
  }
  return { at: options.at, liveCents, invoiceCents, customers: customers.size, differing };
}

export function reconciliationLine(
  { at, liveCents, invoiceCents, customers, differing }: Reconciliation,
): string {
  const delta = invoiceCents - liveCents;
  return `reconciliation at ${at.toISOString()}: live mrr_recurring ${
    formatCents(liveCents)
  }, invoice-derived ${formatCents(invoiceCents)} (difference ${
    formatCents(delta)
  }); ${differing.length} of ${customers} customers differ by more than a cent${
    differing.length > 0
      ? `, e.g. ${
        differing.slice(0, 3).map((d) =>
          `${d.customerId} ${formatCents(d.liveCents)} vs ${formatCents(d.invoiceCents)}`
        ).join(", ")
      }`
      : ""
  }`;
}
