/**
 * Revenue retention and cohorts at their edges (lib/history/retention.ts, retention_period.ts,
 * cohorts.ts): a customer paused at the start, a plan only new customers pay on, three month ends
 * missing, a headline with no month to date after it, a 12-month span ending in a month to date,
 * the last closed month's plan table beside a month to date, and cohorts over a month with no
 * snapshot. Each figure by hand from the few customers named in
 * its test (USD, plan as tier).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { buildHistoryReport } from "../lib/history/report.ts";
import { historyMarkdown, historySection } from "../lib/history/report_markdown.ts";
import { retentionTable } from "../lib/history/retention.ts";
import { cohortMarkdown, cohortTable } from "../lib/history/cohorts.ts";
import { type CustomerOrg, customerSnapshot } from "./fixtures/history.ts";
import { retentionRows } from "./fixtures/retention.ts";

const COLUMNS = [
  "period",
  "month",
  "plan",
  "start_mrr_usd",
  "retained_mrr_usd",
  "kept_mrr_usd",
  "start_customers",
  "lost_customers",
  "logo_churn_pct",
];

Deno.test("retention: a customer paused at the start is not in the start, though it pays at the end", () => {
  // cus_p paused ($0) on Jan 1, back at $100 on Feb 1 (resumed); cus_q $100 at both. Paying at
  // the start: cus_q only, $100, 1 customer; its end $100: retained = kept = $100, 0 lost. cus_p's
  // $100 is in neither the start nor the retained MRR, per month and over the months stored.
  const report = buildHistoryReport([
    customerSnapshot("2026-01-01", [
      ["org_p", "cus_p", "pro", "USD", 0, "paused"],
      ["org_q", "cus_q", "pro", "USD", 100, "active"],
    ]),
    customerSnapshot("2026-02-01", [
      ["org_p", "cus_p", "pro", "USD", 100, "active"],
      ["org_q", "cus_q", "pro", "USD", 100, "active"],
    ]),
  ], false);
  assertEquals(retentionTable(report).select(...COLUMNS).rows(), [
    ["month", "2026-01", "(all)", 100, 100, 100, 1, 0, 0],
    ["month", "2026-01", "pro", 100, 100, 100, 1, 0, 0],
    ["months_stored", "2026-01", "(all)", 100, 100, 100, 1, 0, 0],
    ["months_stored", "2026-01", "pro", 100, 100, 100, 1, 0, 0],
  ]);
});

Deno.test("retention: a plan only new customers pay on has no row (nothing paid on it at the start)", () => {
  // cus_a pro $100 on Jan 1 and Feb 1; cus_b new on team at $50 on Feb 1. January's plans at the
  // start: pro only ($100, kept whole); team, $0 at the start, retains nothing and has no row.
  const report = buildHistoryReport([
    customerSnapshot("2026-01-01", [["org_a", "cus_a", "pro", "USD", 100]]),
    customerSnapshot("2026-02-01", [
      ["org_a", "cus_a", "pro", "USD", 100],
      ["org_b", "cus_b", "team", "USD", 50],
    ]),
  ], false);
  assertEquals(
    retentionRows(report, { of: "months", columns: COLUMNS }),
    [
      ["month", "2026-01", "(all)", 100, 100, 100, 1, 0, 0],
      ["month", "2026-01", "pro", 100, 100, 100, 1, 0, 0],
    ],
  );
});

const ONE_CUSTOMER: CustomerOrg[] = [["org_a", "cus_a", "pro", "USD", 100]];

Deno.test("retention: three missing month ends are named one by one (more than three are counted)", () => {
  // Dec 1 2025 → Apr 1 2026: month ends Jan 1, Feb 1, Mar 1, Apr 1; only Apr 1 stored
  const three = buildHistoryReport([
    customerSnapshot("2025-12-01", ONE_CUSTOMER),
    customerSnapshot("2026-04-01", ONE_CUSTOMER),
  ], false);
  const section = historySection(three);
  ok(
    section.includes(
      "over 4 months (as-of 2025-12-01 → 2026-04-01; 1 of 4 month ends stored, as-of 2026-01-01, 2026-02-01 and 2026-03-01 missing)",
    ),
    section,
  );
  // Dec 1 2025 → May 1 2026: Jan 1 … Apr 1 missing, four: counted
  const four = buildHistoryReport([
    customerSnapshot("2025-12-01", ONE_CUSTOMER),
    customerSnapshot("2026-05-01", ONE_CUSTOMER),
  ], false);
  ok(
    historySection(four).includes(
      "over 5 months (as-of 2025-12-01 → 2026-05-01; 1 of 5 month ends stored, 4 missing)",
    ),
    historySection(four),
  );
});

Deno.test("retention: a period ending at the newest snapshot, a month end, names no month to date", () => {
  // cus_a $100 on Jan 1 and Feb 1: 100 % both ways, 0 of 1 lost; Feb 1 closes January and
  // nothing follows it, so the last month's sentence is followed by the definitions directly
  const report = buildHistoryReport([
    customerSnapshot("2026-01-01", ONE_CUSTOMER),
    customerSnapshot("2026-02-01", ONE_CUSTOMER),
  ], false);
  const section = historySection(report);
  ok(
    section.includes(
      "Last month, 2026-01: NRR 100.0 %, GRR 100.0 %, logo churn 0.0 % (0 of 1 customer). Of the customers paying at the start",
    ),
    section,
  );
  ok(!section.includes("a month to date, is left out"), section);
});

Deno.test("retention: twelve months ending in a month to date are the months stored in the CSV, not trailing 12", () => {
  // Jan 1 → Dec 6 12:00 (no month end between them stored): 12 months apart by month, but the
  // last is not whole; the period row says months_stored, months_covered 12
  const report = buildHistoryReport([
    customerSnapshot("2026-01-01", ONE_CUSTOMER),
    { ...customerSnapshot("2026-12-06", ONE_CUSTOMER), asOf: new Date("2026-12-06T12:00:00Z") },
  ], false);
  assertEquals(
    retentionRows(report, {
      of: "periods",
      columns: ["period", "months_covered", "month_to_date", "plan"],
    }),
    [["months_stored", 12, true, "(all)"], ["months_stored", 12, true, "pro"]],
  );
});

Deno.test("retention: the report's last-month plan table is the closed month's, not the month to date's after it", () => {
  // cus_a pro $100 and cus_b team $200 on Jan 1 and Feb 1; on Feb 6 12:00 (a month to date) cus_a
  // pays nothing. January (Jan 1 → Feb 1): pro $100 kept whole, team $200 kept whole, 0 lost; the
  // month to date's pro row ($100 → $0, 1 of 1 lost) is in no per plan table
  const both = (a: number): CustomerOrg[] => [
    ["org_a", "cus_a", "pro", "USD", a],
    ["org_b", "cus_b", "team", "USD", 200],
  ];
  const report = buildHistoryReport([
    customerSnapshot("2026-01-01", both(100)),
    customerSnapshot("2026-02-01", both(100)),
    { ...customerSnapshot("2026-02-06", both(0)), asOf: new Date("2026-02-06T12:00:00Z") },
  ], false);
  const markdown = historyMarkdown(report, { files: [] });
  const heading = "Per plan at the start, 2026-01:\n\n";
  const at = markdown.indexOf(heading);
  ok(at >= 0, markdown);
  const table = markdown.slice(at + heading.length).split("\n\n")[0].split("\n");
  assertEquals(table.slice(2), [
    "| pro | $100.00 | $100.00 | $100.00 | 100.0 % | 100.0 % | 0.0 % | 1 | 0 |",
    "| team | $200.00 | $200.00 | $200.00 | 100.0 % | 100.0 % | 0.0 % | 1 | 0 |",
  ]);
});

Deno.test("cohorts: months since the cohort count calendar months, a month with no snapshot included", () => {
  // Jan 1 and Mar 1 stored (Feb 1 not): cus_a (pro) $100 then $120. One cohort (2025-12 or
  // before, 1 customer, $100), for all customers and for pro; Mar 1 is 2 months after Jan 1:
  // +2 mo, 120 %, 1 of 1 paying
  const { cohorts, periods } = buildHistoryReport([
    customerSnapshot("2026-01-01", ONE_CUSTOMER),
    customerSnapshot("2026-03-01", [["org_a", "cus_a", "pro", "USD", 120]]),
  ], false);
  const [jan, mar] = [["2025-12", "2026-01-01"], ["2026-02", "2026-03-01"]];
  assertEquals(cohortTable(cohorts, periods).rows(), [
    [...jan, 0, ...jan, 1, 100, 1, 100, 100, 100, "(all)"],
    [...jan, 2, ...mar, 1, 100, 1, 120, 120, 100, "(all)"],
    [...jan, 0, ...jan, 1, 100, 1, 100, 100, 100, "pro"],
    [...jan, 2, ...mar, 1, 100, 1, 120, 120, 100, "pro"],
  ]);
  const markdown = cohortMarkdown(cohorts, periods).join("\n");
  ok(markdown.includes("| first paid | customers | MRR then | +0 mo | +2 mo |"), markdown);
  ok(markdown.includes("| 2025-12 or before | 1 | $100.00 | 100.0 % | 120.0 % |"), markdown);
});
