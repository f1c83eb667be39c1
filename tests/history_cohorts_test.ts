/**
 * lib/history/cohorts.ts on its edges: a snapshot's first payments (firstPaymentsOf) by hand, and
 * the all-customers rows come first whatever the plans' names sort as.
 * By hand: as-of 2026-01-01 org_a pays $100 on plan `#1 plan` ("#" sorts before "("), org_b $200
 * on pro; as-of 2026-02-01 org_a $150, org_b nothing. The company 300 → 150, `#1 plan` 100 → 150,
 * pro 200 → 0. A year of snapshots: months since in numbers' order, +10 after +9.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import {
  cohortMarkdown,
  cohortSheetFrame,
  cohortTable,
  firstPaymentsOf,
} from "../lib/history/cohorts.ts";
import { buildHistoryReport } from "../lib/history/report.ts";
import { snapshot } from "./fixtures/history.ts";

Deno.test("cohorts: a snapshot's first payments: a customer paid before keeps its cohort and plan, one paying now starts one, one paused at 0 or without a key none", () => {
  const firstPaid = pl.DataFrame([
    pl.Series("customer", ["c1"], pl.Utf8),
    pl.Series("first_paid", [1], pl.Int32),
    pl.Series("cohort_plan", ["pro"], pl.Utf8),
  ]);
  // at snapshot 3: c1 pays 500 on team now, c2 300 on team for the first time, c3 is paused at
  // 0, and a row without a customer key pays 700
  const payingOrPaused = pl.DataFrame([
    pl.Series("customer", ["c1", "c2", "c3", null], pl.Utf8),
    pl.Series("plan", ["team", "team", "pro", "pro"], pl.Utf8),
    pl.Series("cents", [500, 300, 0, 700], pl.Int64),
  ]);
  const first = firstPaymentsOf({ payingOrPaused, firstPaid, idx: 3, on: ["customer"] });
  assertEquals(
    first.current.sort("customer", false, true).select("customer", "first_paid", "cohort_plan")
      .rows(),
    [["c1", 1, "pro"], ["c2", 3, "team"], ["c3", null, null], [null, null, null]],
  );
  assertEquals(first.firstPaid.sort("customer").rows(), [["c1", 1, "pro"], ["c2", 3, "team"]]);
  assertEquals(first.cohortSums.sort("cohort_idx").rows(), [[1, "pro", 3, 1, 500], [
    3,
    "team",
    3,
    1,
    300,
  ]]);
});

Deno.test("cohorts: every customer's rows first, before a plan whose name sorts before (all)", () => {
  const report = buildHistoryReport([
    snapshot("2026-01-01", [["org_a", "#1 plan", 100, 1, 0], ["org_b", "pro", 200, 1, 0]]),
    snapshot("2026-02-01", [["org_a", "#1 plan", 150, 1, 0], ["org_b", "pro", 0, 1, 0]]),
  ], false);
  const rows = cohortTable(report.cohorts, report.periods)
    .select("cohort_plan", "months_since", "cohort_mrr_usd", "mrr_usd").rows();
  assertEquals(rows, [
    ["(all)", 0, 300, 300],
    ["(all)", 1, 300, 150],
    ["#1 plan", 0, 100, 100],
    ["#1 plan", 1, 100, 150],
    ["pro", 0, 200, 200],
    ["pro", 1, 200, 0],
  ]);
});

Deno.test("cohorts: a year of snapshots has its months since in numbers' order, +10 and +11 after +9", () => {
  // org_a pays $100 at 2026-01-01 and $1 more each month: 100.0 % … 111.0 % of its $100
  const months = Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, "0")}-01`);
  const report = buildHistoryReport(
    months.map((asOf, i) => snapshot(asOf, [["org_a", "pro", 100 + i, 1, 0]])),
    false,
  );
  const spans = Array.from({ length: 12 }, (_, m) => m);
  assertEquals(
    cohortSheetFrame(report.cohorts, report.periods).columns.filter((c) => c.startsWith("month_")),
    spans.map((m) => `month_${m}_mrr_pct`),
  );
  const lines = cohortMarkdown(report.cohorts, report.periods).join("\n").split("\n");
  const header = lines.find((line) => line.startsWith("| first paid |"));
  assertEquals(
    header,
    `| first paid | customers | MRR then | ${spans.map((m) => `+${m} mo`).join(" | ")} |`,
  );
  const all = lines[lines.indexOf(header!) + 2];
  assertEquals(
    all,
    `| 2025-12 or before | 1 | $100.00 | ${spans.map((m) => `${100 + m}.0 %`).join(" | ")} |`,
  );
});
