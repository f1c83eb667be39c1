/**
 * lib/history/cohorts.ts on its edges: a customer listed twice when it first pays takes the plan
 * of its first row, and the all-customers rows come first whatever the plans' names sort as.
 * By hand: as-of 2026-01-01 org_a pays $100 on plan `#1 plan` ("#" sorts before "("), org_b $200
 * on pro; as-of 2026-02-01 org_a $150, org_b nothing. The company 300 → 150, `#1 plan` 100 → 150,
 * pro 200 → 0.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { cohortTable, withFirstPaid } from "../lib/history/cohorts.ts";
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
