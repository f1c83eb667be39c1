/**
 * The fake Stripe account the invoice-MRR tests read (tests/history_invoice*_test.ts): prices,
 * today's subscriptions and a year of invoices, each line's MRR worked out by hand beside it; the
 * SDK connection to a fake Stripe serving them; and the lite-history builders for tests that give
 * invoiceMrrAt/invoicedUsage a history directly.
 */
import { ANOTHER_OUTPUT_FOLDER, type ChosenBy } from "../lib/core/chosen_by.ts";
import { fetchInvoiceHistory } from "../lib/revenue/invoice_fetch.ts";
import type { InvoiceHistory } from "../lib/revenue/invoice_mrr.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
import {
  type FakeStripe,
  fakeStripeConnection,
  type FakeStripeData,
  type FakeStripeOptions,
  startFakeStripe,
} from "./fake_stripe.ts";
import { loadRevenue } from "../lib/revenue/mod.ts";
import {
  AS_OF,
  discount,
  type Json,
  price,
  products,
  subscription,
} from "./fixtures/stripe/scenarios.ts";

export const s = (date: string) => new Date(`${date}T00:00:00Z`).getTime() / 1000;

export const P = {
  seat50: price("prod_pro_users", 5000, { id: "price_seat50" }),
  yearly1200: price("prod_pro_users", 120000, { id: "price_yearly1200", interval: "year" }),
  plan100: price("prod_team_bundle", 10000, { id: "price_plan100" }),
  plan250: price("prod_team_bundle", 25000, { id: "price_plan250" }),
  eur90: price("prod_enterprise", 9000, { id: "price_eur90", currency: "eur" }),
  metered: price("prod_request_volume", null, { id: "price_metered", metered: true }),
  quarterly300: price("prod_enterprise", 30000, { id: "price_q300", interval_count: 3 }),
};
const forever20 = discount({ id: "di_inv_forever20", percent_off: 20, duration: "forever" });
const once10 = discount({ id: "di_inv_once10", amount_off: 1000, duration: "once" });

export const subscriptions: Json[] = [
  subscription("cus_month", [[P.seat50, 3]], { id: "sub_month" }),
  subscription("cus_year", [[P.yearly1200, 1]], { id: "sub_year" }),
  subscription("cus_prorate", [[P.plan250, 1]], { id: "sub_prorate" }),
  subscription("cus_disc", [[P.plan100, 1], [P.metered, null]], {
    id: "sub_disc",
    discounts: [forever20],
  }),
  subscription("cus_once", [[P.plan100, 1]], { id: "sub_once", discounts: [once10] }),
  subscription("cus_quarter", [[P.quarterly300, 1]], { id: "sub_quarter" }),
  subscription("cus_eur", [[P.eur90, 1]], { id: "sub_eur", currency: "eur" }),
];

export interface LineSpec {
  price: string | null;
  amount: number;
  sub: string | null;
  period: [string, string];
  quantity?: number;
  proration?: boolean;
  discounts?: [string, number][];
  inclusiveTax?: number;
  currency?: string;
}

let lineCount = 0;
export function line(spec: LineSpec): Json {
  return {
    id: `il_inv_${++lineCount}`,
    object: "line_item",
    amount: spec.amount,
    currency: spec.currency ?? "usd",
    quantity: spec.quantity ?? 1,
    period: { start: s(spec.period[0]), end: s(spec.period[1]) },
    discount_amounts: (spec.discounts ?? []).map(([d, amount]) => ({ discount: d, amount })),
    taxes: spec.inclusiveTax
      ? [{ amount: spec.inclusiveTax, tax_behavior: "inclusive", taxable_amount: 0 }]
      : [],
    pricing: spec.price
      ? { type: "price_details", price_details: { price: spec.price, product: "prod_x" } }
      : null,
    parent: spec.sub
      ? {
        type: "subscription_item_details",
        subscription_item_details: {
          subscription: spec.sub,
          subscription_item: "si_x",
          proration: spec.proration ?? false,
        },
      }
      : { type: "invoice_item_details", invoice_item_details: { invoice_item: "ii_x" } },
  };
}

let invoiceCount = 0;
export function invoice(customer: string, created: string, lines: Json[], status = "paid"): Json {
  const id = `in_inv_${++invoiceCount}`;
  return {
    id,
    object: "invoice",
    customer,
    status,
    billing_reason: "subscription_cycle",
    created: s(created),
    currency: lines[0]?.currency ?? "usd",
    parent: null,
    lines: { object: "list", has_more: false, url: `/v1/invoices/${id}/lines`, data: lines },
  };
}

export const month = (sub: string, priceId: string, amount: number, from: string, to: string) =>
  line({ price: priceId, amount, sub, period: [from, to] });

export const invoices: Json[] = [
  // monthly: $50 × 3 seats = $150.00 each month
  invoice("cus_month", "2026-10-01", [
    line({
      price: "price_seat50",
      amount: 15000,
      sub: "sub_month",
      period: ["2026-10-01", "2026-11-01"],
      quantity: 3,
    }),
  ]),
  invoice("cus_month", "2026-11-01", [
    line({
      price: "price_seat50",
      amount: 15000,
      sub: "sub_month",
      period: ["2026-11-01", "2026-12-01"],
      quantity: 3,
    }),
  ]),
  // yearly: $1,200 for 2026-03-01 → 2027-03-01 = $100.00 a month
  invoice("cus_year", "2026-03-01", [
    month("sub_year", "price_yearly1200", 120000, "2026-03-01", "2027-03-01"),
  ]),
  // prorated upgrade on 11-16 from $100 to $250: −$50 unused, +$125 for the rest of November.
  // The amounts never count: $100 before 11-16, 100 − 100 + 250 = $250 from then on.
  invoice("cus_prorate", "2026-11-01", [
    month("sub_prorate", "price_plan100", 10000, "2026-11-01", "2026-12-01"),
  ]),
  invoice("cus_prorate", "2026-11-16", [
    line({
      price: "price_plan100",
      amount: -5000,
      sub: "sub_prorate",
      period: ["2026-11-16", "2026-12-01"],
      proration: true,
    }),
    line({
      price: "price_plan250",
      amount: 12500,
      sub: "sub_prorate",
      period: ["2026-11-16", "2026-12-01"],
      proration: true,
    }),
  ]),
  // discounted: $100 with 20% forever ($20 off) = $80.00; metered $7.00 of usage is not MRR
  invoice("cus_disc", "2026-11-01", [
    line({
      price: "price_plan100",
      amount: 10000,
      sub: "sub_disc",
      period: ["2026-11-01", "2026-12-01"],
      discounts: [["di_inv_forever20", 2000]],
    }),
    line({
      price: "price_metered",
      amount: 700,
      sub: "sub_disc",
      period: ["2026-10-01", "2026-11-01"],
    }),
  ]),
  // a once coupon is not recurring: $100.00 (as live MRR counts it)
  invoice("cus_once", "2026-11-01", [
    line({
      price: "price_plan100",
      amount: 10000,
      sub: "sub_once",
      period: ["2026-11-01", "2026-12-01"],
      discounts: [["di_inv_once10", 1000]],
    }),
  ]),
  // quarterly $300 = $100.00 a month
  invoice("cus_quarter", "2026-09-15", [
    month("sub_quarter", "price_q300", 30000, "2026-09-15", "2026-12-15"),
  ]),
  // EUR 90 at 1.10 = $99.00
  invoice("cus_eur", "2026-11-01", [
    line({
      price: "price_eur90",
      amount: 9000,
      sub: "sub_eur",
      period: ["2026-11-01", "2026-12-01"],
      currency: "eur",
    }),
  ]),
  // Never MRR: a void invoice, an uncollectible one, a one-time line, a $0 trial line.
  invoice("cus_void", "2026-11-01", [
    month("sub_void", "price_plan100", 10000, "2026-11-01", "2026-12-01"),
  ], "void"),
  invoice("cus_bad", "2026-11-01", [
    month("sub_bad", "price_plan100", 10000, "2026-11-01", "2026-12-01"),
  ], "uncollectible"),
  invoice("cus_onetime", "2026-11-02", [
    line({ price: null, amount: 50000, sub: null, period: ["2026-11-02", "2026-11-02"] }),
  ]),
  invoice("cus_trial", "2026-11-01", [
    month("sub_trial", "price_plan100", 0, "2026-11-01", "2026-12-01"),
  ]),
  // tax included in the price is taken out: $120 with $20 tax = $100.00
  invoice("cus_tax", "2026-11-01", [
    line({
      price: "price_plan100",
      amount: 12000,
      sub: "sub_tax",
      period: ["2026-11-01", "2026-12-01"],
      inclusiveTax: 2000,
    }),
  ]),
];

export const rules = resolveRules({ fxRates: { eur: 1.1 } });
export const cents = (map: Map<string, { usd: number | null }>) =>
  Object.fromEntries([...map].map(([c, v]) => [c, Math.round((v.usd ?? NaN) * 100)]).sort());

/**
 * `run` given a fake Stripe serving `data` and the connection to it, with an invoice cache folder
 * of its own (chosen by another output folder's flag); both gone after.
 */
export async function withFakeStripe(
  data: FakeStripeData,
  run: (connection: StripeConnection, fake: FakeStripe) => Promise<void> | void,
  options: FakeStripeOptions = {},
) {
  const fake = startFakeStripe(data, undefined, 0, options);
  const cacheDir = await Deno.makeTempDir();
  try {
    await run({
      ...fakeStripeConnection(fake),
      cacheDir,
      cacheDirChosenBy: ANOTHER_OUTPUT_FOLDER,
    }, fake);
  } finally {
    await fake.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}

export interface StripeConnection {
  apiKey: string;
  apiHost: string;
  apiPort: number;
  apiProtocol: "http";
  cacheDir: string;
  cacheDirChosenBy: ChosenBy;
}

/** The invoice history the backfill reads: `days` back from AS_OF, from the fake Stripe. */
export async function invoiceHistoryBack(connection: StripeConnection, days: number) {
  const from = new Date(AS_OF.getTime() - days * 86_400_000);
  const { history } = await fetchInvoiceHistory({ ...connection, from, to: AS_OF, rules });
  return history;
}

/** The live export's revenue of `customerIds` as of AS_OF, from the fake Stripe. */
export function liveRevenue(connection: StripeConnection, customerIds: string[]) {
  return loadRevenue(customerIds, { ...connection, mode: "auto", asOf: AS_OF, rules });
}

/** Each customer's live usage_charges, for comparing with the backfill's. */
export const usageChargesOf = (live: Awaited<ReturnType<typeof liveRevenue>>) =>
  Object.fromEntries([...live.byCustomer].map(([id, r]) => [id, r.usageCharges]));

/** `run` given the invoice history of the fixture's account from 2025-10-01 to 2026-12-20. */
export function withInvoices(
  run: (
    fetched: Awaited<ReturnType<typeof fetchInvoiceHistory>>,
    fake: FakeStripe,
    cacheDir: string,
  ) => Promise<void> | void,
) {
  return withFakeStripe({ subscriptions, products, invoices }, async (connection, fake) => {
    const fetched = await fetchInvoiceHistory({
      ...connection,
      from: new Date("2025-10-01T00:00:00Z"),
      to: new Date("2026-12-20T00:00:00Z"),
      rules,
    });
    await run(fetched, fake, connection.cacheDir);
  }, { embeddedLimit: 1 });
}

/** A paid subscription line of `customer` at `priceId` for [from, to), as the history holds it. */
export const liteLine = (
  customer: string,
  priceId: string,
  amount: number,
  from: string,
  to: string,
) => ({
  customer,
  invoice: `in_${customer}_${from}`,
  status: "paid",
  created: s(from),
  currency: "usd",
  subscription: `sub_${customer}`,
  price_id: priceId,
  proration: false,
  quantity: 1,
  amount,
  inclusive_tax: 0,
  discount_amounts: [],
  period_start: s(from),
  period_end: s(to),
});

/**
 * The Stripe history a backfill reads for 2026: `lines` on `prices` (as the price list holds
 * them, without tiers), with `discounts` (none a subscription item's own).
 */
export const historyOf = (
  prices: Json[],
  lines: InvoiceHistory["lines"],
  discounts: InvoiceHistory["discounts"] = [],
): InvoiceHistory => ({
  prices: prices.map((p) => ({ ...p, tiers: null, currency_options: null })),
  discounts,
  itemDiscounts: [],
  thresholdResets: [],
  billingAnchors: {},
  billingAnchorDays: {},
  pausedSubscriptions: [],
  lines,
  from: s("2026-01-01"),
  to: s("2026-12-31"),
});
