/**
 * lib/analysis/compare_totals.ts: the totals' change is like for like per Stripe customer, so a
 * customer's MRR that became known (or unknown) while moving between its organizations is not
 * read as a rise (or a fall). Expected values are worked out by hand from the small fixtures.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import {
  compareExports,
  compareExportsSummary,
  SUMMARY_COLUMNS,
  summarySide,
} from "../lib/analysis/compare.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";

/** The mrr totals row: old, new, change, change %, unknown old and new. */
function mrrTotals(totals: pl.DataFrame): unknown[] {
  const row = totals.filter(pl.col("column").eq(pl.lit("mrr"))).toRecords()[0];
  return [
    row.old_total,
    row.new_total,
    row.delta,
    row.change_pct,
    row.unknown_old,
    row.unknown_new,
  ];
}

/** Both ways a comparison totals: whole frames (the CLI) and summary sides (the MCP tool). */
async function bothTotals(old: pl.DataFrame, current: pl.DataFrame): Promise<unknown[][]> {
  const side = (frame: pl.DataFrame) => summarySide(frame.select(...SUMMARY_COLUMNS));
  const summary = await compareExportsSummary(side(old), side(current), { top: 3 });
  return [mrrTotals(compareExports(old, current).totals), mrrTotals(summary.totals)];
}

/** One $100 (cus_1) throughout; rows of cus_4 as given, newest first. */
function frame(
  rows: { org: string; tier: string; source: string; mrr: number | null }[],
): pl.DataFrame {
  const all = [...rows.filter((r) => r.org !== "o1"), {
    org: "o1",
    tier: "pro",
    source: "stripe",
    mrr: 100,
  }];
  return exportFrameFromColumns({
    org_id: all.map((r) => r.org),
    org_name: all.map((r) => r.org.toUpperCase()),
    tier: all.map((r) => r.tier),
    stripe_customer_id: all.map((r) => r.org === "o1" ? "cus_1" : "cus_4"),
    revenue_source: all.map((r) => r.source),
    mrr: all.map((r) => r.mrr),
  });
}

Deno.test("like for like per customer: a shared customer's MRR that became unknown as it moved is no fall", async () => {
  // cus_4 pays $400 on o4; in the new file a newer o6 carries it, its amounts not in USD
  const old = frame([{ org: "o4", tier: "pro", source: "stripe", mrr: 400 }]);
  const current = frame([
    { org: "o6", tier: "pro", source: "unconverted", mrr: null },
    { org: "o4", tier: "pro", source: "shared_customer", mrr: null },
  ]);
  // old 500; new 100 (o6 and o4 unknown: cus_4's MRR is); like for like o1 only: 100 → 100
  for (const totals of await bothTotals(old, current)) {
    assertEquals(totals, [500, 100, 0, 0, 0, 2]);
  }
});

Deno.test("like for like per customer: a shared customer's MRR that became known on a new organization is no rise", async () => {
  // cus_4's amounts not in USD in the old file (o4 carries it, o5 shares it); in the new one a
  // newer o6 carries its $400, o4 and o5 share it
  const old = frame([
    { org: "o4", tier: "pro", source: "unconverted", mrr: null },
    { org: "o5", tier: "free", source: "shared_customer", mrr: null },
  ]);
  const current = frame([
    { org: "o6", tier: "team", source: "stripe", mrr: 400 },
    { org: "o4", tier: "pro", source: "shared_customer", mrr: null },
    { org: "o5", tier: "free", source: "shared_customer", mrr: null },
  ]);
  // old 100 (o4, o5 unknown), new 500 (o6 400, o4 and o5 0, o1 100); like for like: o6 appeared
  // but cus_4 was unknown in the old file, o4 and o5 unknown there: o1 only, 100 → 100
  for (const totals of await bothTotals(old, current)) {
    assertEquals(totals, [100, 500, 0, 0, 2, 0]);
  }
  // the customer known in both files, moving to o6: o4 400 → 0, o6 0 → 400, no change
  const known = frame([
    { org: "o4", tier: "pro", source: "stripe", mrr: 400 },
    { org: "o5", tier: "free", source: "shared_customer", mrr: null },
  ]);
  for (const totals of await bothTotals(known, current)) {
    assertEquals(totals, [500, 500, 0, 0, 0, 0]);
  }
});

Deno.test("like for like: organizations whose stripe_customer_id is empty are no one customer", async () => {
  // o2 and o3 have an empty customer id (a database's '' kept in a snapshot): o3's MRR unknown in
  // the old file leaves o3 out of both sides, not o2 too. Old 100 + 50 = 150 (o3 unknown), new
  // 100 + 70 + 30 = 200; like for like o1 and o2: 150 → 170, +20, 20 / 150 = 13.33 %
  const make = (o2: number, o3: number | null) =>
    exportFrameFromColumns({
      org_id: ["o1", "o2", "o3"],
      tier: ["pro", "pro", "pro"],
      stripe_customer_id: ["cus_1", "", ""],
      revenue_source: ["stripe", "stripe", o3 === null ? "unconverted" : "stripe"],
      mrr: [100, o2, o3],
    });
  for (const totals of await bothTotals(make(50, null), make(70, 30))) {
    assertEquals(totals, [150, 200, 20, 20 / 150 * 100, 1, 0]);
  }
});

Deno.test("totals: an old total of $0 has a change but no change % (not infinite)", async () => {
  const make = (mrr: number) =>
    exportFrameFromColumns({ org_id: ["o1"], tier: ["pro"], mrr: [mrr] });
  for (const totals of await bothTotals(make(0), make(100))) {
    assertEquals(totals, [0, 100, 100, null, 0, 0]);
  }
});
