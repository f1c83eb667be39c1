/**
 * lib/analysis/compare_shared.ts: a shared_customer row's revenue columns count as a known 0 in a
 * comparison only where its Stripe customer's value (on the customer's revenue row) is known.
 * Expected values are worked out by hand from the five-organization fixture below.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import {
  compareExports,
  compareExportsSummary,
  comparisonMarkdown,
  SUMMARY_COLUMNS,
  summarySide,
} from "../lib/analysis/compare.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";

/**
 * An export with Stripe read but PTB revenue not (ptb_revenue_30d empty everywhere): cus_1 pays
 * $100 on One's row, Two shares it; cus_3's amounts could not be put in USD (unconverted), Four
 * shares it; Five shares cus_5, whose revenue row is not in the file (a segment of an export).
 */
const exported = exportFrameFromColumns({
  org_id: ["o1", "o2", "o3", "o4", "o5"],
  org_name: ["One", "Two", "Three", "Four", "Five"],
  tier: ["team", "free", "pro", "free", "free"],
  stripe_customer_id: ["cus_1", "cus_1", "cus_3", "cus_3", "cus_5"],
  revenue_source: [
    "stripe",
    "shared_customer",
    "unconverted",
    "shared_customer",
    "shared_customer",
  ],
  mrr: [100, null, null, null, null],
  base_subscription: [100, null, null, null, null],
  ptb_revenue_30d: [null, null, null, null, null],
});

const column = (df: pl.DataFrame, name: string) => df.getColumn(name).toArray() as unknown[];

/** A totals row's figures: old, new, change, change %, unknown old and new. */
function totalsRow(totals: pl.DataFrame, name: string): unknown[] {
  const row = totals.filter(pl.col("column").eq(pl.lit(name))).toRecords()[0];
  return [
    row.old_total,
    row.new_total,
    row.delta,
    row.change_pct,
    row.unknown_old,
    row.unknown_new,
  ];
}

Deno.test("a shared_customer row's revenue is a known 0 only where its customer's is known: PTB revenue not read stays unknown", async () => {
  const expectTotals = (totals: pl.DataFrame) => {
    // PTB revenue never read: every value unknown, so the totals, change and % are unknown
    assertEquals(totalsRow(totals, "ptb_revenue_30d"), [null, null, null, null, 5, 5]);
    // MRR: One's $100 and Two's 0 (cus_1 known); Three, Four (cus_3 unconverted) and Five
    // (cus_5's revenue row not here) unknown
    for (const name of ["mrr", "base_subscription"]) {
      assertEquals(totalsRow(totals, name), [100, 100, 0, 0, 3, 3], name);
    }
  };
  // the export against a copy of itself (the CLI's comparison)
  const result = compareExports(exported, exported);
  expectTotals(result.totals);
  assertEquals(column(result.perOrg, "mrr_new"), [100, 0, null, null, null]);
  assertEquals(column(result.perOrg, "mrr_delta"), [0, 0, null, null, null]);
  assertEquals(column(result.perOrg, "ptb_revenue_30d_delta"), [null, null, null, null, null]);
  assertEquals(column(result.perOrg, "shared_customer_new"), [true, true, true, true, true]);
  const markdown = comparisonMarkdown(result, {
    oldLabel: "old.csv",
    newLabel: "new.csv",
    oldStamp: "2026-01-01",
    newStamp: "2026-02-01",
  });
  const ptbLine = markdown.split("\n").find((line) => line.startsWith("| `ptb_revenue_30d` |"));
  assertEquals(ptbLine, "| `ptb_revenue_30d` | – | – | – | – |");
  // the summary (the MCP tool's), from the columns it reads and re-reads
  const side = () => summarySide(exported.select(...SUMMARY_COLUMNS));
  const summary = await compareExportsSummary(side(), side(), { top: 5 });
  expectTotals(summary.totals);
  assertEquals(column(summary.largestMrrChanges, "org_id"), ["o1", "o2"]);
});
