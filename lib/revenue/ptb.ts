/**
 * Pass-through-billing (PTB) revenue per customer for the export window, from Stripe
 * (production-schema.md, "Pass-through billing"):
 *
 * - prepaid credits: succeeded PaymentIntents whose metadata `productId` is the token-usage
 *   product (setting PRICING_STRIPE_PTB_PRODUCT). Only the credits are revenue
 *   (`metadata.creditsAmountCents`); the "Stripe fee" part the customer also pays is a
 *   pass-through. An old intent without `creditsAmountCents` is counted as `amount_received` less
 *   `stripeFeeCents`, or, without that either, less the fee the checkout adds (3 % rounded up +
 *   $0.30) — estimated, and said so. A refund on the payment's charge takes back its share;
 * - postpaid: invoices with metadata `type: "ptb_usage"`, paid or open, net of tax.
 *
 * Both are listed in bulk (PaymentIntents of the window, 100 a page; invoices come with the
 * invoice listing the revenue fetch makes anyway) and kept in the daily cache trimmed to the
 * fields below. Without the product setting, or with a product the account does not have, PTB
 * revenue is unknown (null), never 0.
 */
import { minorUnitsToMajor, roundToCents } from "./currency.ts";
import type { RevenueRules } from "./rules.ts";
import type { PtbSummary } from "./types.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** One PTB charge: credits bought, or a postpaid usage invoice. */
export interface PtbChargeLite {
  id: string;
  kind: "credits" | "invoice";
  /** Stripe customer id; null when the PaymentIntent has none */
  customer: string | null;
  /** unix seconds */
  created: number;
  /** the revenue part, minor units of `currency` */
  amount: number;
  currency: string;
  /** true when the fee had to be estimated (no creditsAmountCents, no stripeFeeCents) */
  estimated: boolean;
}

/** What the cache keeps of PTB: for which product and which span it was read. */
export interface PtbSnapshot {
  productId: string;
  /** unix seconds: charges created in [since, until) were read */
  since: number;
  until: number;
  charges: PtbChargeLite[];
}

/** PTB revenue of the window, for the manifest and the brief. */
const idOf = (value: Json): string | null =>
  value === null || value === undefined
    ? null
    : typeof value === "string"
    ? value
    : String(value.id ?? "");

/** The fee the checkout adds to credits of `credits` cents: ceil(3 %) + 30 cents. */
export function checkoutFeeCents(credits: number): number {
  return Math.ceil(credits * 0.03) + 30;
}

/** Credits (cents) of a payment of `total` cents that includes the checkout fee. */
export function creditsFromTotalCents(total: number): number {
  // the largest credits whose total does not exceed what was paid
  let credits = Math.max(0, Math.floor((total - 30) / 1.03));
  while (credits + 1 + checkoutFeeCents(credits + 1) <= total) credits++;
  while (credits > 0 && credits + checkoutFeeCents(credits) > total) credits--;
  return credits;
}

const wholeNumber = (value: unknown): number | null => {
  const n = Number(value);
  return value !== undefined && value !== null && value !== "" && Number.isFinite(n) ? n : null;
};

/** Prepaid PTB credits among PaymentIntents: succeeded, on the token-usage product. */
export function ptbCreditCharges(intents: Json[], productId: string): PtbChargeLite[] {
  return intents
    .filter((pi) => pi?.status === "succeeded" && pi.metadata?.productId === productId)
    .map((pi) => {
      const received = Number(pi.amount_received ?? pi.amount ?? 0);
      const credits = wholeNumber(pi.metadata?.creditsAmountCents);
      const fee = wholeNumber(pi.metadata?.stripeFeeCents);
      const bought = credits ??
        (fee !== null ? Math.max(0, received - fee) : creditsFromTotalCents(received));
      // a refund (on the charge) takes back its share of what was paid
      const refunded = Number(pi.latest_charge?.amount_refunded ?? 0);
      const amount = refunded > 0 && received > 0
        ? Math.round((bought * Math.max(0, received - refunded)) / received)
        : bought;
      return {
        id: String(pi.id),
        kind: "credits" as const,
        customer: idOf(pi.customer),
        created: Number(pi.created),
        amount,
        currency: String(pi.currency ?? "usd").toLowerCase(),
        estimated: credits === null && fee === null,
      };
    });
}

/** Postpaid PTB invoices (metadata type "ptb_usage"), paid or open, net of tax. */
export function ptbInvoiceCharges(invoices: Json[]): PtbChargeLite[] {
  return invoices
    .filter((invoice) =>
      invoice?.metadata?.type === "ptb_usage" &&
      (invoice.status === "paid" || invoice.status === "open")
    )
    .map((invoice) => ({
      id: String(invoice.id),
      kind: "invoice" as const,
      customer: idOf(invoice.customer),
      created: Number(invoice.created),
      amount: Number(invoice.total_excluding_tax ?? invoice.subtotal ?? invoice.total ?? 0),
      currency: String(invoice.currency ?? "usd").toLowerCase(),
      estimated: false,
    }));
}

/** The export window [start, end) in unix seconds. */
export function ptbWindow(asOf: Date, windowDays: number): { since: number; until: number } {
  const until = Math.floor(asOf.getTime() / 1000);
  return { since: until - windowDays * 86_400, until };
}

/** Whether a cached PTB snapshot answers for this product and window. */
export function ptbCovers(
  ptb: PtbSnapshot | null | undefined,
  { productId, window }: { productId: string; window: { since: number; until: number } },
): boolean {
  return !!ptb && ptb.productId === productId && ptb.since <= window.since &&
    ptb.until >= window.until;
}

/** What names a product of token-usage credits: the candidates an unknown product id lists. */
const PTB_PRODUCT_WORDS = /token|credit|ptb|pass.?through|gateway/i;

/**
 * Why PTB revenue cannot be read for `productId`, one line naming the setting; null when the
 * account has the product. An id the account does not have (a typo, another account's or mode's)
 * matches no payment, so its PTB revenue would read $0 for everyone: it is unknown instead. The
 * account's products that look like token-usage credits are named (names quoted: they are data).
 */
export function ptbProductProblem(
  productId: string,
  products: { id: string; name: string }[],
): string | null {
  if (products.some((p) => p.id === productId)) return null;
  const candidates = products
    .filter((p) => /^[A-Za-z0-9_]+$/.test(p.id) && PTB_PRODUCT_WORDS.test(`${p.id} ${p.name}`))
    .slice(0, 3)
    .map((p) => `${p.id} ${JSON.stringify(p.name.slice(0, 60))}`);
  return `PRICING_STRIPE_PTB_PRODUCT is ${productId}, a product this Stripe account does not have: set it to the id of the product of prepaid token-usage credits${
    candidates.length > 0 ? ` (e.g. ${candidates.join(", ")})` : ""
  }`;
}

export interface PtbRevenue {
  /** USD of the window per customer (0 for a customer with none); empty map when unknown */
  byCustomer: Map<string, number | null>;
  summary: PtbSummary;
  warnings: string[];
}

/** PTB revenue of the window per customer, in USD (converted with rules.fxRates). */
export function ptbRevenue(
  ptb: PtbSnapshot | null,
  { window, rules, failure, unknownProduct }: {
    window: { since: number; until: number };
    rules: RevenueRules;
    /** why reading PTB from Stripe failed (then ptb is null) */
    failure?: string;
    /** the product set is not the account's (ptbProductProblem; then ptb is null) */
    unknownProduct?: { productId: string; problem: string };
  },
): PtbRevenue {
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  const summary: PtbSummary = {
    status: ptb
      ? "read"
      : unknownProduct
      ? "unknown_product"
      : failure
      ? "failed"
      : "not_configured",
    productId: ptb?.productId ?? unknownProduct?.productId ?? null,
    windowStart: iso(window.since),
    windowEnd: iso(window.until),
    creditPayments: 0,
    usageInvoices: 0,
    totalUsd: null,
  };
  if (!ptb) {
    return {
      byCustomer: new Map(),
      summary,
      warnings: [
        unknownProduct
          ? `PTB revenue unknown: ${unknownProduct.problem}`
          : failure
          ? `PTB revenue unknown: reading PaymentIntents failed (${failure}); MRR is unaffected`
          : "PTB revenue unknown: PRICING_STRIPE_PTB_PRODUCT (the Stripe product of prepaid token-usage credits) is not set",
      ],
    };
  }
  const byCustomer = new Map<string, number | null>();
  const unconverted = new Set<string>();
  let estimated = 0;
  let unassigned = 0;
  let total = 0;
  for (const charge of ptb.charges) {
    if (charge.created < window.since || charge.created >= window.until) continue;
    if (charge.kind === "credits") summary.creditPayments++;
    else summary.usageInvoices++;
    if (charge.estimated) estimated++;
    const major = minorUnitsToMajor(charge.amount, charge.currency);
    const rate = charge.currency === "usd" ? 1 : rules.fxRates[charge.currency];
    if (rate === undefined) {
      unconverted.add(charge.currency.toUpperCase());
      if (charge.customer) byCustomer.set(charge.customer, null);
      continue;
    }
    const usd = major * rate;
    total += usd;
    if (!charge.customer) {
      unassigned += usd;
      continue;
    }
    const previous = byCustomer.get(charge.customer);
    if (previous !== null) byCustomer.set(charge.customer, (previous ?? 0) + usd);
  }
  for (const [customer, usd] of byCustomer) {
    if (usd !== null) byCustomer.set(customer, roundToCents(usd));
  }
  summary.totalUsd = roundToCents(total);
  const warnings: string[] = [];
  if (estimated > 0) {
    warnings.push(
      `${estimated} PTB credit payments carry no creditsAmountCents or stripeFeeCents: their credits are estimated as the amount less the checkout fee (3 % + $0.30)`,
    );
  }
  if (unassigned > 0) {
    warnings.push(
      `PTB payments of $${
        unassigned.toFixed(2)
      } have no Stripe customer: counted in the total, not in any organization's ptb revenue`,
    );
  }
  if (unconverted.size > 0) {
    warnings.push(
      `PTB revenue left empty for customers paying in ${
        [...unconverted].sort().join(", ")
      }: set PRICING_FX_RATES to convert`,
    );
  }
  return { byCustomer, summary, warnings };
}
