/**
 * MRR from Stripe invoices (lib/revenue/invoice_mrr.ts) read through the real SDK from the fake
 * Stripe API (tests/history_invoice_fixture.ts): yearly, monthly, prorated, discounted, taxed,
 * foreign-currency lines, and the lines that never count. Expected amounts are worked out by hand
 * in the fixture; then live MRR (today's subscriptions) reconciles with invoice MRR for the same
 * customers. Usage, prorations and a backfill's checks: tests/history_invoice_{usage,prorations,
 * checks}_test.ts.
 */
import { join } from "node:path";
import { deepStrictEqual as assertEquals, ok, rejects as assertRejects } from "node:assert/strict";
import { ANOTHER_OUTPUT_FOLDER, outDirFlag } from "../lib/core/chosen_by.ts";
import { assertOutDirWriteRefused, readOnlyFolderTest } from "./read_only_folder.ts";
import { fetchInvoiceHistory } from "../lib/revenue/invoice_fetch.ts";
import { invoicedUsage, invoiceMrrAt } from "../lib/revenue/invoice_mrr.ts";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { resolveRules } from "../lib/revenue/rules.ts";
import { invoiceRevenue, reconcile, reconciliationLine } from "../lib/history/invoice_revenue.ts";
import { products } from "./fixtures/stripe/scenarios.ts";
import { fakeStripeConnection } from "./fake_stripe.ts";
import {
  cents,
  historyOf,
  invoice,
  invoices,
  liteLine,
  month,
  P,
  rules,
  subscriptions,
  withFakeStripe,
  withInvoices,
} from "./history_invoice_fixture.ts";

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
      ...fakeStripeConnection(fake),
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
      ...fakeStripeConnection(fake),
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
      ...fakeStripeConnection(fake),
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
