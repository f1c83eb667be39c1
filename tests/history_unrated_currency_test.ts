/**
 * Customers billed in a currency their export had no FX rate for (revenue_source unconverted):
 * their MRR in that currency is stored (mrr_recurring_minor) but their USD MRR is empty, and the
 * bridges decide a customer's status on USD cents (0 here), so they are in no bridge, the
 * per-currency bridge included. The report says so where it happens, per snapshot and currency.
 *
 * By hand: cus_usd pays $50 at both month ends (the company bridge: start 5000, end 5000 cents).
 * cus_sek is billed kr 500 then kr 600 with no SEK rate: unknown MRR at both, no SEK bridge row.
 * At the second, cus_odd is billed kr-like 100.00 in a currency coded `_X*` (data: escaped).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import type { HistoryPoint } from "../lib/history/bridge.ts";
import { buildHistoryReport } from "../lib/history/report.ts";
import { historyMarkdown } from "../lib/history/report_markdown.ts";

type Billed = [customer: string | null, currency: string, minor: number, org?: string];

function monthEnd(asOf: string, billed: Billed[]) {
  const others = billed.map(([customer, currency, minor, org]) => ({
    customer,
    currency,
    minor,
    org: org ?? `org_${customer}`,
  }));
  const frame = exportFrameFromColumns({
    org_id: ["org_usd", ...others.map((o) => o.org)],
    tier: ["pro", ...others.map(() => "pro")],
    plan: ["pro", ...others.map(() => "pro")],
    stripe_customer_id: ["cus_usd", ...others.map((o) => o.customer)],
    revenue_source: ["stripe", ...others.map(() => "unconverted")],
    currency: ["USD", ...others.map((o) => o.currency)],
    mrr_recurring: [50, ...others.map(() => null)],
    mrr: [50, ...others.map(() => null)],
    subscription_status: ["active", ...others.map(() => "active")],
    requests_30d: [100, ...others.map(() => 100)],
    llm_cost_30d: [0, ...others.map(() => 0)],
    llm_cost_ptb_30d: [0, ...others.map(() => 0)],
  }).withColumns(
    pl.Series("mrr_recurring_minor", [5000, ...others.map((o) => o.minor)], pl.Int64),
  );
  const point: HistoryPoint = { asOf: new Date(`${asOf}T00:00:00Z`), frame, fxRates: {} };
  return point;
}

Deno.test("customers billed in a currency without an FX rate: in no bridge, said per snapshot and currency, escaped", () => {
  const report = buildHistoryReport([
    monthEnd("2026-01-31", [["cus_sek", "SEK", 50000]]),
    monthEnd("2026-02-28", [["cus_sek", "SEK", 60000], ["cus_odd", "_X*", 10000]]),
  ], false);
  assertEquals(report.failures, []);
  const company = report.company.toRecords()[0];
  assertEquals([company.start_cents, company.end_cents], [5000, 5000]);
  // the limit itself: no SEK (or `_X*`) row in the per-currency bridge
  assertEquals(report.currencies.getColumn("currency").toArray(), ["USD"]);
  assertEquals(report.unrated, [
    { month: "2026-01-31", currencies: [{ currency: "SEK", customers: 1 }] },
    {
      month: "2026-02-28",
      // (by code in the kit's text order, compareText: `_X*` first)
      currencies: [{ currency: "_X*", customers: 1 }, { currency: "SEK", customers: 1 }],
    },
  ]);
  const markdown = historyMarkdown(report, { files: [] });
  const said = markdown.split("\n").filter((line) => line.includes("without an FX rate"));
  assertEquals(said, [
    "Customers billed in a currency without an FX rate in their export are in no bridge, per " +
    "currency either (their MRR in that currency is stored, but whether they pay is decided in " +
    "USD, unknown without a rate; set PRICING_FX_RATES before the export): as-of 2026-01-31: 1 in " +
    "SEK; as-of 2026-02-28: 1 in \\_X\\*, 1 in SEK.",
  ]);
});

Deno.test("a history whose customers all have a rate says nothing of it", () => {
  const report = buildHistoryReport([
    monthEnd("2026-01-31", []),
    monthEnd("2026-02-28", []),
  ], false);
  assertEquals(report.unrated, []);
  ok(!historyMarkdown(report, { files: [] }).includes("without an FX rate"));
});

Deno.test("unrated customers: a currency's code in any case is one currency, each organization without a customer id its own customer", () => {
  // by hand: SEK is billed to cus_a ("SEK") and cus_b (" sek"): 2 customers in SEK, one row.
  // NOK to org_n1, org_n2 (no customer id) and org_n3 (customer id ""): 3 customers, not 1 or 2,
  // as the bridge keys them (bridge_keys.ts customerKeyOf: the organization itself); cus_c has
  // two organizations in NOK ("NOK", "nok"): 1 customer. NOK: 4.
  const report = buildHistoryReport([
    monthEnd("2025-12-31", []),
    monthEnd("2026-01-31", [
      ["cus_a", "SEK", 50000],
      ["cus_b", " sek", 20000],
      [null, "NOK", 10000, "org_n1"],
      [null, "NOK", 10000, "org_n2"],
      ["", "NOK", 10000, "org_n3"],
      ["cus_c", "NOK", 10000, "org_c1"],
      ["cus_c", "nok", 10000, "org_c2"],
    ]),
  ], false);
  assertEquals(report.unrated, [
    {
      month: "2026-01-31",
      currencies: [{ currency: "NOK", customers: 4 }, { currency: "SEK", customers: 2 }],
    },
  ]);
});
