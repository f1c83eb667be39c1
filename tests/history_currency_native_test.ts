/**
 * Native amounts in history snapshots (`mrr_recurring_minor`, snapshot only): the revenue stage
 * sums each customer's recurring MRR in its billing currency's minor units before any conversion,
 * the snapshot stores it beside the USD, and the bridge per currency (bridge_currency.ts) reads it
 * instead of deriving USD ÷ rate, which older snapshots still do.
 *
 * By hand, JPY at 0.0067 USD per yen (yen have no minor unit):
 * - ¥15,002 a month is 15002 × 0.67 = 10051.34 cents, stored as $100.51; derived back,
 *   10051 ÷ 0.67 = 15001.49 → ¥15,001: one yen off. Stored natively: ¥15,002.
 * - ¥18,000 is 18000 × 0.67 = 12060 cents exactly ($120.60); derived back ¥18,000.
 * - €1,000 a year is 100000 ÷ 12 = 8333.33 cents a month → 8333 (€83.33); at EUR 1.10, $91.67.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { revenueRulesFromEnv } from "../lib/revenue/rules.ts";
import { attachRevenue, shareRecurringMinor, withRecurringMinor } from "../lib/revenue/columns.ts";
import type { RevenueResult } from "../lib/revenue/types.ts";
import type { HistoryPoint } from "../lib/history/bridge.ts";
import {
  buildHistoryReport,
  loadHistoryReport,
  loadMonthlyHistoryPoints,
} from "../lib/history/report.ts";
import { historyMarkdown } from "../lib/history/report_markdown.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { readSnapshotMeta } from "../lib/history/stored_snapshots.ts";
import { runExport } from "../lib/export.ts";
import { withFakeStripe } from "./fake_stripe.ts";
import { AS_OF, price, products, subscription } from "./fixtures/stripe/scenarios.ts";
import { yenFrame } from "./history_native_fixture.ts";

Deno.test("revenue stage: recurring MRR in the billing currency's minor units, exact, beside the USD", async () => {
  const subs = [
    subscription("cus_jpy", [[price("prod_enterprise", 15002, { currency: "jpy" }), 1]], {
      currency: "jpy",
    }),
    subscription("cus_eur_year", [[
      price("prod_enterprise", 100000, { currency: "eur", interval: "year" }),
      1,
    ]], { currency: "eur" }),
    // no rate for GBP: USD unknown, its pounds known
    subscription("cus_gbp", [[price("prod_enterprise", 4500, { currency: "gbp" }), 1]], {
      currency: "gbp",
    }),
    // billed in two currencies at once: no one native amount
    subscription("cus_two", [[price("prod_enterprise", 1000, { currency: "eur" }), 1]], {
      currency: "eur",
    }),
    subscription("cus_two", [[price("prod_enterprise", 2000), 1]]),
    subscription("cus_usd", [[price("prod_enterprise", 2000), 3]]),
  ];
  await withFakeStripe(async (_fake, options) => {
    const result = await loadRevenue([...new Set(subs.map((s) => s.customer))], options);
    const of = (id: string) => {
      const c = result.byCustomer.get(id)!;
      return [c.currency, c.mrrRecurring, c.mrrRecurringMinor];
    };
    assertEquals(of("cus_jpy"), ["JPY", 100.51, 15002]);
    assertEquals(of("cus_eur_year"), ["EUR", 91.67, 8333]);
    assertEquals(of("cus_gbp"), ["GBP", null, 4500]);
    assertEquals(of("cus_two"), ["EUR,USD", 31, null]);
    assertEquals(of("cus_usd"), ["USD", 60, 6000]);
  }, {
    data: { subscriptions: subs, products, invoices: [] },
    asOf: AS_OF,
    mode: "auto",
    rules: revenueRulesFromEnv({ PRICING_FX_RATES: "EUR:1.1,JPY:0.0067" }),
  });
});

Deno.test("withRecurringMinor: on the row carrying the customer's revenue, 0 without a customer, empty when shared or not read", () => {
  const customer = (customerId: string, minor: number | null) => ({
    customerId,
    mrrRecurringMinor: minor,
    mrr: 1,
    mrrRecurring: 1,
    currency: "JPY",
  });
  const revenue = {
    source: "stripe",
    byCustomer: new Map([["cus_a", customer("cus_a", 15002)], ["cus_b", customer("cus_b", null)]]),
    warnings: [],
    apiCalls: 0,
    durationMs: 0,
    failed: false,
  } as unknown as RevenueResult;
  // o2 and o4 share cus_a (o2 first carries it), o1 has no customer, cus_b has no one amount,
  // cus_gone is unknown to the revenue
  const frame = attachRevenue(
    pl.DataFrame({
      org_id: ["o1", "o2", "o3", "o4", "o5"],
      tier: ["pro", "pro", "pro", "pro", "pro"],
      stripe_customer_id: [null, "cus_a", "cus_b", "cus_a", "cus_gone"],
    }),
    revenue,
  ).frame;
  const stored = withRecurringMinor(frame, revenue);
  assertEquals(stored.getColumn("mrr_recurring_minor").toArray(), [0, 15002, null, null, null]);
  assertEquals(stored.getColumn("mrr_recurring_minor").dtype.variant, "Int64");
  assertEquals(stored.drop("mrr_recurring_minor").toRecords(), frame.toRecords()); // rest kept
  const none = withRecurringMinor(frame, null).getColumn("mrr_recurring_minor");
  assertEquals(none.toArray(), [null, null, null, null, null]);
});

Deno.test("attachRevenue's mrr_recurring_minor, handed on to a frame of its rows, is withRecurringMinor's own join", () => {
  const customer = (customerId: string, minor: number | null, mrr: number | null) => ({
    customerId,
    mrrRecurringMinor: minor,
    mrr,
    mrrRecurring: mrr,
    currency: "JPY",
  });
  const revenue = {
    source: "stripe",
    byCustomer: new Map([
      ["cus_a", customer("cus_a", 15002.4, 1)], // (rounded to whole minor units)
      ["cus_b", customer("cus_b", null, 1)],
      ["cus_c", customer("cus_c", 700, null)], // unconverted: known in its currency
    ]),
    warnings: [],
    apiCalls: 0,
    durationMs: 0,
    failed: false,
  } as unknown as RevenueResult;
  const attached = attachRevenue(
    pl.DataFrame({
      org_id: ["o1", "o2", "o3", "o4", "o5", "o6", "o7"],
      tier: ["pro", "pro", "pro", "pro", "pro", "pro", "pro"],
      stripe_customer_id: [null, "cus_a", "cus_b", "cus_a", "cus_gone", "cus_c", ""],
    }),
    revenue,
  );
  const minor = (frame: pl.DataFrame) =>
    withRecurringMinor(frame, revenue).getColumn("mrr_recurring_minor");
  // the export frame: another frame object of the same rows (the metrics stage's)
  const exportFrame = attached.frame.select(...attached.frame.columns);
  const joined = minor(exportFrame);
  assertEquals(joined.toArray(), [0, 15002, null, null, null, 700, 0]);
  shareRecurringMinor(attached, exportFrame);
  const handedOn = minor(exportFrame);
  assertEquals(handedOn.toArray(), joined.toArray());
  assertEquals(handedOn.dtype.variant, "Int64");
  assertEquals(withRecurringMinor(exportFrame, revenue).columns, [
    ...exportFrame.columns,
    "mrr_recurring_minor",
  ]);
  // a frame of other rows is not handed it: its own join
  const cut = exportFrame.tail(2);
  shareRecurringMinor(attached, cut);
  assertEquals(minor(cut).toArray(), [700, 0]);
});

/** A snapshot of cus_jpy (¥ at 0.0067) and cus_usd; `stored`: its native amounts, or none. */
function snapshot(asOf: string, yen: number, stored: boolean): HistoryPoint {
  return {
    asOf: new Date(`${asOf}T00:00:00Z`),
    frame: yenFrame(yen, stored),
    fxRates: { JPY: 0.0067 },
  };
}

/** The JPY bridge's [start, expansion, end] per month (yen). */
function yenBridge(currencies: pl.DataFrame): Record<string, number[]> {
  return Object.fromEntries(
    currencies.filter(pl.col("currency").eq(pl.lit("JPY"))).toRecords().map((r) => [
      r.month as string,
      [r.start_minor, r.expansion_minor, r.end_minor].map(Number),
    ]),
  );
}

Deno.test("bridge per currency: stored yen are exact where USD ÷ rate was a yen off; an older snapshot still derives them, and the report says which", () => {
  const stored = [snapshot("2026-01-31", 15002, true), snapshot("2026-02-28", 18000, true)];
  const exact = buildHistoryReport(stored, false);
  assertEquals(exact.failures, []);
  // 18000 − 15002 = 2998 (derived: 18000 − 15001 = 2999)
  assertEquals(yenBridge(exact.currencies), { "2026-02-28": [15002, 2998, 18000] });
  assertEquals(exact.nativeDerived, []);
  const markdown = historyMarkdown(exact, { files: [] });
  ok(markdown.includes("¥15,002"), markdown);
  ok(markdown.includes("(`mrr_recurring_minor`, summed from Stripe's amounts"), markdown);
  ok(!markdown.includes("written before"), markdown);

  // January written before snapshots stored native amounts: its yen derived, ¥15,001
  const mixed = buildHistoryReport([snapshot("2026-01-31", 15002, false), stored[1]], false);
  assertEquals(mixed.failures, []);
  assertEquals(yenBridge(mixed.currencies), { "2026-02-28": [15001, 2999, 18000] });
  assertEquals(mixed.nativeDerived, ["2026-01-31"]);
  ok(
    historyMarkdown(mixed, { files: [] }).includes(
      "the snapshot as-of 2026-01-31 stores none (written before the kit stored them, or imported), so there it is the USD MRR divided by the FX rate the snapshot recorded",
    ),
  );
});

Deno.test("snapshots store mrr_recurring_minor after the export's columns; an older file without it still reads, derived", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [jan, feb] = [snapshot("2026-01-31", 15002, true), snapshot("2026-02-28", 18000, true)];
    const options = (point: HistoryPoint) => ({
      dir,
      asOf: point.asOf,
      demo: false,
      origin: "export" as const,
      fxRates: point.fxRates,
    });
    const janInfo = await writeSnapshot(jan.frame as pl.DataFrame, options(jan));
    await writeSnapshot(feb.frame as pl.DataFrame, options(feb));
    const file = pl.readParquet(janInfo.path);
    assertEquals(file.columns.at(-1), "mrr_recurring_minor");
    assertEquals(file.columns.at(-2), "usage_discounts"); // the export's last column
    assertEquals(file.getColumn("mrr_recurring_minor").toArray(), [15002, 5000]);
    const read = await loadHistoryReport(
      await loadMonthlyHistoryPoints(dir, { demo: false }),
      false,
    );
    assertEquals(yenBridge(read.currencies), { "2026-02-28": [15002, 2998, 18000] });

    // January as an older kit wrote it: no such column in the file at all
    file.drop("mrr_recurring_minor").writeParquet(janInfo.path);
    const older = await loadHistoryReport(
      await loadMonthlyHistoryPoints(dir, { demo: false }),
      false,
    );
    assertEquals(older.failures, []);
    assertEquals(yenBridge(older.currencies), { "2026-02-28": [15001, 2999, 18000] });
    assertEquals(older.nativeDerived, ["2026-01-31"]);

    // an import (an export's CSV has no such column): stored empty, typed
    const imported = await writeSnapshot(
      snapshot("2026-03-31", 18000, false).frame as pl.DataFrame,
      {
        ...options(jan),
        asOf: new Date("2026-03-31T00:00:00Z"),
        origin: "import",
      },
    );
    const column = pl.readParquet(imported.path).getColumn("mrr_recurring_minor");
    assertEquals([column.dtype.variant, column.toArray()], ["Int64", [null, null]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a demo export's snapshot stores each paying organization's MRR in its currency: USD rows their cents, EUR rows their euro cents at the recorded rate", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const asOf = new Date("2026-11-01T00:00:00Z");
    const result = await runExport({
      charts: false,
      env: {},
      log: () => {},
      quiet: true,
      demo: true,
      asOf,
      outDir,
      formats: ["csv"],
    });
    // the export's own files keep their columns: the CSV has no such column
    const header = (await Deno.readTextFile(result.csvPath!)).split("\r\n")[0];
    ok(!header.includes("mrr_recurring_minor"), header);
    const path = `${outDir}/history/helicone_pricing_data_2026-11-01_demo.parquet`;
    const rate = (await readSnapshotMeta(path))!.fx_rates!.EUR;
    const paying = pl.readParquet(path).filter(pl.col("mrr_recurring").gt(0))
      .select("currency", "mrr_recurring", "mrr_recurring_minor").toRecords();
    const billed = (code: string) => paying.filter((r) => r.currency === code);
    ok(billed("USD").length > 0 && billed("EUR").length > 0, JSON.stringify(paying.slice(0, 3)));
    // USD: the cents, but rounded once where mrr_recurring rounds base and add-ons apart
    for (const r of billed("USD")) {
      const cents = Math.round((r.mrr_recurring as number) * 100);
      ok(Math.abs((r.mrr_recurring_minor as number) - cents) <= 1, JSON.stringify(r));
    }
    // the stored euro cents at the recorded rate are the USD within 2 cents (the USD parts each
    // rounded to the cent, the euro cents once), not a conversion's drift
    for (const r of billed("EUR")) {
      const usdCents = (r.mrr_recurring as number) * 100;
      ok(
        Math.abs((r.mrr_recurring_minor as number) * rate - usdCents) <= 2,
        JSON.stringify(r),
      );
    }
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
