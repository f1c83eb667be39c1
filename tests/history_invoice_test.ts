/**
 * MRR from Stripe invoices (lib/revenue/invoice_mrr.ts) read through the real SDK from the fake
 * Stripe API: yearly, monthly, prorated, discounted, taxed, foreign-currency lines, and the lines
 * that never count. Expected amounts are worked out by hand below; then live MRR (today's
 * subscriptions) reconciles with invoice MRR for the same customers.
 */
import { join } from "node:path";
import { deepStrictEqual as assertEquals, ok, rejects as assertRejects } from "node:assert/strict";
import { ANOTHER_OUTPUT_FOLDER, type ChosenBy, outDirFlag } from "../lib/core/chosen_by.ts";
import { assertOutDirWriteRefused, readOnlyFolderTest } from "./read_only_folder.ts";
import { fetchInvoiceHistory } from "../lib/revenue/invoice_fetch.ts";
import { invoicedUsage, type InvoiceHistory, invoiceMrrAt } from "../lib/revenue/invoice_mrr.ts";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { couponLite } from "../lib/revenue/stripe_objects.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
import {
  invoiceRevenue,
  reconcile,
  reconciliationLine,
  revenueChecks,
} from "../lib/history/invoice_revenue.ts";
import {
  type FakeStripe,
  type FakeStripeData,
  type FakeStripeOptions,
  startFakeStripe,
} from "./fake_stripe.ts";
import {
  AS_OF,
  coupons,
  discount,
  invoice as stripeInvoice,
  lateThresholdAndLicensedSwapData,
  line as stripeLine,
  price,
  products,
  subscription,
  thresholdAndSwapData,
  thresholdResetData,
} from "./fixtures/stripe/scenarios.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const s = (date: string) => new Date(`${date}T00:00:00Z`).getTime() / 1000;

const P = {
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

const subscriptions: Json[] = [
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

interface LineSpec {
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
function line(spec: LineSpec): Json {
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
function invoice(customer: string, created: string, lines: Json[], status = "paid"): Json {
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

const month = (sub: string, priceId: string, amount: number, from: string, to: string) =>
  line({ price: priceId, amount, sub, period: [from, to] });

const invoices: Json[] = [
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

const rules = resolveRules({ fxRates: { eur: 1.1 } });
const cents = (map: Map<string, { usd: number | null }>) =>
  Object.fromEntries([...map].map(([c, v]) => [c, Math.round((v.usd ?? NaN) * 100)]).sort());

/**
 * `run` given a fake Stripe serving `data` and the connection to it, with an invoice cache folder
 * of its own (chosen by another output folder's flag); both gone after.
 */
async function withFakeStripe(
  data: FakeStripeData,
  run: (connection: StripeConnection, fake: FakeStripe) => Promise<void> | void,
  options: FakeStripeOptions = {},
) {
  const fake = startFakeStripe(data, undefined, 0, options);
  const cacheDir = await Deno.makeTempDir();
  try {
    await run({
      apiKey: fake.apiKey,
      apiHost: "127.0.0.1",
      apiPort: fake.port,
      apiProtocol: "http",
      cacheDir,
      cacheDirChosenBy: ANOTHER_OUTPUT_FOLDER,
    }, fake);
  } finally {
    await fake.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}

interface StripeConnection {
  apiKey: string;
  apiHost: string;
  apiPort: number;
  apiProtocol: "http";
  cacheDir: string;
  cacheDirChosenBy: ChosenBy;
}

/** `run` given the invoice history of the fixture's account from 2025-10-01 to 2026-12-20. */
function withInvoices(
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

Deno.test("invoice MRR: yearly, monthly, quarterly, prorated, discounted, taxed, EUR; exclusions", async () => {
  await withInvoices((fetched) => {
    // a line per invoice line, the lines past the one embedded read from /v1/invoices/:id/lines
    assertEquals(fetched.history.lines.length, 16);
    const at20 = invoiceMrrAt(fetched.history, { at: new Date("2026-11-20T00:00:00Z"), rules });
    assertEquals(cents(at20), {
      cus_disc: 8000,
      cus_eur: 9900,
      cus_month: 15000,
      cus_once: 10000,
      cus_prorate: 25000,
      cus_quarter: 10000,
      cus_tax: 10000,
      cus_year: 10000,
    });
    const at10 = invoiceMrrAt(fetched.history, { at: new Date("2026-11-10T00:00:00Z"), rules });
    assertEquals(cents(at10).cus_prorate, 10000, "before the upgrade");
    // as-of 12-01 00:00 reads November 30: the same levels; by 12-20 only the yearly term is left
    const dec1 = invoiceMrrAt(fetched.history, { at: new Date("2026-12-01T00:00:00Z"), rules });
    assertEquals(cents(dec1).cus_prorate, 25000);
    const dec20 = invoiceMrrAt(fetched.history, { at: new Date("2026-12-20T00:00:00Z"), rules });
    assertEquals(
      Object.keys(cents(dec20)),
      ["cus_year"],
      "no December invoices, quarter ended 12-15",
    );
    // as-of 10-01 reads September 30: the yearly term (from 03-01) and the quarter (from 09-15)
    const oct = invoiceMrrAt(fetched.history, { at: new Date("2026-10-01T00:00:00Z"), rules });
    assertEquals(cents(oct), { cus_quarter: 10000, cus_year: 10000 });
    // the discount policy "none" = list prices: $100 for cus_disc
    const none = invoiceMrrAt(fetched.history, {
      at: new Date("2026-11-20T00:00:00Z"),
      rules: resolveRules({ ...rules, discountPolicy: "none" }),
    });
    assertEquals(cents(none).cus_disc, 10000);
    // metered usage invoiced in November: cus_disc's $7.00
    const usage = invoicedUsage(fetched.history, {
      to: new Date("2026-12-01T00:00:00Z"),
      rules,
    });
    assertEquals([...usage], [["cus_disc", 7]]);
    // the revenue stage's shape for the pipeline: customers without lines get 0
    const revenue = invoiceRevenue(fetched.history, {
      asOf: new Date("2026-12-01T00:00:00Z"),
      windowDays: 30,
      rules,
      customerIds: ["cus_disc", "cus_never"],
    });
    assertEquals(revenue.byCustomer.get("cus_disc")?.mrrRecurring, 80);
    assertEquals(revenue.byCustomer.get("cus_disc")?.mrr, 87);
    assertEquals(revenue.byCustomer.get("cus_never")?.mrrRecurring, 0);
  });
});

Deno.test("invoice MRR: an open (sent, unpaid) invoice holds its level over its period; a draft none; after the last one, nothing", async () => {
  // revenue-rules.md: MRR from paid or open invoices (ChartMogul counts past-due ones until
  // cancelled), churn at the end of the last paid or open invoice period
  const openInvoices = [
    invoice("cus_open", "2026-10-01", [
      month("sub_open", "price_plan100", 10000, "2026-10-01", "2026-11-01"),
    ]),
    invoice("cus_open", "2026-11-01", [
      month("sub_open", "price_plan250", 25000, "2026-11-01", "2026-12-01"),
    ], "open"),
    invoice("cus_draft", "2026-11-01", [
      month("sub_draft", "price_plan100", 10000, "2026-11-01", "2026-12-01"),
    ], "draft"),
  ];
  await withFakeStripe({ subscriptions, products, invoices: openInvoices }, async (connection) => {
    const fetched = await fetchInvoiceHistory({
      ...connection,
      from: new Date("2026-09-01T00:00:00Z"),
      to: new Date("2026-12-20T00:00:00Z"),
      rules,
    });
    const at = (date: string) =>
      cents(invoiceMrrAt(fetched.history, { at: new Date(`${date}T00:00:00Z`), rules }));
    assertEquals(at("2026-10-20"), { cus_open: 10000 }); // paid
    assertEquals(at("2026-11-20"), { cus_open: 25000 }); // open: its new level counts
    assertEquals(at("2026-12-05"), {}); // its period ended, no invoice after it: churned
  });
});

Deno.test("invoice history: one listing for the range, paged by 100, cached for the day", async () => {
  await withInvoices(async (fetched, fake, cacheDir) => {
    assertEquals(fetched.source, "stripe");
    const invoiceLists = fake.log.filter((r) => r.path === "/v1/invoices");
    assertEquals(invoiceLists.length, 1, "15 invoices: one page of 100");
    assertEquals(invoiceLists[0].params.get("limit"), "100");
    assertEquals(
      fake.log.filter((r) => r.path.endsWith("/lines")).length,
      2,
      "the two invoices with two lines (cus_prorate's proration, cus_disc), past the one embedded",
    );
    assertEquals(
      fake.log.filter((r) => r.path === "/v1/subscription_items").length,
      1,
      "cus_disc's second item, past the one embedded, as live MRR reads it (its own discounts)",
    );
    // the prices once: active and archived (Stripe lists archived ones only with active=false)
    assertEquals(
      fake.log.filter((r) => r.path === "/v1/prices").map((r) => r.params.get("active")).sort(),
      ["false", "true"],
    );
    const before = fake.requests.length;
    const again = await fetchInvoiceHistory({
      cacheDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      apiKey: fake.apiKey,
      apiHost: "127.0.0.1",
      apiPort: fake.port,
      apiProtocol: "http",
      cacheDir,
      from: new Date("2025-10-01T00:00:00Z"),
      to: new Date("2026-12-20T00:00:00Z"),
      rules,
    });
    assertEquals(again.source, "cache");
    assertEquals(fake.requests.length, before, "no call on a cache hit");
    assertEquals(again.history, fetched.history);
    const files = [...Deno.readDirSync(cacheDir)].map((e) => e.name);
    ok(files.every((f) => !f.includes(fake.apiKey)), "the key is not in the file name");
    // a cache file of the right version but the wrong shape (an amount as text) is no cache
    const [file] = files.filter((f) => f.endsWith(".json")).map((f) => join(cacheDir, f));
    const cached = JSON.parse(await Deno.readTextFile(file));
    cached.history.lines[0].amount = "1000";
    await Deno.writeTextFile(file, JSON.stringify(cached));
    const fetchedAgain = await fetchInvoiceHistory({
      cacheDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      apiKey: fake.apiKey,
      apiHost: "127.0.0.1",
      apiPort: fake.port,
      apiProtocol: "http",
      cacheDir,
      from: new Date("2025-10-01T00:00:00Z"),
      to: new Date("2026-12-20T00:00:00Z"),
      rules,
    });
    assertEquals(fetchedAgain.source, "stripe");
    assertEquals(fetchedAgain.history, fetched.history);
  });
});

Deno.test("reconciliation: live MRR from subscriptions equals invoice MRR for the same customers", async () => {
  await withInvoices(async (fetched, fake, cacheDir) => {
    const at = new Date("2026-11-20T00:00:00Z");
    const customers = [
      "cus_month",
      "cus_year",
      "cus_prorate",
      "cus_disc",
      "cus_once",
      "cus_quarter",
      "cus_eur",
    ];
    const live = await loadRevenue(customers, {
      mode: "refresh",
      apiKey: fake.apiKey,
      apiHost: "127.0.0.1",
      apiPort: fake.port,
      apiProtocol: "http",
      cacheDir,
      asOf: at,
      rules,
    });
    assertEquals(live.source, "stripe");
    const onlyOurs = {
      ...fetched.history,
      lines: fetched.history.lines.filter((l) => customers.includes(l.customer)),
    };
    const result = reconcile(live, { history: onlyOurs, at, rules });
    assertEquals(result.differing, []);
    // 150 + 100 + 250 + 80 + 100 + 100 + 99
    assertEquals([result.liveCents, result.invoiceCents], [87900, 87900]);
    ok(reconciliationLine(result).includes("0 of 7 customers differ"));
    // with the taxed customer's invoice and no subscription for it, the line names it
    const withTax = reconcile(live, { history: fetched.history, at, rules });
    ok(withTax.differing.some((d) => d.customerId === "cus_tax" && d.invoiceCents === 10000));
    // restricted to the export's customers, a customer of nobody's is not compared
    const ours = reconcile(live, { history: fetched.history, at, rules, customerIds: customers });
    assertEquals([ours.differing, ours.customers], [[], 7]);
  });
});

Deno.test("backfilled usage is per month: a quarter's usage invoice counts ÷ 3 until the next, a week's × 52/12", () => {
  const metered = (id: string, interval: "week" | "month", interval_count: number) => ({
    id,
    product: "prod_request_volume",
    currency: "usd",
    nickname: null,
    billing_scheme: "per_unit" as const,
    tiers_mode: null,
    tiers: null,
    unit_amount_decimal: "1",
    transform_quantity: null,
    recurring: { interval, interval_count, usage_type: "metered" as const },
    currency_options: null,
  });
  const usageLine = (customer: string, priceId: string, created: string, amount: number) => ({
    customer,
    invoice: `in_${customer}_${created}`,
    status: "paid",
    created: s(created),
    currency: "usd",
    subscription: `sub_${customer}`,
    price_id: priceId,
    proration: false,
    quantity: null,
    amount,
    inclusive_tax: 0,
    discount_amounts: [],
    period_start: s(created),
    period_end: s(created),
  });
  const history = {
    prices: [metered("price_quarter", "month", 3), metered("price_week", "week", 1)],
    discounts: [],
    itemDiscounts: [],
    thresholdResets: [],
    pausedSubscriptions: [],
    lines: [
      // quarterly: $300 of usage billed 2026-08-20, then $600 billed 2026-11-20
      usageLine("cus_q", "price_quarter", "2026-08-20", 30000),
      usageLine("cus_q", "price_quarter", "2026-11-20", 60000),
      // weekly: four invoices of $10 in November's window, one before it
      ...["2026-10-28", "2026-11-04", "2026-11-11", "2026-11-18", "2026-11-25"].map((day) =>
        usageLine("cus_w", "price_week", day, 1000)
      ),
    ],
    from: s("2026-01-01"),
    to: s("2026-12-31"),
  };
  const usageAt = (asOf: string) =>
    Object.fromEntries(invoicedUsage(history, {
      to: new Date(`${asOf}T00:00:00Z`),
      rules,
    }));
  // 2026-10-01: the August invoice, 42 days back (within 3 × 30): $300 / 3 = $100 a month
  assertEquals(usageAt("2026-10-01").cus_q, 100);
  // 2026-12-01: the November invoice replaces it: $600 / 3 = $200; the weekly price's last
  // invoice in the window [11-01, 12-01), $10, × 52/12 weeks a month = $43.33 (as live counts
  // it), not the four invoices' $40 (nor five's $50 in a 31-day month)
  const dec = usageAt("2026-12-01");
  assertEquals(dec.cus_q, 200);
  assertEquals(Math.round(dec.cus_w * 100), 4333);
});

Deno.test("backfilled usage subtracts only the discounts the discount setting counts", () => {
  // 50 % off, repeating, ended 2026-11-21 (10 days before the as-of); 10 % off forever
  const ended = discount(
    { id: "di_use_ended", percent_off: 50, duration: "repeating" },
    s("2026-11-21"),
  );
  const forever = discount({ id: "di_use_forever", percent_off: 10, duration: "forever" });
  const usageLine = (customer: string, off: [string, number]) => ({
    ...liteLine(customer, "price_metered", 4000, "2026-11-01", "2026-12-01"),
    created: s("2026-11-25"),
    quantity: null,
    discount_amounts: [{ discount: off[0], amount: off[1] }],
  });
  // $40 of usage each: $20 off by the ended coupon, $4 off by the forever one
  const history = historyOf(
    [P.metered],
    [
      usageLine("cus_ended", ["di_use_ended", 2000]),
      usageLine("cus_forever", ["di_use_forever", 400]),
    ],
    [ended, forever].map((d) => ({
      id: d.id,
      coupon: couponLite(d.source.coupon),
      start: null,
      end: d.end,
    })),
  );
  const usageWith = (discountPolicy: "recurring" | "forever" | "none") =>
    Object.fromEntries(invoicedUsage(history, {
      to: new Date("2026-12-01T00:00:00Z"),
      rules: resolveRules({ ...rules, discountPolicy }),
    }));
  // the ended coupon no longer counts: $40 under every setting, as live usage_charges
  assertEquals(usageWith("recurring"), { cus_ended: 40, cus_forever: 36 });
  assertEquals(usageWith("forever"), { cus_ended: 40, cus_forever: 36 });
  assertEquals(usageWith("none"), { cus_ended: 40, cus_forever: 40 });
});

/** A paid subscription line of `customer` at `priceId` for [from, to), as the history holds it. */
const liteLine = (customer: string, priceId: string, amount: number, from: string, to: string) => ({
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
const historyOf = (
  prices: Json[],
  lines: InvoiceHistory["lines"],
  discounts: InvoiceHistory["discounts"] = [],
): InvoiceHistory => ({
  prices: prices.map((p) => ({ ...p, tiers: null, currency_options: null })),
  discounts,
  itemDiscounts: [],
  thresholdResets: [],
  pausedSubscriptions: [],
  lines,
  from: s("2026-01-01"),
  to: s("2026-12-31"),
});

Deno.test("invoice MRR: a prorated upgrade under a percent-off discount is the discounted new level", () => {
  // Stripe's default proration discounts ("included", changelog 2025-09-30.clover): a proration
  // line's amount is net of the subscription's discount, which it lists with amount 0. $100 with
  // 20 % off forever ($80), upgraded on 11-16 to $250: −$50 × 0.8 and +$125 × 0.8 for the rest
  // of November. Live MRR is $250 × 0.8 = $200; the list-price levels read $80 − $100 + $250.
  const forever20 = discount({ id: "di_pro_forever20", percent_off: 20, duration: "forever" });
  const onForever = (amount: number) => [{ discount: "di_pro_forever20", amount }];
  const proration = (priceId: string, amount: number) => ({
    ...liteLine("cus_up", priceId, amount, "2026-11-16", "2026-12-01"),
    invoice: `in_cus_up_${priceId}`,
    proration: true,
    discount_amounts: onForever(0),
  });
  const history = historyOf([P.plan100, P.plan250], [
    {
      ...liteLine("cus_up", "price_plan100", 10000, "2026-11-01", "2026-12-01"),
      discount_amounts: onForever(2000),
    },
    proration("price_plan100", -4000),
    proration("price_plan250", 10000),
  ], [{ id: forever20.id, coupon: couponLite(forever20.source.coupon), start: null, end: null }]);
  const at = (policy: "recurring" | "none") =>
    cents(invoiceMrrAt(history, {
      at: new Date("2026-12-01T00:00:00Z"),
      rules: resolveRules({ ...rules, discountPolicy: policy }),
    }));
  assertEquals(at("recurring"), { cus_up: 20000 }); // 80 − 100 × 0.8 + 250 × 0.8
  assertEquals(at("none"), { cus_up: 25000 }, "list prices: 100 − 100 + 250");
});

/**
 * One customer per discount shape on prorations: each pays for November on 11-01 and changes its
 * subscription on 11-16, half of November left. Stripe's default ("included") proration discounts
 * net a proration's amount and list its discounts at 0 (changelog 2025-09-30.clover), so the
 * amounts below are never read; "itemized" ones list the gross amount and the discounts' amounts.
 * The subscriptions are as Stripe lists them after the change.
 */
function prorationShapes() {
  const addOn50 = price("prod_evals", 5000, { id: "price_addon50" });
  const itemPercent20 = discount({ id: "di_sh_item20", percent_off: 20, duration: "forever" });
  const itemOff30 = (id: string, duration: string, end: number | null = null, couponId?: string) =>
    discount({ id, amount_off: 3000, duration, couponId }, end);
  const invoiceOff20 = () => discount({ amount_off: 2000, duration: "forever" });
  const [added, zeroed, once, repeating, gone] = [
    itemOff30("di_sh_add30", "forever"),
    itemOff30("di_sh_zero30", "forever"),
    itemOff30("di_sh_once30", "once"),
    itemOff30("di_sh_repeat30", "repeating", s("2027-02-01")),
    // its coupon deleted since: no coupon listing returns it; both sides read it off the item
    // holding it (lib/revenue/deleted_coupons.ts)
    itemOff30("di_sh_gone30", "forever", null, "co_deleted_30"),
  ];
  const [invoiceOffItemized, invoiceOffIncluded, invoiceOffRemoved] = [
    invoiceOff20(),
    invoiceOff20(),
    invoiceOff20(),
  ];
  const sub = (customer: string, items: [Json, number, Json?][], options: Json = {}) =>
    subscription(customer, items, { id: `sub_${customer}`, ...options });
  const withDiscount = (d: Json) => ({ discounts: [d] });
  const subscriptions = [
    sub("cus_sh_item_pct", [[P.plan250, 1, withDiscount(itemPercent20)]]),
    sub("cus_sh_item_add", [[P.plan100, 1], [addOn50, 1, withDiscount(added)]]),
    sub("cus_sh_item_zero", [[P.plan100, 1], [addOn50, 0, withDiscount(zeroed)]]),
    sub("cus_sh_item_once", [[P.plan100, 1], [addOn50, 1, withDiscount(once)]]),
    sub("cus_sh_item_repeat", [[P.plan100, 1], [addOn50, 1, withDiscount(repeating)]]),
    sub("cus_sh_inv_itemized", [[P.plan100, 1], [addOn50, 1]], withDiscount(invoiceOffItemized)),
    sub("cus_sh_inv_included", [[P.plan100, 1], [addOn50, 1]], withDiscount(invoiceOffIncluded)),
    // the add-on removed (deleted from the subscription) under the whole invoice's $20 off
    sub("cus_sh_inv_removed", [[P.plan100, 1]], withDiscount(invoiceOffRemoved)),
    sub("cus_sh_gone", [[P.plan100, 1], [addOn50, 1, withDiscount(gone)]]),
    // the add-on and its own discount deleted together: no subscription lists that discount
    sub("cus_sh_item_removed", [[P.plan100, 1]]),
  ];
  const november = (customer: string, priceId: string, cents: number, off?: [string, number]) =>
    line({
      price: priceId,
      amount: cents,
      sub: `sub_${customer}`,
      period: ["2026-11-01", "2026-12-01"],
      discounts: off ? [off] : [],
    });
  const proration = (customer: string, priceId: string, cents: number, off: [string, number][]) =>
    line({
      price: priceId,
      amount: cents,
      sub: `sub_${customer}`,
      period: ["2026-11-16", "2026-12-01"],
      proration: true,
      discounts: off,
    });
  /** 11-01's invoice of `customer` ($100 base, and `addOn` when it had one) and 11-16's. */
  const invoicesOf = (
    customer: string,
    { cycle = [], prorations }: { cycle?: Json[]; prorations: Json[] },
  ) => [
    invoice(customer, "2026-11-01", [november(customer, "price_plan100", 10000), ...cycle]),
    invoice(customer, "2026-11-16", prorations),
  ];
  const invoices = [
    // the base itself at 20 % off its own item, upgraded $100 → $250 on that item
    invoice("cus_sh_item_pct", "2026-11-01", [
      november("cus_sh_item_pct", "price_plan100", 10000, ["di_sh_item20", 2000]),
    ]),
    invoice("cus_sh_item_pct", "2026-11-16", [
      proration("cus_sh_item_pct", "price_plan100", -4000, [["di_sh_item20", 0]]),
      proration("cus_sh_item_pct", "price_plan250", 10000, [["di_sh_item20", 0]]),
    ]),
    // a $50 add-on added with $30 off its own item: (50 − 30) / 2 billed
    ...invoicesOf("cus_sh_item_add", {
      prorations: [proration("cus_sh_item_add", "price_addon50", 1000, [["di_sh_add30", 0]])],
    }),
    // the add-on at $30 off set to quantity 0 (kept on file, discount too): (50 − 30) / 2 back
    ...invoicesOf("cus_sh_item_zero", {
      cycle: [november("cus_sh_item_zero", "price_addon50", 5000, ["di_sh_zero30", 3000])],
      prorations: [proration("cus_sh_item_zero", "price_addon50", -1000, [["di_sh_zero30", 0]])],
    }),
    ...invoicesOf("cus_sh_item_once", {
      prorations: [proration("cus_sh_item_once", "price_addon50", 1000, [["di_sh_once30", 0]])],
    }),
    ...invoicesOf("cus_sh_item_repeat", {
      prorations: [
        proration("cus_sh_item_repeat", "price_addon50", 1000, [["di_sh_repeat30", 0]]),
      ],
    }),
    // $20 off the whole invoice, split over its lines; the add-on's itemized proration lists
    // the gross $25 and $10 of that discount
    invoice("cus_sh_inv_itemized", "2026-11-01", [
      november("cus_sh_inv_itemized", "price_plan100", 10000, [invoiceOffItemized.id, 2000]),
    ]),
    invoice("cus_sh_inv_itemized", "2026-11-16", [
      proration("cus_sh_inv_itemized", "price_addon50", 2500, [[invoiceOffItemized.id, 1000]]),
    ]),
    invoice("cus_sh_inv_included", "2026-11-01", [
      november("cus_sh_inv_included", "price_plan100", 10000, [invoiceOffIncluded.id, 2000]),
    ]),
    invoice("cus_sh_inv_included", "2026-11-16", [
      proration("cus_sh_inv_included", "price_addon50", 1500, [[invoiceOffIncluded.id, 0]]),
    ]),
    // the add-on removed on 11-16, itemized: 11-01's $20 off split over its two lines ($13.33 and
    // $6.67), and the credit lists its own share of that discount ($3.33 of the gross −$25): the
    // share each line took off is known (discount_amounts), but it is that invoice's, not the
    // level's: taken off the credit it would read 86.67 + 43.33 − 50 × (25 − 3.33) / 25 = $86.67
    invoice("cus_sh_inv_removed", "2026-11-01", [
      november("cus_sh_inv_removed", "price_plan100", 10000, [invoiceOffRemoved.id, 1333]),
      november("cus_sh_inv_removed", "price_addon50", 5000, [invoiceOffRemoved.id, 667]),
    ]),
    invoice("cus_sh_inv_removed", "2026-11-16", [
      proration("cus_sh_inv_removed", "price_addon50", -2500, [[invoiceOffRemoved.id, 333]]),
    ]),
    ...invoicesOf("cus_sh_gone", {
      prorations: [proration("cus_sh_gone", "price_addon50", 1000, [["di_sh_gone30", 0]])],
    }),
    ...invoicesOf("cus_sh_item_removed", {
      cycle: [november("cus_sh_item_removed", "price_addon50", 5000, ["di_sh_removed30", 3000])],
      prorations: [
        proration("cus_sh_item_removed", "price_addon50", -1000, [["di_sh_removed30", 0]]),
      ],
    }),
  ];
  // as Stripe lists them: each line its item's discounts, each invoice its own; the removed
  // add-on's discount, deleted with its item, still listed (its coupon and start, no end)
  const { end: _, ...removed } = {
    ...itemOff30("di_sh_removed30", "forever"),
    deleted: true,
    start: s("2026-10-01"),
  };
  const itemLevel = [itemPercent20, added, zeroed, once, repeating, gone, removed];
  const invoiceLevel = [invoiceOffItemized, invoiceOffIncluded, invoiceOffRemoved];
  const listedBy = (list: Json[], amounts: Json[]) =>
    list.filter((d) => amounts.some((a: Json) => a.discount === d.id));
  for (const invoice of invoices) {
    const amounts = invoice.lines.data.flatMap((l: Json) => l.discount_amounts);
    invoice.discounts = listedBy(invoiceLevel, amounts);
    for (const l of invoice.lines.data) l.discounts = listedBy(itemLevel, l.discount_amounts);
  }
  return {
    subscriptions,
    invoices,
    prices: [P.plan100, P.plan250, addOn50],
    coupons: coupons.filter((c) => c.id !== "co_deleted_30"),
  };
}

Deno.test("invoice MRR: discounts Stripe netted into prorations come off as live MRR takes them off, per shape", async () => {
  const shapes = prorationShapes();
  const customers = [...new Set(shapes.subscriptions.map((sub) => String(sub.customer)))];
  await withFakeStripe({ ...shapes, products }, async (connection) => {
    const { history } = await fetchInvoiceHistory({
      ...connection,
      from: new Date("2026-10-01T00:00:00Z"),
      to: new Date("2026-12-20T00:00:00Z"),
      rules,
    });
    assertEquals(
      history.itemDiscounts,
      [
        "di_sh_add30",
        "di_sh_gone30",
        "di_sh_item20",
        "di_sh_once30",
        "di_sh_removed30",
        "di_sh_repeat30",
        "di_sh_zero30",
      ],
      "the items' own discounts, one read from the invoices only, the deleted coupon's too",
    );
    const at = new Date("2026-11-20T00:00:00Z");
    const dollars = (map: Map<string, { usd: number | null }>) =>
      Object.fromEntries(customers.map((c) => [c, map.get(c)?.usd ?? 0]));
    for (
      const [discountPolicy, expected] of [
        // by hand, November from 11-16 on (base $100, add-on $50, discounts as each counts them):
        ["recurring", {
          cus_sh_item_pct: 200, // 100 × 0.8 − 100 × 0.8 + 250 × 0.8 (was right)
          cus_sh_item_add: 120, // 100 + (50 − 30) (read 150: the $30 was not taken off)
          cus_sh_item_zero: 100, // 100 + (50 − 30) − (50 − 30) (read 70: −50 credited)
          cus_sh_item_once: 150, // 100 + 50: a once coupon is never recurring
          cus_sh_item_repeat: 120, // 100 + (50 − 30): repeating until 2027-02-01
          cus_sh_inv_itemized: 130, // (100 − 20) + 50 (read 110: the $20 counted twice)
          cus_sh_inv_included: 130, // (100 − 20) + 50 (was right)
          cus_sh_inv_removed: 80, // (100 − 13.33) + (50 − 6.67) − 50 = 100 − 20
          // 100 + (50 − 30): the deleted coupon read off the item holding it, by live MRR too
          cus_sh_gone: 120,
          // 100 + (50 − 30) − (50 − 30): its discount, deleted with the item, read from the
          // invoices (at the price before it, and said, before they were read: 100 + 50 − 50)
          cus_sh_item_removed: 100,
        }],
        ["forever", {
          cus_sh_item_pct: 200,
          cus_sh_item_add: 120,
          cus_sh_item_zero: 100,
          cus_sh_item_once: 150,
          cus_sh_item_repeat: 150, // 100 + 50: only forever coupons count
          cus_sh_inv_itemized: 130,
          cus_sh_inv_included: 130,
          cus_sh_inv_removed: 80,
          cus_sh_gone: 120,
          cus_sh_item_removed: 100,
        }],
        ["none", {
          cus_sh_item_pct: 250, // list prices: 100 − 100 + 250
          cus_sh_item_add: 150,
          cus_sh_item_zero: 100,
          cus_sh_item_once: 150,
          cus_sh_item_repeat: 150,
          cus_sh_inv_itemized: 150,
          cus_sh_inv_included: 150,
          cus_sh_inv_removed: 100, // 100 + 50 − 50
          cus_sh_gone: 150,
          cus_sh_item_removed: 100,
        }],
      ] as const
    ) {
      const policyRules = resolveRules({ ...rules, discountPolicy });
      // the reference: live MRR of the same subscriptions, from the live path (lib/revenue/)
      const live = await loadRevenue(customers, {
        mode: "refresh",
        ...connection,
        asOf: at,
        rules: policyRules,
      });
      assertEquals(
        Object.fromEntries(customers.map((c) => [c, live.byCustomer.get(c)?.mrrRecurring])),
        expected,
        `live, ${discountPolicy}`,
      );
      for (const asOf of [at, new Date("2026-12-01T00:00:00Z")]) {
        assertEquals(
          dollars(invoiceMrrAt(history, { at: asOf, rules: policyRules })),
          expected,
          `invoices at ${asOf.toISOString()}, ${discountPolicy}`,
        );
      }
    }
    // before the change, the add-on's discount had no line yet: the base alone
    const before = invoiceMrrAt(history, { at: new Date("2026-11-10T00:00:00Z"), rules });
    assertEquals(dollars(before).cus_sh_item_add, 100);
    // what cannot be told is said, naming the customers and their invoices
    const checks = revenueChecks(history, {
      asOf: new Date("2026-12-01T00:00:00Z"),
      rules,
      customerIds: customers,
    }).filter((w) => w.includes("whose coupon no listing returns"));
    // every discount read: the removed item's from the invoices, the deleted coupon's off its item
    // (the warning for one that cannot be: history_backfill_test.ts, cus_charlie)
    assertEquals(checks, []);
  }, { embeddedLimit: 1 });
});

Deno.test("invoice MRR: a line on a price Stripe lists nowhere (deleted, inline) is no MRR, metered or not", () => {
  const history = historyOf([P.plan100], [
    liteLine("cus_known", "price_plan100", 10000, "2026-11-01", "2026-12-01"),
    // $7 of metered usage on a price no listing returns: could be anything, so not MRR
    liteLine("cus_meter", "price_gone_metered", 700, "2026-11-01", "2026-12-01"),
    // $50 on an inline price the subscription no longer holds
    liteLine("cus_inline", "price_inline", 5000, "2026-11-01", "2026-12-01"),
  ]);
  const at = new Date("2026-11-20T00:00:00Z");
  assertEquals(cents(invoiceMrrAt(history, { at, rules })), { cus_known: 10000 });
  // the snapshot says so: 2 lines, $7 + $50 = $57.00, both customers
  const revenue = invoiceRevenue(history, { asOf: at, windowDays: 30, rules, customerIds: [] });
  assertEquals(revenue.warnings.filter((w) => w.includes("price Stripe lists")), [
    "2 invoice lines covering the as-of (USD 57.00 billed or credited; customers cus_inline, cus_meter) name a price Stripe lists neither as active nor as archived (deleted, or created inline): left out of mrr_recurring, so those customers' revenue there may be off; check their invoices in Stripe",
  ]);
  // not its usage either: only a price known to be metered is usage
  assertEquals(invoicedUsage(history, { to: at, rules }).size, 0);
});

Deno.test("a backfilled snapshot says how much invoice MRR no organization of it holds (deleted since, customer changed)", () => {
  const history = historyOf([P.plan100, P.plan250], [
    liteLine("cus_held", "price_plan100", 10000, "2026-10-01", "2026-11-01"),
    // an organization soft-deleted since, and the Stripe customer an organization left
    liteLine("cus_deleted_org", "price_plan250", 25000, "2026-10-01", "2026-11-01"),
    liteLine("cus_old", "price_plan100", 10000, "2026-10-01", "2026-11-01"),
    // billed before the as-of only: not MRR there, so not named
    liteLine("cus_gone_earlier", "price_plan100", 10000, "2026-08-01", "2026-09-01"),
  ]);
  const revenueOf = (customerIds: string[]) =>
    revenueChecks(history, { asOf: new Date("2026-11-01T00:00:00Z"), rules, customerIds })
      .filter((w) => w.includes("no organization"));
  // $250 + $100 = $350.00 of the $450.00 covering October 31
  assertEquals(revenueOf(["cus_held", "cus_new"]), [
    "2 Stripe customers with $350.00 of invoice MRR at the as-of (cus_deleted_org, cus_old) belong to no organization of this snapshot: left out of mrr_recurring, so its MRR reads low by that. A backfill reads today's organizations and their Stripe customers: an organization deleted since, or whose Stripe customer changed since, is not seen with that revenue",
  ]);
  assertEquals(revenueOf(["cus_held", "cus_deleted_org", "cus_old"]), []);
});

Deno.test("a backfilled snapshot says when its lines carry discounts whose coupon no listing returns", () => {
  // 50 % off $100 for August and September, by a coupon deleted since: the history holds no such
  // discount (neither the subscriptions nor the invoices could read it), so whether it counts
  // cannot be told
  const off = (amount: number) => [{ discount: "di_gone", amount }];
  const history = historyOf([P.plan100, P.quarterly300], [
    {
      ...liteLine("cus_a", "price_plan100", 10000, "2026-08-01", "2026-09-01"),
      discount_amounts: off(5000),
    },
    {
      ...liteLine("cus_a", "price_plan100", 10000, "2026-09-01", "2026-10-01"),
      discount_amounts: off(5000),
    },
    // a quarter's $90 off: $30.00 a month
    {
      ...liteLine("cus_q", "price_q300", 30000, "2026-08-15", "2026-11-15"),
      discount_amounts: off(9000),
    },
    liteLine("cus_a", "price_plan100", 10000, "2026-10-01", "2026-11-01"),
  ]);
  const warningsAt = (asOf: string) =>
    revenueChecks(history, {
      asOf: new Date(`${asOf}T00:00:00Z`),
      rules,
      customerIds: ["cus_a", "cus_q"],
    }).filter((w) => w.includes("whose coupon no listing returns"));
  // the lines are counted at the price before it: $100 and $100 a month, not $50 and $70
  const mrr = invoiceMrrAt(history, { at: new Date("2026-10-01T00:00:00Z"), rules });
  assertEquals(cents(mrr), { cus_a: 10000, cus_q: 10000 });
  assertEquals(warningsAt("2026-10-01"), [
    "2 invoice lines covering the as-of (customers cus_a on invoice in_cus_a_2026-09-01; cus_q on invoice in_cus_q_2026-08-15) carry discounts whose coupon no listing returns (deleted since: its terms cannot be read): whether the discount setting counts them cannot be told, so they are counted at the price before them, and mrr_recurring may read high by up to $80.00 a month",
  ]);
  assertEquals(warningsAt("2026-11-01"), [
    "1 invoice line covering the as-of (customer cus_q on invoice in_cus_q_2026-08-15) carries discounts whose coupon no listing returns (deleted since: its terms cannot be read): whether the discount setting counts them cannot be told, so they are counted at the price before them, and mrr_recurring may read high by up to $30.00 a month",
  ]);
});

Deno.test("the vanished-discount warning names lines in a currency without a rate, at face value", () => {
  // each line of September carries a discount whose coupon no listing returns: $50 off $100 (USD), €30 off
  // €90 (EUR at 1.1: $33.00), £25 off £100 and ¥500 off ¥5,000 (no rate for GBP or JPY)
  const gbp100 = price("prod_team_bundle", 10000, { id: "price_gbp100", currency: "gbp" });
  const jpy5000 = price("prod_team_bundle", 5000, { id: "price_jpy5000", currency: "jpy" });
  const gone = (
    customer: string,
    [priceId, currency, amount, off]: [string, string, number, number],
  ) => ({
    ...liteLine(customer, priceId, amount, "2026-09-01", "2026-10-01"),
    currency,
    discount_amounts: [{ discount: "di_gone", amount: off }],
  });
  const history = historyOf([P.plan100, P.eur90, gbp100, jpy5000], [
    gone("cus_a", ["price_plan100", "usd", 10000, 5000]),
    gone("cus_eur", ["price_eur90", "eur", 9000, 3000]),
    gone("cus_gbp", ["price_gbp100", "gbp", 10000, 2500]),
    gone("cus_jpy", ["price_jpy5000", "jpy", 5000, 500]),
  ]);
  const checksAt = (ruleSet: typeof rules, customerIds: string[]) =>
    revenueChecks(history, { asOf: new Date("2026-10-01T00:00:00Z"), rules: ruleSet, customerIds })
      .filter((w) => w.includes("whose coupon no listing returns"));
  const said =
    "carry discounts whose coupon no listing returns (deleted since: its terms cannot be read): whether the discount setting counts them cannot be told, so they are counted at the price before them, and mrr_recurring may read high by up to";
  // $50.00 + €30 × 1.1 = $83.00; GBP and JPY each at face value, with their customers
  assertEquals(checksAt(rules, ["cus_a", "cus_eur", "cus_gbp", "cus_jpy"]), [
    `4 invoice lines covering the as-of (customers cus_a on invoice in_cus_a_2026-09-01; cus_eur on invoice in_cus_eur_2026-09-01; cus_gbp on invoice in_cus_gbp_2026-09-01; and 1 more customer) ${said} $83.00 a month plus GBP 25.00 a month at face value (customer cus_gbp) plus JPY 500 a month at face value (customer cus_jpy); GBP and JPY have no rate in PRICING_FX_RATES, so their lines are not converted and their customers' mrr_recurring is empty until one is set`,
  ]);
  // as said: those customers' MRR is empty (unknown), the others' known
  const mrr = invoiceMrrAt(history, { at: new Date("2026-10-01T00:00:00Z"), rules });
  assertEquals([...mrr].map(([c, m]) => [c, m.usd]).sort(), [
    ["cus_a", 100],
    ["cus_eur", 99],
    ["cus_gbp", null],
    ["cus_jpy", null],
  ]);
  // with a rate for GBP (1.25) its £25 is converted, $31.25: $83.00 + $31.25 = $114.25
  const gbpRate = resolveRules({ ...rules, fxRates: { eur: 1.1, gbp: 1.25 } });
  assertEquals(checksAt(gbpRate, ["cus_a", "cus_eur", "cus_gbp", "cus_jpy"]), [
    `4 invoice lines covering the as-of (customers cus_a on invoice in_cus_a_2026-09-01; cus_eur on invoice in_cus_eur_2026-09-01; cus_gbp on invoice in_cus_gbp_2026-09-01; and 1 more customer) ${said} $114.25 a month plus JPY 500 a month at face value (customer cus_jpy); JPY has no rate in PRICING_FX_RATES, so its lines are not converted and their customers' mrr_recurring is empty until one is set`,
  ]);
});

Deno.test("a backfill marks paused the customers paused now, from the end of their last paid period only", () => {
  const history = {
    ...historyOf([P.plan100], [
      // cus_p pays $100 August to October; its subscription is paused now (November void)
      ...[["2026-08-01", "2026-09-01"], ["2026-09-01", "2026-10-01"], ["2026-10-01", "2026-11-01"]]
        .map(([from, to]) => liteLine("cus_p", "price_plan100", 10000, from, to)),
      { ...liteLine("cus_p", "price_plan100", 10000, "2026-11-01", "2026-12-01"), status: "void" },
      // cus_trial: a trial Stripe paused for want of a payment method, never paid ($0 lines)
      liteLine("cus_trial", "price_plan100", 0, "2026-10-01", "2026-11-01"),
      // cus_back paid July on a subscription canceled since (churn), then a new one's trial
      // paused now: the July drop is no pause of the subscription paused now
      { ...liteLine("cus_back", "price_plan100", 10000, "2026-07-01", "2026-08-01") },
      {
        ...liteLine("cus_back", "price_plan100", 0, "2026-10-01", "2026-11-01"),
        subscription: "sub_cus_back_2",
      },
    ]),
    pausedSubscriptions: ["sub_cus_back_2", "sub_cus_p", "sub_cus_trial"],
  };
  const statusAt = (asOf: string) => {
    const revenue = invoiceRevenue(history, {
      asOf: new Date(`${asOf}T00:00:00Z`),
      windowDays: 30,
      rules,
      customerIds: ["cus_p", "cus_trial", "cus_back"],
    });
    return Object.fromEntries(
      [...revenue.byCustomer].map(([c, r]) => [c, [r.mrrRecurring, r.subscriptionStatus]]),
    );
  };
  // 10-01 and 11-01 read September 30 and October 31: cus_p pays $100, its status unknown
  for (const asOf of ["2026-10-01", "2026-11-01"]) {
    assertEquals(statusAt(asOf), {
      cus_p: [100, null],
      cus_trial: [0, null],
      cus_back: [0, null],
    }, asOf);
  }
  // 12-01 reads November 30, after cus_p's last paid period (ended 11-01): paused at $0
  assertEquals(statusAt("2026-12-01"), {
    cus_p: [0, "paused"],
    cus_trial: [0, null],
    cus_back: [0, null],
  });
  // without a subscription paused now nothing is marked: as before
  const none = invoiceRevenue({ ...history, pausedSubscriptions: [] }, {
    asOf: new Date("2026-12-01T00:00:00Z"),
    windowDays: 30,
    rules,
    customerIds: ["cus_p"],
  });
  assertEquals(none.byCustomer.get("cus_p")?.subscriptionStatus, null);
});

Deno.test("invoice MRR: a customer billed in two currencies counts both, converted, to the cent", () => {
  const eur = { ...P.eur90, id: "price_eur100", unit_amount_decimal: "10000", tiers: null };
  const history = historyOf([P.plan100, eur], [
    {
      ...liteLine("cus_two", "price_eur100", 10000, "2026-11-01", "2026-12-01"),
      currency: "eur",
    },
    liteLine("cus_two", "price_plan100", 10000, "2026-11-01", "2026-12-01"),
  ]);
  const at = new Date("2026-11-20T00:00:00Z");
  // €100 × 1.1 + $100 = $210.00, as live mrr_recurring (not the larger amount's €100 = $110)
  const mrr = invoiceMrrAt(history, { at, rules }).get("cus_two")!;
  assertEquals([mrr.usd, mrr.currency, [...mrr.byCurrency]], [210, "eur,usd", [["eur", 10000], [
    "usd",
    10000,
  ]]]);
  const revenue = invoiceRevenue(history, {
    asOf: at,
    windowDays: 30,
    rules,
    customerIds: ["cus_two"],
  });
  const row = revenue.byCustomer.get("cus_two")!;
  assertEquals([row.mrrRecurring, row.mrr, row.currency], [210, 210, "EUR,USD"]);
  // without a rate for EUR the customer's MRR is unknown, and a warning names EUR
  const noRate = resolveRules({ ...rules, fxRates: {} });
  assertEquals(invoiceMrrAt(history, { at, rules: noRate }).get("cus_two")?.usd, null);
  const unconverted = invoiceRevenue(history, {
    asOf: at,
    windowDays: 30,
    rules: noRate,
    customerIds: ["cus_two"],
  });
  assertEquals(unconverted.byCustomer.get("cus_two")?.mrrRecurring, null);
  ok(unconverted.warnings.some((w) => w.startsWith("no exchange rate for EUR")));
});

Deno.test("backfilled usage counts as the live export: the closed period's thresholds, a swapped-off metered price", async () => {
  const data = thresholdAndSwapData();
  await withFakeStripe(data, async (connection) => {
    const from = new Date(AS_OF.getTime() - 35 * 86_400_000);
    const { history } = await fetchInvoiceHistory({
      ...connection,
      from,
      to: AS_OF,
      rules,
    });
    const usage = Object.fromEntries(invoicedUsage(history, { to: AS_OF, rules }));
    // $300 + $300 + $100 billed for the closed period (not the −2 days threshold's $300, of
    // the period under way); $250 on price_m_old, swapped off the subscription since
    assertEquals(usage, { cus_swap: 250, cus_thresh: 700 });
    // the live export of the same account says the same
    const live = await loadRevenue(["cus_thresh", "cus_swap"], {
      ...connection,
      mode: "auto",
      asOf: AS_OF,
      rules,
    });
    assertEquals(
      Object.fromEntries([...live.byCustomer].map(([id, r]) => [id, r.usageCharges])),
      { cus_swap: 250, cus_thresh: 700 },
    );
  });
});

Deno.test("backfilled usage counts as the live export: a period begun before the live listing, a metered price swapped for a licensed-only plan", async () => {
  const customerIds = ["cus_late", "cus_lic", "cus_licq"];
  const columns = (byCustomer: Map<string, Json>) =>
    Object.fromEntries(
      customerIds.map((id) => {
        const r = byCustomer.get(id);
        return [id, [r.mrr, r.usageCharges, r.mrrRecurring]];
      }),
    );
  // [mrr, usage_charges, mrr_recurring]: cus_late's period [−60, −30] days billed $300 + $300 at
  // thresholds and $100 at its close; cus_lic's and cus_licq's last cycle $250 on the monthly
  // metered price_m_old2, swapped off since, beside $50 a month of licensed plan
  const expected = { cus_late: [700, 700, 0], cus_lic: [300, 250, 50], cus_licq: [300, 250, 50] };
  await withFakeStripe(lateThresholdAndLicensedSwapData(), async (connection) => {
    const from = new Date(AS_OF.getTime() - 400 * 86_400_000);
    const { history } = await fetchInvoiceHistory({
      ...connection,
      from,
      to: AS_OF,
      rules,
    });
    const backfill = invoiceRevenue(history, { asOf: AS_OF, windowDays: 30, rules, customerIds });
    assertEquals(columns(backfill.byCustomer), expected);
    const live = await loadRevenue(customerIds, {
      ...connection,
      mode: "auto",
      asOf: AS_OF,
      rules,
    });
    assertEquals(columns(live.byCustomer), expected);
  });
});

Deno.test("backfilled usage counts as the live export: a threshold that resets the billing cycle anchor closes its period", async () => {
  // the threshold at −10 days ended [−30, −10] ($300); the last of two thresholds ended
  // [−25, −5] ($400); a cycle invoice after a resetting threshold bills its own period ($100)
  const expected = { cus_reset: 300, cus_reset_only: 400, cus_reset_then_cycle: 100 };
  await withFakeStripe(thresholdResetData(), async (connection) => {
    const from = new Date(AS_OF.getTime() - 400 * 86_400_000);
    const { history } = await fetchInvoiceHistory({
      ...connection,
      from,
      to: AS_OF,
      rules,
    });
    assertEquals(history.thresholdResets.sort(), Object.keys(expected).map((c) => `sub_${c}`));
    assertEquals(Object.fromEntries(invoicedUsage(history, { to: AS_OF, rules })), expected);
    const live = await loadRevenue(Object.keys(expected), {
      ...connection,
      mode: "auto",
      asOf: AS_OF,
      rules,
    });
    assertEquals(
      Object.fromEntries([...live.byCustomer].map(([id, r]) => [id, r.usageCharges])),
      expected,
    );
  });
});

Deno.test("usage, live and backfilled alike: an invoice two listings hold counts once, a 31-day-old cycle invoice counts, an old invoice item widens nothing", async () => {
  const T = AS_OF.getTime() / 1000, DAY = 86_400;
  const day = (d: number) => T + d * DAY;
  const period = (a: number, b: number) => ({ period: { start: day(a), end: day(b) } });
  const quarterly = price("prod_request_volume", null, {
    id: "price_mq",
    metered: true,
    interval_count: 3,
  });
  const monthly = price("prod_request_volume", null, { id: "price_late2", metered: true });
  const licensed = price("prod_team_bundle", 5000, { id: "price_lic5" });
  const oneOff = { ...price("prod_storage", 1000, { id: "price_oneoff" }), recurring: null };
  const cycle = (id: string, customer: string, d: number, lines: Json[], reason?: string) =>
    stripeInvoice(id, customer, `sub_${customer}`, day(d), lines, {
      billing_reason: reason ?? "subscription_cycle",
    });
  const ids = ["cus_mq2", "cus_late2", "cus_item"];
  await withFakeStripe({
    subscriptions: [
      subscription("cus_mq2", [[quarterly, null]], { id: "sub_cus_mq2", created: day(-400) }),
      subscription("cus_late2", [[monthly, null]], { id: "sub_cus_late2", created: day(-400) }),
      subscription("cus_item", [[licensed, 1]], { id: "sub_cus_item", created: day(-400) }),
    ],
    products,
    prices: [oneOff],
    invoices: [
      // cus_mq2, quarterly: thresholds $300 (−100 days) and $300 (−50), cycle $100 (−40), one
      // period [−130, −40): $700 / 3 = $233.33 a month. Its −50 threshold is in both the widened
      // listing (cus_late2's period begins before the 35 days listed) and its own long one.
      cycle("in_m2_t1", "cus_mq2", -100, [
        stripeLine("il_m2t1", "price_mq", 30000, "sub_cus_mq2", period(-130, -100)),
      ], "subscription_threshold"),
      cycle("in_m2_t2", "cus_mq2", -50, [
        stripeLine("il_m2t2", "price_mq", 30000, "sub_cus_mq2", period(-130, -50)),
      ], "subscription_threshold"),
      cycle("in_m2_c", "cus_mq2", -40, [
        stripeLine("il_m2c", "price_mq", 10000, "sub_cus_mq2", period(-130, -40)),
      ]),
      // cus_late2, monthly, calendar billed: threshold $300 (−45), cycle $100 31 days back (a
      // 31-day month before the as-of): $400, live and backfilled
      cycle("in_l2_t", "cus_late2", -45, [
        stripeLine("il_l2t", "price_late2", 30000, "sub_cus_late2", period(-61, -45)),
      ], "subscription_threshold"),
      cycle("in_l2_c", "cus_late2", -31, [
        stripeLine("il_l2c", "price_late2", 10000, "sub_cus_late2", period(-61, -31)),
      ]),
      // cus_item, licensed: a one-off invoice item created 700 days back on its latest invoice
      cycle("in_item", "cus_item", -5, [
        stripeLine("il_i1", "price_lic5", 5000, "sub_cus_item", period(-5, 25)),
        {
          ...stripeLine("il_i2", "price_oneoff", 1000, "sub_cus_item", period(-700, -700)),
          parent: {
            type: "invoice_item_details",
            invoice_item_details: { invoice_item: "ii_1", subscription: "sub_cus_item" },
          },
        },
      ]),
    ],
  }, async (connection, fake) => {
    const live = await loadRevenue(ids, { ...connection, mode: "auto", asOf: AS_OF, rules });
    const liveUsage = Object.fromEntries(
      ids.map((id) => [id, Math.round((live.byCustomer.get(id)?.usageCharges ?? 0) * 100) / 100]),
    );
    assertEquals(liveUsage, { cus_mq2: 233.33, cus_late2: 400, cus_item: 0 });
    // the invoice item's 700-day-old period listed nothing more: the widened listing reaches
    // back to cus_late2's period (61 days), and the one-off price is never looked up
    const reach = fake.log.filter((r) => r.path === "/v1/invoices")
      .map((r) => Number(r.params.get("created[gte]")));
    ok(Math.min(...reach) >= day(-130), `listed back to ${(T - Math.min(...reach)) / DAY} days`);
    ok(!fake.log.some((r) => r.path === "/v1/prices/price_oneoff"), "no lookup of the one-off");
    const from = new Date(AS_OF.getTime() - 400 * 86_400_000);
    const { history } = await fetchInvoiceHistory({
      ...connection,
      from,
      to: AS_OF,
      rules,
    });
    const backfilled = Object.fromEntries(
      [...invoicedUsage(history, { to: AS_OF, rules })]
        .map(([id, usd]) => [id, Math.round(usd * 100) / 100]),
    );
    assertEquals(backfilled, { cus_mq2: 233.33, cus_late2: 400 });
  });
});

Deno.test("usage, live and backfilled alike: a removed metered item, and invoice items and prorations never usage whatever prices other lines made known", async () => {
  const T = AS_OF.getTime() / 1000, DAY = 86_400;
  const day = (d: number) => T + d * DAY;
  const period = (a: number, b: number) => ({ period: { start: day(a), end: day(b) } });
  const licensed = price("prod_team_bundle", 5000, { id: "price_rm_plan" });
  const removed = price("prod_request_volume", null, { id: "price_rm_metered", metered: true });
  const held = price("prod_request_volume", null, { id: "price_rm_held", metered: true });
  const cycle = (id: string, customer: string, d: number, lines: Json[]) =>
    stripeInvoice(id, customer, `sub_${customer}`, day(d), lines);
  const planLine = (id: string, customer: string, a: number, b: number) =>
    stripeLine(id, "price_rm_plan", 5000, `sub_${customer}`, period(a, b));
  const expected = { cus_rm_after: 250, cus_rm_mid: 0, cus_rm_item: 0, cus_rm_prorated: 100 };
  const ids = Object.keys(expected);
  await withFakeStripe({
    subscriptions: ["cus_rm_after", "cus_rm_mid", "cus_rm_item"].map((c) =>
      subscription(c, [[licensed, 1]], { id: `sub_${c}` })
    ).concat([subscription("cus_rm_prorated", [[held, null]], { id: "sub_cus_rm_prorated" })]),
    products,
    prices: [removed],
    invoices: [
      // cus_rm_after: the metered item was removed after its last cycle (−5 days), which billed
      // $250 of it for [−35, −5]: that period's usage counts until the next cycle
      cycle("in_rm_after", "cus_rm_after", -5, [
        stripeLine("il_rma_m", "price_rm_metered", 25000, "sub_cus_rm_after", period(-35, -5)),
        planLine("il_rma_p", "cus_rm_after", -5, 25),
      ]),
      // cus_rm_mid: removed at −20 days (classic billing: Stripe bills none of that period's
      // usage), so the cycle at −5 closing [−35, −5] has no metered line: $0, not the $100 the
      // cycle before billed for [−65, −35]
      cycle("in_rm_mid_prev", "cus_rm_mid", -35, [
        stripeLine("il_rmm_m", "price_rm_metered", 10000, "sub_cus_rm_mid", period(-65, -35)),
        planLine("il_rmm_p0", "cus_rm_mid", -35, -5),
      ]),
      cycle("in_rm_mid", "cus_rm_mid", -5, [planLine("il_rmm_p", "cus_rm_mid", -5, 25)]),
      // cus_rm_item: an invoice item of $120 on the metered price (its period [−35, −20]) on
      // the cycle invoice: an invoice item is never usage, though cus_rm_after's line makes the
      // price known live
      cycle("in_rm_item", "cus_rm_item", -5, [
        {
          ...stripeLine("il_rmi_m", "price_rm_metered", 12000, "sub_cus_rm_item", period(-35, -20)),
          parent: {
            type: "invoice_item_details",
            invoice_item_details: { invoice_item: "ii_rm", subscription: "sub_cus_rm_item" },
          },
        },
        planLine("il_rmi_p", "cus_rm_item", -5, 25),
      ]),
      // cus_rm_prorated: $100 of usage and an $80 line on the same metered price flagged a
      // proration: a proration is never usage, live or backfilled
      cycle("in_rm_prorated", "cus_rm_prorated", -5, [
        stripeLine("il_rmp_m", "price_rm_held", 10000, "sub_cus_rm_prorated", period(-35, -5)),
        stripeLine("il_rmp_x", "price_rm_held", 8000, "sub_cus_rm_prorated", {
          ...period(-35, -20),
          parent: {
            type: "subscription_item_details",
            subscription_item_details: { subscription: "sub_cus_rm_prorated", proration: true },
          },
        }),
      ]),
    ],
  }, async (connection) => {
    const live = await loadRevenue(ids, { ...connection, mode: "auto", asOf: AS_OF, rules });
    assertEquals(
      Object.fromEntries(ids.map((id) => [id, live.byCustomer.get(id)?.usageCharges])),
      expected,
    );
    const from = new Date(AS_OF.getTime() - 400 * 86_400_000);
    const { history } = await fetchInvoiceHistory({
      ...connection,
      from,
      to: AS_OF,
      rules,
    });
    const backfilled = invoicedUsage(history, { to: AS_OF, rules });
    assertEquals(Object.fromEntries(ids.map((id) => [id, backfilled.get(id) ?? 0])), expected);
  });
});

readOnlyFolderTest(
  "a cache folder that refuses the invoices names the output folder's flag (the cache is <out-dir>/.stripe-cache) and the fix",
  async (folder) => {
    await withFakeStripe({ subscriptions, products, invoices }, async (connection) => {
      await folder.readOnly();
      await assertRejects(
        fetchInvoiceHistory({
          ...connection,
          cacheDir: folder.dir,
          cacheDirChosenBy: outDirFlag(true),
          from: new Date("2025-10-01T00:00:00Z"),
          to: new Date("2026-12-20T00:00:00Z"),
          rules,
        }),
        (error: Error) => assertOutDirWriteRefused(error, folder, /stripe_invoices_\S+\.json/),
      );
    }, { embeddedLimit: 1 });
  },
);

Deno.test("invoice MRR: a proration billed in another currency than its price's reads the price's currency_options", async () => {
  // EUR subscriptions on USD prices (Stripe bills them through the prices' currency_options).
  // cus_fx: €90 (the $100 price's EUR amount) upgraded on 11-16 to €220 (the $250 price's);
  // cus_fx_tiers: 4 → 8 seats on a graduated price, $10 then $8 a seat past 5, €9 then €7.
  const usd100 = price("prod_team_bundle", 10000, {
    id: "price_fx100",
    currency_options: { eur: { unit_amount: 9000, unit_amount_decimal: "9000" } },
  });
  const usd250 = price("prod_team_bundle", 25000, {
    id: "price_fx250",
    currency_options: { eur: { unit_amount: 22000, unit_amount_decimal: "22000" } },
  });
  const tier = (upTo: number | null, cents: string) => ({
    up_to: upTo,
    unit_amount_decimal: cents,
    flat_amount_decimal: null,
  });
  const seats = price("prod_seats_graduated", null, {
    id: "price_fx_seats",
    tiers_mode: "graduated",
    tiers: [tier(5, "1000"), tier(null, "800")],
    currency_options: {
      eur: {
        unit_amount: null,
        unit_amount_decimal: null,
        tiers: [tier(5, "900"), tier(null, "700")],
      },
    },
  });
  const eur = (spec: Omit<LineSpec, "currency">) => line({ ...spec, currency: "eur" });
  const data: FakeStripeData = {
    subscriptions: [
      subscription("cus_fx", [[usd250, 1]], { id: "sub_fx", currency: "eur" }),
      subscription("cus_fx_tiers", [[seats, 8]], { id: "sub_fx_tiers", currency: "eur" }),
    ],
    products,
    prices: [usd100],
    invoices: [
      invoice("cus_fx", "2026-11-01", [
        eur({
          price: "price_fx100",
          amount: 9000,
          sub: "sub_fx",
          period: ["2026-11-01", "2026-12-01"],
        }),
      ]),
      // half of November left: −€90 / 2 and +€220 / 2
      invoice("cus_fx", "2026-11-16", [
        eur({
          price: "price_fx100",
          amount: -4500,
          sub: "sub_fx",
          period: ["2026-11-16", "2026-12-01"],
          proration: true,
        }),
        eur({
          price: "price_fx250",
          amount: 11000,
          sub: "sub_fx",
          period: ["2026-11-16", "2026-12-01"],
          proration: true,
        }),
      ]),
      // 4 seats: 4 × €9 = €36; 8 seats: 5 × €9 + 3 × €7 = €66; half of November left
      invoice("cus_fx_tiers", "2026-11-01", [
        eur({
          price: "price_fx_seats",
          amount: 3600,
          quantity: 4,
          sub: "sub_fx_tiers",
          period: ["2026-11-01", "2026-12-01"],
        }),
      ]),
      invoice("cus_fx_tiers", "2026-11-16", [
        eur({
          price: "price_fx_seats",
          amount: -1800,
          quantity: 4,
          sub: "sub_fx_tiers",
          period: ["2026-11-16", "2026-12-01"],
          proration: true,
        }),
        eur({
          price: "price_fx_seats",
          amount: 3300,
          quantity: 8,
          sub: "sub_fx_tiers",
          period: ["2026-11-16", "2026-12-01"],
          proration: true,
        }),
      ]),
    ],
  };
  await withFakeStripe(data, async (connection, fake) => {
    const { history } = await fetchInvoiceHistory({
      ...connection,
      from: new Date("2026-10-01T00:00:00Z"),
      to: new Date("2026-12-20T00:00:00Z"),
      rules,
    });
    // the EUR tiers are not in the listing (their currency unknown to it): read once, by id
    assertEquals(
      fake.log.filter((r) => r.path.startsWith("/v1/prices/")).map((r) => [
        r.path,
        [...r.params].filter(([k]) => k.startsWith("expand[")).map(([, v]) => v).sort(),
      ]),
      [["/v1/prices/price_fx_seats", ["currency_options", "currency_options.eur.tiers", "tiers"]]],
    );
    const at = (date: string) =>
      Object.fromEntries(
        [...invoiceMrrAt(history, { at: new Date(`${date}T00:00:00Z`), rules })].map((
          [customer, m],
        ) => [customer, [...m.byCurrency]]),
      );
    // before the change: €90 and €36
    assertEquals(at("2026-11-10"), { cus_fx: [["eur", 9000]], cus_fx_tiers: [["eur", 3600]] });
    // from 11-16: €90 − €90 + €220 = €220 (the USD amounts read 90 − 100 + 250 = €240), and
    // €36 − €36 + €66 = €66 (the USD tiers read 36 − 40 + 74 = €70)
    const expected = { cus_fx: [["eur", 22000]], cus_fx_tiers: [["eur", 6600]] };
    assertEquals(at("2026-11-20"), expected);
    assertEquals(at("2026-12-01"), expected);
    // in USD at 1.1: $242.00 and $72.60, as live MRR reads the same subscriptions
    const customers = ["cus_fx", "cus_fx_tiers"];
    const november20 = new Date("2026-11-20T00:00:00Z");
    assertEquals(cents(invoiceMrrAt(history, { at: november20, rules })), {
      cus_fx: 24200,
      cus_fx_tiers: 7260,
    });
    const live = await loadRevenue(customers, {
      mode: "refresh",
      ...connection,
      asOf: november20,
      rules,
    });
    const result = reconcile(live, { history, at: november20, rules, customerIds: customers });
    assertEquals([result.liveCents, result.invoiceCents, result.differing], [31460, 31460, []]);
  });
});
