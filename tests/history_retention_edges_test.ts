/**
 * Revenue retention's period (lib/history/retention_period.ts, docs/history.md "Revenue
 * retention") on histories whose snapshots are far apart: the period always compares two
 * snapshots, never one with itself. Each case by hand from two or three customers in USD.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { buildHistoryReport } from "../lib/history/report.ts";
import { historySection } from "../lib/history/report_markdown.ts";
import { cohortMarkdown } from "../lib/history/cohorts.ts";
import { type CustomerOrg, customerSnapshot } from "./fixtures/history.ts";
import { RETENTION_FIGURES, retentionRows } from "./fixtures/retention.ts";

/** The period tests' two customers: A $100 → $150, B $200 → nothing (NRR 50 %, GRR 33.33 %). */
const A_AND_B_START: CustomerOrg[] = [
  ["org_a", "cus_a", "pro", "USD", 100],
  ["org_b", "cus_b", "pro", "USD", 200],
];
const A_AND_B_END: CustomerOrg[] = [
  ["org_a", "cus_a", "pro", "USD", 150],
  ["org_b", "cus_b", "pro", "USD", 0],
];

const PERIOD_COLUMNS = [
  "period",
  "from_as_of",
  "as_of",
  "months_covered",
  "plan",
  ...RETENTION_FIGURES,
];

Deno.test("retention period: no other snapshot within the 12 months before the end starts it at the one before, not at the end itself", () => {
  // as-of 2025-01-01: A $100, B $200; as-of 2026-03-01 (14 months later, nothing stored between):
  // A $150, B nothing. The only snapshot within the 12 months before 2026-03-01 is itself; the
  // period is the 14 months from 2025-01-01 (2024-12 closed … 2026-02), 1 of its 14 month ends
  // stored. By hand: start 100 + 200 = $300, 2 customers; retained 150 + 0 = $150 → NRR 50 %;
  // kept min(150, 100) + 0 = $100 → GRR 33.33 %; B lost: 1 of 2 → 50 %. (It read the end against
  // itself: "over  (as-of 2026-03-01 → 2026-03-01)", NRR 100 %.)
  const report = buildHistoryReport([
    customerSnapshot("2025-01-01", A_AND_B_START),
    customerSnapshot("2026-03-01", A_AND_B_END),
  ], false);
  const span = report.retention.period.span;
  assertEquals(
    [span.fromAsOf, span.toAsOf, span.months, span.trailing12, span.monthEnds],
    ["2025-01-01", "2026-03-01", 14, false, 14],
  );
  assertEquals(span.missingMonthEnds.length, 13);
  assertEquals(retentionRows(report, { of: "periods", columns: PERIOD_COLUMNS }), [
    ["months_stored", "2025-01-01", "2026-03-01", 14, "(all)", 300, 150, 100, 50, 33.33, 2, 1, 50],
    ["months_stored", "2025-01-01", "2026-03-01", 14, "pro", 300, 150, 100, 50, 33.33, 2, 1, 50],
  ]);
  ok(
    historySection(report).includes(
      "**Revenue retention**, over 14 months (as-of 2025-01-01 → 2026-03-01; 1 of 14 month ends stored, 13 missing): NRR 50.0 %, GRR 33.3 %, logo churn 50.0 % (1 of 2 customers).",
    ),
    historySection(report),
  );
});

Deno.test("retention period: a start that is a month to date is never a trailing 12 months, though its month is 12 before the end's", () => {
  // as-of 2025-11-20 12:00 (November to date; no 2025-12-01 stored) and 2026-12-01 (closing
  // 2026-11): months 2025-11 → 2026-11 are 12 apart, but the span is 12 months and 11½ days, not
  // the trailing 12 months to 2026-12-01 (which start at 2025-12-01). Figures by hand, as above:
  // A $100 → $150, B $200 → nothing: NRR 50 %, GRR 33.33 %, 1 of 2 lost.
  const report = buildHistoryReport([
    customerSnapshot("2025-11-20T12:00:00Z", A_AND_B_START),
    customerSnapshot("2026-12-01", A_AND_B_END),
  ], false);
  const span = report.retention.period.span;
  assertEquals(
    [span.fromAsOf, span.toAsOf, span.months, span.trailing12, span.monthEnds],
    ["2025-11-20T12:00:00Z", "2026-12-01", 12, false, 13],
  );
  assertEquals(retentionRows(report, { of: "periods", columns: PERIOD_COLUMNS })[0], [
    "months_stored",
    "2025-11-20T12:00:00Z",
    "2026-12-01",
    12,
    "(all)",
    300,
    150,
    100,
    50,
    33.33,
    2,
    1,
    50,
  ]);
  ok(!historySection(report).includes("trailing 12 months"), historySection(report));
});

Deno.test("cohorts: when no customer paid at the first snapshot, the report does not call its as-of the first cohort's", () => {
  // as-of 2026-01-01: A and B at $0 (trialing); 2026-02-01: A $100; 2026-03-01: A $100, B $50.
  // Cohorts: 2026-01 (as-of Feb 1): A, $100, then 100 %; 2026-02: B, $50. Nobody paid on Jan 1,
  // so no cohort is "2025-12 or before", and the sentence names no cohort as of Jan 1.
  const points = [
    customerSnapshot("2026-01-01", [
      ["org_a", "cus_a", "pro", "USD", 0],
      ["org_b", "cus_b", "pro", "USD", 0],
    ]),
    customerSnapshot("2026-02-01", [
      ["org_a", "cus_a", "pro", "USD", 100],
      ["org_b", "cus_b", "pro", "USD", 0],
    ]),
    customerSnapshot("2026-03-01", [
      ["org_a", "cus_a", "pro", "USD", 100],
      ["org_b", "cus_b", "pro", "USD", 50],
    ]),
  ];
  const { cohorts, periods } = buildHistoryReport(points, false);
  const markdown = cohortMarkdown(cohorts, periods).join("\n");
  ok(markdown.includes("| 2026-01 | 1 | $100.00 | 100.0 % | 100.0 % |"), markdown);
  ok(markdown.includes("| 2026-02 | 1 | $50.00 | 100.0 % |  |"), markdown);
  ok(!markdown.includes("as-of 2026-01-01"), markdown);
  ok(markdown.includes("No customer paid before as-of 2026-02-01"), markdown);
});
