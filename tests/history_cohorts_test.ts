/**
 * lib/history/cohorts.ts on its edges: a customer listed twice when it first pays takes the plan
 * of its first row, and the all-customers rows come first whatever the plans' names sort as.
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
  withFirstPaid,
} from "../lib/history/cohorts.ts";
import { buildHistoryReport } from "../lib/history/report.ts";
import { snapshot } from "./fixtures/history.ts";

Deno.test("cohorts: a customer listed twice when it first pays is in the cohort of its first row's plan", () => {
  const none = pl.DataFrame([
    pl.Series("customer", [], pl.Utf8),
    pl.Series("first_paid", [], pl.Int32),
    pl.Series("cohort_plan", [], pl.Utf8),
  ]);
  const paying = pl.DataFrame({ customer: ["c1", "c2", "c1"], plan: ["pro", "team", "team"] });
  const firstPaid = withFirstPaid(none, { paying, idx: 3, on: ["customer"] }).sort("customer");
  assertEquals(firstPaid.rows(), [["c1", 3, "pro"], ["c2", 3, "team"]]);
  // paying again later: already in a cohort, not added twice
  const later = withFirstPaid(firstPaid, { paying: paying.head(1), idx: 4, on: ["customer"] });
  assertEquals(later.height, 2);
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
