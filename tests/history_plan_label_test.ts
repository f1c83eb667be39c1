/**
 * A plan literally named `(all)`, the label of every customer's rows in the history, retention and
 * cohorts CSVs and sheets (lib/history/plan_label.ts): its rows read `(all) plan`, so `(all)` is
 * only ever the company, in the files and for the kit's own readers (the retention headline).
 *
 * By hand: as-of 2026-01-01 org_a pays $100 on plan `(all)` (its tier), org_b $200 on pro; as-of
 * 2026-02-01 org_a pays $150, org_b nothing. Month 2026-01: the company 300 → 150 (expansion 50, churn 200),
 * `(all) plan` 100 → 150, pro 200 → 0. Retention: company retained 150 and kept 100 of 300,
 * `(all) plan` 150 and 100 of 100, pro 0 and 0 of 200.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { buildHistoryReport, planChangesTable } from "../lib/history/report.ts";
import { historyMarkdown } from "../lib/history/report_markdown.ts";
import { historyTable } from "../lib/history/report_tables.ts";
import { retentionTable } from "../lib/history/retention.ts";
import { cohortTable } from "../lib/history/cohorts.ts";
import { snapshot } from "./fixtures/history.ts";
import pl from "nodejs-polars";

Deno.test("a plan named (all): its rows read '(all) plan', '(all)' is every customer's only", () => {
  const report = buildHistoryReport([
    snapshot("2026-01-01", [["org_a", "(all)", 100, 1, 0], ["org_b", "pro", 200, 1, 0]]),
    snapshot("2026-02-01", [["org_a", "(all)", 150, 1, 0], ["org_b", "pro", 0, 1, 0]]),
  ], false);
  assertEquals(report.failures, []);
  const history = historyTable(report).select("month", "plan", "start_mrr_usd", "end_mrr_usd")
    .toRecords();
  assertEquals(history, [
    { month: "2026-01", plan: "(all)", start_mrr_usd: 300, end_mrr_usd: 150 },
    { month: "2026-01", plan: "(all) plan", start_mrr_usd: 100, end_mrr_usd: 150 },
    { month: "2026-01", plan: "pro", start_mrr_usd: 200, end_mrr_usd: 0 },
  ]);
  const retention = retentionTable({ retention: report.retention, periods: report.periods })
    .select("period", "plan", "start_mrr_usd", "retained_mrr_usd", "kept_mrr_usd").rows();
  assertEquals(retention, [
    ["month", "(all)", 300, 150, 100],
    ["month", "(all) plan", 100, 150, 100],
    ["month", "pro", 200, 0, 0],
    ["months_stored", "(all)", 300, 150, 100],
    ["months_stored", "(all) plan", 100, 150, 100],
    ["months_stored", "pro", 200, 0, 0],
  ]);
  // the per-plan charts' rows (requests and margin by plan): the plan's own label there too, or
  // its line would be named as every customer's
  assertEquals(report.planTrends.select("month", "plan", "requests").rows(), [
    ["2026-01-01", "(all) plan", 1],
    ["2026-01-01", "pro", 1],
    ["2026-02-01", "(all) plan", 1],
    ["2026-02-01", "pro", 1],
  ]);
  const cohorts = cohortTable(report.cohorts, report.periods)
    .select("cohort_plan", "months_since", "cohort_mrr_usd", "mrr_usd").rows();
  assertEquals(cohorts, [
    ["(all)", 0, 300, 300],
    ["(all)", 1, 300, 150],
    ["(all) plan", 0, 100, 100],
    ["(all) plan", 1, 100, 150],
    ["pro", 0, 200, 200],
    ["pro", 1, 200, 0],
  ]);
  const said = historyMarkdown(report, { files: [] }).split("\n")
    .filter((line) => line.startsWith("A plan is named"));
  assertEquals(said, [
    "A plan is named `(all)`, the label of every customer's rows: its rows read `(all) plan` (rename the plan in the price book to see its own name).",
  ]);
});

/**
 * Plans named `(all)` and `(all) plan` both: each keeps a label of its own (`(all) plan`, `(all)
 * plan plan`), where both read `(all) plan` before: the bridge's checks summed them as one plan
 * (start 110 against an end of 160: two failures) and the cohorts joined each with the other (4
 * rows a month). By hand, org_c pays $10 on `(all) plan` in both months: the company 310 → 160,
 * `(all) plan` 100 → 150 (org_a), `(all) plan plan` 10 → 10, pro 200 → 0.
 */
Deno.test("plans named (all) and (all) plan: one label each, the bridge and cohorts per plan", () => {
  const report = buildHistoryReport([
    snapshot("2026-01-01", [
      ["org_a", "(all)", 100, 1, 0],
      ["org_b", "pro", 200, 1, 0],
      ["org_c", "(all) plan", 10, 1, 0],
    ]),
    snapshot("2026-02-01", [
      ["org_a", "(all)", 150, 1, 0],
      ["org_b", "pro", 0, 1, 0],
      ["org_c", "(all) plan", 10, 1, 0],
    ]),
  ], false);
  assertEquals(report.failures, []);
  assertEquals(
    historyTable(report).select("plan", "start_mrr_usd", "end_mrr_usd").rows(),
    [["(all)", 310, 160], ["(all) plan", 100, 150], ["(all) plan plan", 10, 10], ["pro", 200, 0]],
  );
  const retention = retentionTable({ retention: report.retention, periods: report.periods })
    .filter(pl.col("period").eq(pl.lit("month")))
    .select("plan", "start_mrr_usd", "retained_mrr_usd", "kept_mrr_usd").rows();
  assertEquals(retention, [
    ["(all)", 310, 160, 110],
    ["(all) plan", 100, 150, 100],
    ["(all) plan plan", 10, 10, 10],
    ["pro", 200, 0, 0],
  ]);
  const cohorts = cohortTable(report.cohorts, report.periods)
    .select("cohort_plan", "months_since", "cohort_mrr_usd", "mrr_usd").rows();
  assertEquals(cohorts, [
    ["(all)", 0, 310, 310],
    ["(all)", 1, 310, 160],
    ["(all) plan", 0, 100, 100],
    ["(all) plan", 1, 100, 150],
    ["(all) plan plan", 0, 10, 10],
    ["(all) plan plan", 1, 10, 10],
    ["pro", 0, 200, 200],
    ["pro", 1, 200, 0],
  ]);
  const said = historyMarkdown(report, { files: [] }).split("\n")
    .filter((line) => line.startsWith("A plan is named"));
  assertEquals(said, [
    "A plan is named `(all)`, the label of every customer's rows: its rows read `(all) plan` (rename the plan in the price book to see its own name). A plan is named `(all) plan`, the label of a plan named `(all)`: its rows read `(all) plan plan` (rename the plan in the price book to see its own name).",
  ]);
});

Deno.test("a plan named (all) plan alone: its rows read (all) plan plan, and the report says so", () => {
  const report = buildHistoryReport([
    snapshot("2026-01-01", [["org_c", "(all) plan", 10, 1, 0]]),
    snapshot("2026-02-01", [["org_c", "(all) plan", 20, 1, 0]]),
  ], false);
  assertEquals(
    historyTable(report).select("plan", "start_mrr_usd", "end_mrr_usd").rows(),
    [["(all)", 10, 20], ["(all) plan plan", 10, 20]],
  );
  const said = historyMarkdown(report, { files: [] }).split("\n")
    .filter((line) => line.startsWith("A plan is named"));
  assertEquals(said, [
    "A plan is named `(all) plan`, the label of a plan named `(all)`: its rows read `(all) plan plan` (rename the plan in the price book to see its own name).",
  ]);
});

/**
 * A plan named `(all)` in the plan changes too (`…_plan_changes.csv`, the report's table): by hand,
 * org_a moves from `(all)` at $100 to pro at $150 (org_b stays on pro at $200). The change reads
 * `(all) plan` → pro, as the plan's rows read (moved out 100, pro moved in 150), where it read
 * `(all)` → pro: a plan change from every customer's label, and no row of the history CSV to match.
 */
Deno.test("a plan named (all) reads (all) plan in the plan changes as in its rows", () => {
  const report = buildHistoryReport([
    snapshot("2026-01-01", [["org_a", "(all)", 100, 1, 0], ["org_b", "pro", 200, 1, 0]]),
    snapshot("2026-02-01", [["org_a", "pro", 150, 1, 0], ["org_b", "pro", 200, 1, 0]]),
  ], false);
  assertEquals(report.failures, []);
  assertEquals(
    historyTable(report).select("plan", "start_mrr_usd", "moved_out_usd", "moved_in_usd").rows(),
    [["(all)", 300, 0, 0], ["(all) plan", 100, 100, 0], ["pro", 200, 0, 150]],
  );
  assertEquals(
    planChangesTable(report)
      .select("from_plan", "to_plan", "upgrades", "mrr_before_usd", "mrr_after_usd").rows(),
    [["(all) plan", "pro", 1, 100, 150]],
  );
  const changeLines = historyMarkdown(report, { files: [] }).split("\n")
    .filter((line) => line.startsWith("| 2026-01 |") && line.includes("| pro |"));
  assertEquals(changeLines, ["| 2026-01 | (all) plan | pro | 1 | 1 | 0 | 0 | $100.00 | $150.00 |"]);
});

/**
 * The company row opens its month in the history CSV and sheet whatever the plans are named: by
 * hand, org_a on "(Legacy) pro" $100 → $150, org_b on "$5 plan" $200, org_c on team $50; the
 * company 350 → 400. Sorted by name, "$5 plan" and "(Legacy) pro" ("$" and "(L" before "(a" in
 * byte order) came before `(all)`.
 */
Deno.test("the company row is its month's first, before plans whose names sort before (all)", () => {
  const report = buildHistoryReport([
    snapshot("2026-01-01", [
      ["org_a", "(Legacy) pro", 100, 1, 0],
      ["org_b", "$5 plan", 200, 1, 0],
      ["org_c", "team", 50, 1, 0],
    ]),
    snapshot("2026-02-01", [
      ["org_a", "(Legacy) pro", 150, 1, 0],
      ["org_b", "$5 plan", 200, 1, 0],
      ["org_c", "team", 50, 1, 0],
    ]),
  ], false);
  assertEquals(
    historyTable(report).select("plan", "start_mrr_usd", "end_mrr_usd").rows(),
    [["(all)", 350, 400], ["$5 plan", 200, 200], ["(Legacy) pro", 100, 150], ["team", 50, 50]],
  );
});

/**
 * A plan literally named `(none)`, the label of the organizations with no plan: its rows read
 * `(none) plan`, where they were summed with those organizations'. By hand, org_a on `(none)`
 * $100 → $150, org_b with no tier $200 → $200: the company 300 → 350, `(none)` 200 → 200,
 * `(none) plan` 100 → 150.
 */
Deno.test("a plan named (none): its rows read '(none) plan', apart from the organizations with no plan", () => {
  const report = buildHistoryReport([
    snapshot("2026-01-01", [["org_a", "(none)", 100, 1, 0], ["org_b", null, 200, 1, 0]]),
    snapshot("2026-02-01", [["org_a", "(none)", 150, 1, 0], ["org_b", null, 200, 1, 0]]),
  ], false);
  assertEquals(report.failures, []);
  assertEquals(
    historyTable(report).select("plan", "start_mrr_usd", "end_mrr_usd").rows(),
    [["(all)", 300, 350], ["(none)", 200, 200], ["(none) plan", 100, 150]],
  );
  const said = historyMarkdown(report, { files: [] }).split("\n")
    .filter((line) => line.startsWith("A plan is named"));
  assertEquals(said, [
    "A plan is named `(none)`, the label of the organizations with no plan: its rows read `(none) plan` (rename the plan in the price book to see its own name).",
  ]);
});

/**
 * A plan named `(all) ` (a trailing space: the price book refuses it, case and surrounding spaces
 * aside, but an old snapshot may hold it) is relabelled as `(all)` is, one " plan" longer:
 * `(all)  plan`, and so is one named as that label (`(all)  plan plan`: one to one), and `(none) `
 * as `(none)`. By hand: org_a on `(all) ` $100 → $150, org_b on pro $200 → $0, org_c on
 * `(all)  plan` $10 → $10, org_d on `(none) ` $5 → $5: the company 315 → 165.
 */
Deno.test("a plan named (all) with a trailing space is relabelled as (all) is, one to one", () => {
  const report = buildHistoryReport([
    snapshot("2026-01-01", [
      ["org_a", "(all) ", 100, 1, 0],
      ["org_b", "pro", 200, 1, 0],
      ["org_c", "(all)  plan", 10, 1, 0],
      ["org_d", "(none) ", 5, 1, 0],
    ]),
    snapshot("2026-02-01", [
      ["org_a", "(all) ", 150, 1, 0],
      ["org_b", "pro", 0, 1, 0],
      ["org_c", "(all)  plan", 10, 1, 0],
      ["org_d", "(none) ", 5, 1, 0],
    ]),
  ], false);
  assertEquals(report.failures, []);
  assertEquals(historyTable(report).select("plan", "start_mrr_usd", "end_mrr_usd").rows(), [
    ["(all)", 315, 165],
    ["(all)  plan", 100, 150],
    ["(all)  plan plan", 10, 10],
    ["(none)  plan", 5, 5],
    ["pro", 200, 0],
  ]);
  const said = historyMarkdown(report, { files: [] }).split("\n")
    .filter((line) => line.startsWith("A plan is named"));
  assertEquals(said, [
    "A plan is named `(all) `, `(all)` but for its spaces, case or hidden characters: its rows read `(all)  plan` (rename the plan in the price book to see its own name). A plan is named `(all)  plan`, `(all) plan` but for its spaces, case or hidden characters: its rows read `(all)  plan plan` (rename the plan in the price book to see its own name). A plan is named `(none) `, `(none)` but for its spaces, case or hidden characters: its rows read `(none)  plan` (rename the plan in the price book to see its own name).",
  ]);
});

/**
 * A plan named `\u200b(all)` (a zero-width space first: the Markdown outputs drop it, so it reads
 * `(all)` there) is relabelled as `(all)` is, `\u200b(all) plan`, and `(none)\u00ad` (a soft
 * hyphen) as `(none)`. By hand: org_a on `\u200b(all)` $100 → $150, org_b on pro $200 → $0,
 * org_d on `(none)\u00ad` $5 → $5: the company 305 → 155.
 */
Deno.test("a plan named (all) or (none) but for hidden characters is relabelled as they are", () => {
  const report = buildHistoryReport([
    snapshot("2026-01-01", [
      ["org_a", "\u200b(all)", 100, 1, 0],
      ["org_b", "pro", 200, 1, 0],
      ["org_d", "(none)\u00ad", 5, 1, 0],
    ]),
    snapshot("2026-02-01", [
      ["org_a", "\u200b(all)", 150, 1, 0],
      ["org_b", "pro", 0, 1, 0],
      ["org_d", "(none)\u00ad", 5, 1, 0],
    ]),
  ], false);
  assertEquals(report.failures, []);
  assertEquals(historyTable(report).select("plan", "start_mrr_usd", "end_mrr_usd").rows(), [
    ["(all)", 305, 155],
    ["(none)\u00ad plan", 5, 5],
    ["pro", 200, 0],
    ["\u200b(all) plan", 100, 150],
  ]);
});

/**
 * The report's line on plans named (all) or (none) but for hidden or line-breaking characters
 * shows each such character as an escape in its code spans, as data text: a bidi override
 * (U+202E) drew the rest of the line reversed, a tag character (U+E0041) spelled text no reader
 * sees, and a blank line ended the paragraph inside a name.
 */
Deno.test("the report names a plan relabelled for hidden or line-breaking characters with them as escapes", () => {
  const rows = (asOf: string) =>
    snapshot(asOf, [
      ["org_a", "(all)\u202e\u{e0041}", 100, 1, 0],
      ["org_d", "(none)\n\nplan", 5, 1, 0],
    ]);
  const report = buildHistoryReport([rows("2026-01-01"), rows("2026-02-01")], false);
  const said = historyMarkdown(report, { files: [] }).split("\n\n")
    .filter((paragraph) => paragraph.startsWith("A plan is named"));
  assertEquals(said, [
    "A plan is named `(all)\\u202e\\u{e0041}`, `(all)` but for its spaces, case or hidden characters: its rows read `(all)\\u202e\\u{e0041} plan` (rename the plan in the price book to see its own name). A plan is named `(none)\\n\\nplan`, `(none) plan` but for its spaces, case or hidden characters: its rows read `(none)\\n\\nplan plan` (rename the plan in the price book to see its own name).",
  ]);
});

/**
 * A code span that both begins and ends with a space loses one at each end when read (CommonMark:
 * "` (all) `" shows "(all)"), so the report's line on a plan named " (all) " would name it as the
 * label it differs from by those very spaces: its code span gets one more space at each end.
 */
Deno.test("the report names a plan with spaces at both ends with those spaces kept in its code span", () => {
  const rows = (asOf: string) => snapshot(asOf, [["org_a", " (all) ", 100, 1, 0]]);
  const report = buildHistoryReport([rows("2026-01-01"), rows("2026-02-01")], false);
  const said = historyMarkdown(report, { files: [] }).split("\n\n")
    .filter((paragraph) => paragraph.startsWith("A plan is named"));
  assertEquals(said, [
    "A plan is named `  (all)  `, `(all)` but for its spaces, case or hidden characters: its rows read ` (all)  plan` (rename the plan in the price book to see its own name).",
  ]);
});
