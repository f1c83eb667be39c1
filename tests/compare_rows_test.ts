/**
 * lib/analysis/compare_rows.ts on its own edges: a real change far below a value's size, a text
 * column that became empty or known, the summary's lists (their length, which file's tier and MRR
 * they show), the order of its transitions, and (compare.ts) when its largest MRR changes share a
 * customer. Expected values are worked out by hand.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { comparedFrames, compareExports, moversShareCustomers } from "../lib/analysis/compare.ts";
import { ComparisonTally, perOrgParts } from "../lib/analysis/compare_rows.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { after, before, column } from "./compare_fixture.ts";

Deno.test("a change of a cent on a million dollars is a change, in the rows and the totals", () => {
  const make = (mrr: number) =>
    exportFrameFromColumns({ org_id: ["a"], tier: ["pro"], mrr: [mrr] });
  const result = compareExports(make(1_000_000), make(1_000_000.01));
  // 1e-8 of the value: far above the 1e-10 of float noise the delta drops
  const cent = 1_000_000.01 - 1_000_000;
  assertEquals(column(result.perOrg, "mrr_delta"), [cent]);
  const mrr = result.totals.filter(pl.col("column").eq(pl.lit("mrr"))).toRecords()[0];
  assertEquals([mrr.delta, mrr.change_pct], [cent, cent / 1_000_000 * 100]);
});

Deno.test("a tier that became known or empty is a change, listed from or to (none)", () => {
  const make = (tiers: (string | null)[]) =>
    exportFrameFromColumns({ org_id: ["a", "b", "c"], tier: tiers, mrr: [1, 2, 3] });
  const result = compareExports(make([null, "free", "pro"]), make(["pro", null, "pro"]));
  assertEquals(column(result.perOrg, "tier_changed"), [true, true, false]);
  assertEquals(result.counts.tierChanged, 2);
  // one organization each: by name, "(none)" before "free"
  assertEquals(result.tierChanges.rows(), [["(none)", "pro", 1], ["free", "(none)", 1]]);
});

Deno.test("a tier named (none) reads (none) plan in the changes, apart from an empty tier", () => {
  const make = (tiers: (string | null)[]) =>
    exportFrameFromColumns({ org_id: ["a", "b"], tier: tiers, mrr: [1, 2] });
  const result = compareExports(make(["(none)", null]), make(["pro", "pro"]));
  // one organization each, where both read (none) → pro, 2
  assertEquals(result.tierChanges.rows(), [["(none)", "pro", 1], ["(none) plan", "pro", 1]]);
});

Deno.test("transitions: the most organizations first, whatever their names", () => {
  const make = (tiers: string[]) =>
    exportFrameFromColumns({ org_id: ["a", "b", "c"], tier: tiers, mrr: [1, 2, 3] });
  const result = compareExports(make(["free", "pro", "pro"]), make(["pro", "team", "team"]));
  assertEquals(result.tierChanges.rows(), [["pro", "team", 2], ["free", "pro", 1]]);
});

Deno.test("the summary lists at most `listed` organizations, a gone one with its old file's tier and MRR", () => {
  // before: a pro $50, b free $0, c team $200; after: a, c, d (free, $0): b is gone
  const tally = new ComparisonTally(1);
  for (const part of perOrgParts(...comparedFrames(before, after), { sliceRows: 1 })) {
    tally.add(part);
  }
  assertEquals(tally.first("disappeared"), [
    { org_id: "b", org_name: "=Bobby", tier: "free", mrr: 0, sharedCustomer: false },
  ]);
  // three appear in a new file of a, c, d against an old one of b alone: only the first is listed
  const onlyB = before.filter(pl.col("org_id").eq(pl.lit("b")));
  const few = new ComparisonTally(1);
  for (const part of perOrgParts(...comparedFrames(onlyB, after))) few.add(part);
  assertEquals(few.appeared, 3);
  assertEquals(few.first("appeared").map((o) => [o.org_id, o.tier, o.mrr]), [["a", "team", 200]]);
});

Deno.test("a per-request ratio has a delta only in both files, and no total", () => {
  const old = exportFrameFromColumns({ org_id: ["a"], cost_per_request: [0.01] });
  const current = exportFrameFromColumns({ org_id: ["a", "d"], cost_per_request: [0.02, 0.05] });
  const result = compareExports(old, current);
  // d appeared: an average per request has no 0 to count from
  assertEquals(column(result.perOrg, "cost_per_request_delta"), [0.02 - 0.01, null]);
  const totalled = column(result.totals, "column");
  assertEquals(
    ["cost_per_request", "revenue_per_request"].filter((name) => totalled.includes(name)),
    [],
  );
});

Deno.test("largest MRR changes share a customer where a mover's was shared in either file", () => {
  const movers = (old: boolean | null, current: boolean | null) =>
    pl.DataFrame({
      org_id: ["a"],
      shared_customer_old: pl.Series("shared_customer_old", [old], pl.Bool),
      shared_customer_new: pl.Series("shared_customer_new", [current], pl.Bool),
    });
  // shared in the old file only (its customer since has one organization), in the new only,
  // neither, and gone (no new side)
  assertEquals(
    [movers(true, false), movers(false, true), movers(false, false), movers(true, null)]
      .map(moversShareCustomers),
    [true, true, false, true],
  );
});
