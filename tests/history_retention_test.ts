/**
 * Revenue retention (lib/history/retention.ts, docs/history.md "Revenue retention"): NRR, GRR and
 * logo churn per month, per plan at the start, and over the months stored, from three month ends.
 * MRR in USD as each snapshot holds it (EUR at 1.10 on Jan 1, 1.20 after):
 *
 *   customer    plan         currency  Jan 1            Feb 1            Mar 1
 *   cus_exp     pro → team   USD       $100             $150             $150
 *   cus_con     team         USD       $200             $120             $120
 *   cus_churn   pro          USD       $50              $0               $0
 *   cus_new     pro          USD       —                $80              $80
 *   cus_react   pro          USD       $40              $0               $60
 *   cus_eur     team         EUR       €100 = $110      €100 = $120      €100 = $120
 *   cus_shared  team         USD       $300 on org_a    $330 on org_b    $330 on org_b
 *   (cus_shared: two organizations, org_a and org_b, one Stripe customer; the other at $0 as
 *   shared_customer. Summed per customer, the switch moves nothing: +$30 is expansion.)
 *
 * By hand, January (as-of Feb 1), in cents; each end at the start's rate (cus_eur: 12000 × 1.10 ÷
 * 1.20 = 11000):
 * - paying at the start: 10000 + 20000 + 5000 + 4000 + 11000 + 30000 = 80000, 6 customers.
 * - retained (their ends): 15000 + 12000 + 0 + 0 + 11000 + 33000 = 71000 → NRR 88.75 %.
 * - kept (capped at each start): 10000 + 12000 + 0 + 0 + 11000 + 30000 = 63000 → GRR 78.75 %.
 * - paying nothing at the end: cus_churn, cus_react: 2 of 6 → logo churn 33.33 %.
 * - per plan at the start: pro (cus_exp, cus_churn, cus_react) 19000, retained 15000 (cus_exp's
 *   end, though it is on team now), kept 10000, 2 of 3 lost; team 61000, retained 12000 + 11000 +
 *   33000 = 56000, kept 12000 + 11000 + 30000 = 53000, 0 of 3 lost.
 * February (as-of Mar 1): paying at the start 15000 + 12000 + 8000 + 12000 + 33000 = 80000, 5
 * customers, every end the same (EUR's rate unchanged): NRR = GRR = 100 %, logo churn 0; cus_react
 * back at $60 is not in it (it paid $0 at the start). Per plan: pro (cus_new) 8000, team 72000.
 * Over the 2 months stored (Jan 1 → Mar 1), the customers paying on Jan 1 at their Mar 1 MRR,
 * at Jan 1's rates: retained 15000 + 12000 + 0 + 6000 (cus_react, back by the end) + 11000 +
 * 33000 = 77000 → NRR 96.25 %; kept 10000 + 12000 + 0 + 4000 + 11000 + 30000 = 67000 → GRR
 * 83.75 %; lost cus_churn only: 1 of 6 → 16.67 %; cus_new is not in it. Per plan at Jan 1: pro
 * 19000, retained 15000 + 6000 = 21000 (110.53 %), kept 14000 (73.68 %), 1 of 3 lost (33.33 %);
 * team 61000, retained 56000 (91.8 %), kept 53000 (86.89 %), none lost.
 * Expansion over them, each end above its start: cus_exp +5000, cus_react +2000, cus_shared +3000
 * (cus_eur's end at Jan 1's rate is its start) = 10000 = retained − kept, 12.5 points of NRR; the
 * largest, cus_exp's +5000, 6.25 points: NRR (77000 − 5000) / 80000 = 90.0 % without it.
 *
 * Cohorts by first paid snapshot, USD as each snapshot holds it: Jan 1's (2025-12 or before) 6
 * customers, $800; at Feb 1 cus_exp 150 + cus_con 120 + cus_eur 120 + cus_shared 330 = $720 (90 %,
 * 4 of 6), at Mar 1 also cus_react 60: $780 (97.5 %, 5 of 6); cus_shared stays in it though its
 * revenue moved to org_b. Feb 1's (2026-01): cus_new, $80, then $80 (100 %). Per plan first paid
 * on: Jan 1's pro (cus_exp, cus_churn, cus_react) $190, at Feb 1 cus_exp 150 (on team now, still
 * in pro's cohort): 78.95 %, 1 of 3; at Mar 1 also cus_react 60: $210, 110.53 %, 2 of 3. Jan 1's
 * team (cus_con, cus_eur, cus_shared) $610, then 120 + 120 + 330 = $570 twice: 93.44 %, 3 of 3.
 * Feb 1's pro: cus_new's.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import pl from "nodejs-polars";
import type { HistoryPoint } from "../lib/history/bridge.ts";
import { buildHistoryReport } from "../lib/history/report.ts";
import { historyMarkdown, historySection } from "../lib/history/report_markdown.ts";
import { retentionTable } from "../lib/history/retention.ts";
import { cohortMarkdown, cohortTable } from "../lib/history/cohorts.ts";
import { bridgeOfSources } from "../lib/history/aggregate.ts";
import { type CustomerOrg, customerSnapshot } from "./fixtures/history.ts";
import { RETENTION_FIGURES, retentionRows } from "./fixtures/retention.ts";

const JAN: CustomerOrg[] = [
  ["org_exp", "cus_exp", "pro", "USD", 100],
  ["org_con", "cus_con", "team", "USD", 200],
  ["org_churn", "cus_churn", "pro", "USD", 50],
  ["org_react", "cus_react", "pro", "USD", 40],
  ["org_eur", "cus_eur", "team", "EUR", 110],
  ["org_a", "cus_shared", "team", "USD", 300],
  ["org_b", "cus_shared", "team", "USD", 0],
];
const FEB: CustomerOrg[] = [
  ["org_exp", "cus_exp", "team", "USD", 150],
  ["org_con", "cus_con", "team", "USD", 120],
  ["org_churn", "cus_churn", "pro", "USD", 0],
  ["org_new", "cus_new", "pro", "USD", 80],
  ["org_react", "cus_react", "pro", "USD", 0],
  ["org_eur", "cus_eur", "team", "EUR", 120],
  ["org_a", "cus_shared", "team", "USD", 0],
  ["org_b", "cus_shared", "team", "USD", 330],
];
const MAR: CustomerOrg[] = FEB.map((o) =>
  o[0] === "org_react" ? ["org_react", "cus_react", "pro", "USD", 60] : o
);

const POINTS = [
  customerSnapshot("2026-01-01", JAN, { fxRates: { EUR: 1.1 } }),
  customerSnapshot("2026-02-01", FEB, { fxRates: { EUR: 1.2 } }),
  customerSnapshot("2026-03-01", MAR, { fxRates: { EUR: 1.2 } }),
];

const COLUMNS = ["period", "month", "from_as_of", "plan", ...RETENTION_FIGURES];

Deno.test("retention: NRR, GRR and logo churn per month, per plan at the start and over the months stored, by hand", () => {
  const report = buildHistoryReport(POINTS, false);
  const rows = retentionTable(report).select(...COLUMNS).rows();
  assertEquals(rows, [
    ["month", "2026-01", "2026-01-01", "(all)", 800, 710, 630, 88.75, 78.75, 6, 2, 33.33],
    ["month", "2026-01", "2026-01-01", "pro", 190, 150, 100, 78.95, 52.63, 3, 2, 66.67],
    ["month", "2026-01", "2026-01-01", "team", 610, 560, 530, 91.8, 86.89, 3, 0, 0],
    ["month", "2026-02", "2026-02-01", "(all)", 800, 800, 800, 100, 100, 5, 0, 0],
    ["month", "2026-02", "2026-02-01", "pro", 80, 80, 80, 100, 100, 1, 0, 0],
    ["month", "2026-02", "2026-02-01", "team", 720, 720, 720, 100, 100, 4, 0, 0],
    ["months_stored", "2026-02", "2026-01-01", "(all)", 800, 770, 670, 96.25, 83.75, 6, 1, 16.67],
    ["months_stored", "2026-02", "2026-01-01", "pro", 190, 210, 140, 110.53, 73.68, 3, 1, 33.33],
    ["months_stored", "2026-02", "2026-01-01", "team", 610, 560, 530, 91.8, 86.89, 3, 0, 0],
  ]);
  // the same from the snapshots read one at a time (the stored bridge's path)
  const streamed = bridgeOfSources(POINTS);
  assertEquals(
    streamed.plans.select("month", "plan", "retained_cents", "kept_cents").rows(),
    report.plans.select("month", "plan", "retained_cents", "kept_cents").rows(),
  );
});

Deno.test("retention: the brief's history section gives the period's and last month's headline; the report a section", () => {
  const report = buildHistoryReport(POINTS, false);
  const section = historySection(report);
  ok(
    section.includes(
      "**Revenue retention**, over the 2 months stored (as-of 2026-01-01 → 2026-03-01): NRR 96.3 %, GRR 83.8 %, logo churn 16.7 % (1 of 6 customers). Expansion: +$100.00 from 3 customers, 12.5 points of NRR; the largest, one customer's +$50.00, is 6.3 of them (NRR 90.0 % without it). Last month, 2026-02: NRR 100.0 %, GRR 100.0 %, logo churn 0.0 % (0 of 5 customers).",
    ),
    section,
  );
  const markdown = historyMarkdown(report, { files: [] });
  ok(markdown.includes("## Revenue retention"), markdown);
  ok(
    markdown.includes(
      "| 2026-01 | 2026-02-01 | $800.00 | $710.00 | $630.00 | 88.8 % | 78.8 % | 33.3 % | 6 | 2 |",
    ),
    markdown,
  );
});

Deno.test("retention: trailing 12 months when a snapshot 12 months before the last is stored", () => {
  const months = ["2025-01-01", "2025-06-01", "2026-01-01", "2026-02-01"];
  const report = buildHistoryReport(
    months.map((m) => customerSnapshot(m, JAN, { fxRates: { EUR: 1.1 } })),
    false,
  );
  const period = report.retention.period.span;
  // 2026-02-01 closes 2026-01; 12 months before: 2025-01, closed by 2025-02-01, not stored: the
  // oldest within them is 2025-06-01 (8 months)
  assertEquals(period, {
    fromAsOf: "2025-06-01",
    toAsOf: "2026-02-01",
    months: 8,
    monthToDate: false,
    trailing12: false,
    // of Jul 1 … Feb 1 only Jan 1 and Feb 1 are stored
    monthEnds: 8,
    missingMonthEnds: [
      "2025-07-01",
      "2025-08-01",
      "2025-09-01",
      "2025-10-01",
      "2025-11-01",
      "2025-12-01",
    ],
    unpaid: [],
  });
  const trailing = buildHistoryReport(
    ["2025-02-01", "2025-06-01", "2026-02-01"].map((m) =>
      customerSnapshot(m, JAN, { fxRates: { EUR: 1.1 } })
    ),
    false,
  );
  assertEquals(trailing.retention.period.span, {
    fromAsOf: "2025-02-01",
    toAsOf: "2026-02-01",
    months: 12,
    monthToDate: false,
    trailing12: true,
    // of Mar 1 2025 … Feb 1 2026 only Jun 1 and Feb 1 are stored
    monthEnds: 12,
    missingMonthEnds: [
      "2025-03-01",
      "2025-04-01",
      "2025-05-01",
      "2025-07-01",
      "2025-08-01",
      "2025-09-01",
      "2025-10-01",
      "2025-11-01",
      "2025-12-01",
      "2026-01-01",
    ],
    unpaid: [],
  });
  // a month to date (Jan 1 → Dec 6) is not twelve months, whatever months it touches
  const toDate = buildHistoryReport([
    customerSnapshot("2026-01-01", JAN, { fxRates: { EUR: 1.1 } }),
    {
      ...customerSnapshot("2026-12-06", JAN, { fxRates: { EUR: 1.1 } }),
      asOf: new Date("2026-12-06T12:00:00Z"),
    },
  ], false);
  assertEquals(toDate.retention.period.span, {
    fromAsOf: "2026-01-01",
    toAsOf: "2026-12-06T12:00:00Z",
    months: 12,
    monthToDate: true,
    trailing12: false,
    // Feb 1 … Dec 1, none stored
    monthEnds: 11,
    missingMonthEnds: [
      "2026-02-01",
      "2026-03-01",
      "2026-04-01",
      "2026-05-01",
      "2026-06-01",
      "2026-07-01",
      "2026-08-01",
      "2026-09-01",
      "2026-10-01",
      "2026-11-01",
      "2026-12-01",
    ],
    unpaid: [],
  });
  ok(
    historySection(toDate).includes(
      "over 11 months and the month to date (as-of 2026-01-01 → 2026-12-06T12:00:00Z; 0 of 11 month ends stored, 11 missing)",
    ),
  );
  ok(
    historySection(trailing).includes(
      "trailing 12 months (as-of 2025-02-01 → 2026-02-01; 2 of 12 month ends stored, 10 missing): NRR 100.0 %",
    ),
  );
});

/**
 * Thirteen month ends, as-of 2025-12-01 … 2026-12-01, and an export as-of 2026-12-06 12:00 (a
 * month to date). A pro and B team (USD) pay $100 and $200 until 2026-11-01, where A pays $120;
 * at 2026-12-01 A pays $150, B nothing, C (new) $80; at 12-06 A nothing, C $80. By hand, the
 * trailing 12 months to the last month end (2025-12-01 → 2026-12-01): start 100 + 200 = $300, 2
 * customers; retained 150 + 0 → NRR 50.0 %; kept min(150, 100) + 0 = 100 → GRR 33.3 %; B lost: 1
 * of 2 → 50.0 %; pro 100 → 150 (150 %, kept 100 %), team 200 → 0. Last month, 2026-11
 * (2026-11-01 → 12-01): start 120 + 200 = $320; retained 150 → 46.875 %; kept 120 → 37.5 %; 1 of
 * 2. The month to date (A gone: 150 + 80 → 80, NRR 34.8 %) is in none of these.
 */
function thirteenMonthEndsAndToDate(): HistoryPoint[] {
  const base = (a: number): CustomerOrg[] => [
    ["org_a", "cus_a", "pro", "USD", a],
    ["org_b", "cus_b", "team", "USD", 200],
  ];
  const monthEnds = Array.from(
    { length: 11 },
    (_, m) =>
      customerSnapshot(new Date(Date.UTC(2025, 11 + m, 1)).toISOString().slice(0, 10), base(100)),
  );
  const december: CustomerOrg[] = [
    ["org_a", "cus_a", "pro", "USD", 150],
    ["org_b", "cus_b", "team", "USD", 0],
    ["org_c", "cus_c", "pro", "USD", 80],
  ];
  const toDate = december.map((o): CustomerOrg =>
    o[0] === "org_a" ? [o[0], o[1], o[2], o[3], 0] : o
  );
  return [
    ...monthEnds,
    customerSnapshot("2026-11-01", base(120)),
    customerSnapshot("2026-12-01", december),
    { ...customerSnapshot("2026-12-06", toDate), asOf: new Date("2026-12-06T12:00:00Z") },
  ];
}

Deno.test("retention: a month to date after 13 month ends: trailing 12 months to the last month end, by hand", () => {
  const points = thirteenMonthEndsAndToDate();
  assertEquals(points.length, 14);
  const report = buildHistoryReport(points, false);
  assertEquals(report.retention.period.span, {
    fromAsOf: "2025-12-01",
    toAsOf: "2026-12-01",
    months: 12,
    monthToDate: false,
    trailing12: true,
    monthEnds: 12,
    missingMonthEnds: [],
    unpaid: [],
  });
  assertEquals(retentionRows(report, { of: "periods", columns: COLUMNS }), [
    ["trailing_12_months", "2026-11", "2025-12-01", "(all)", 300, 150, 100, 50, 33.33, 2, 1, 50],
    ["trailing_12_months", "2026-11", "2025-12-01", "pro", 100, 150, 100, 150, 100, 1, 0, 0],
    ["trailing_12_months", "2026-11", "2025-12-01", "team", 200, 0, 0, 0, 0, 1, 1, 100],
  ]);
  assertEquals(retentionRows(report, { of: "periods", columns: ["as_of", "month_to_date"] })[0], [
    "2026-12-01",
    false,
  ]);
  ok(
    historySection(report).includes(
      "**Revenue retention**, trailing 12 months (as-of 2025-12-01 → 2026-12-01): NRR 50.0 %, GRR 33.3 %, logo churn 50.0 % (1 of 2 customers). Expansion: +$50.00, all from one customer: 16.7 points of NRR (33.3 % without it). Last month, 2026-11: NRR 46.9 %, GRR 37.5 %, logo churn 50.0 % (1 of 2 customers). 2026-12 (to 12-06 12:00 UTC), a month to date, is left out.",
    ),
    historySection(report),
  );
  // the report's table still has the month to date's row; its per plan table the closed month's
  const markdown = historyMarkdown(report, { files: [] });
  ok(markdown.includes("Per plan at the start, 2026-11:"), markdown);
  ok(
    markdown.includes("| 2026-12 (to 12-06 12:00 UTC) | 2026-12-06T12:00:00Z | $230.00 | $80.00 |"),
    markdown,
  );
});

Deno.test("retention: months counted by calendar; a month end missing from the span is named", () => {
  // JAN, FEB and MAR above as-of Jan 1, Mar 1 and Apr 1: Feb 1 is not stored. The period, Jan 1 →
  // Apr 1, spans 3 calendar months (2025-12 closed … 2026-03), 2 of their 3 month ends stored;
  // its figures are those of Jan 1 → Mar 1 above (the same customers at both ends): NRR 96.25 %,
  // GRR 83.75 %, 1 of 6 lost; the last month (Mar 1 → Apr 1) February's above: 100 %, 0 of 5.
  const report = buildHistoryReport([
    customerSnapshot("2026-01-01", JAN, { fxRates: { EUR: 1.1 } }),
    customerSnapshot("2026-03-01", FEB, { fxRates: { EUR: 1.2 } }),
    customerSnapshot("2026-04-01", MAR, { fxRates: { EUR: 1.2 } }),
  ], false);
  assertEquals(report.retention.period.span, {
    fromAsOf: "2026-01-01",
    toAsOf: "2026-04-01",
    months: 3,
    monthToDate: false,
    trailing12: false,
    monthEnds: 3,
    missingMonthEnds: ["2026-02-01"],
    unpaid: [],
  });
  ok(
    historySection(report).includes(
      "**Revenue retention**, over 3 months (as-of 2026-01-01 → 2026-04-01; 2 of 3 month ends stored, as-of 2026-02-01 missing): NRR 96.3 %, GRR 83.8 %, logo churn 16.7 % (1 of 6 customers). Expansion: +$100.00 from 3 customers, 12.5 points of NRR; the largest, one customer's +$50.00, is 6.3 of them (NRR 90.0 % without it). Last month, 2026-03: NRR 100.0 %, GRR 100.0 %, logo churn 0.0 % (0 of 5 customers).",
    ),
    historySection(report),
  );
  const period = retentionTable(report).filter(pl.col("period").eq(pl.lit("months_stored")));
  assertEquals(period.select("months_covered", "net_revenue_retention_pct").row(0), [3, 96.25]);
});

Deno.test("retention: one month stored gives no numbers, and says so", () => {
  throws(
    () => buildHistoryReport([POINTS[0]], false),
    /a history report needs two snapshots with revenue, got 1/,
  );
});

Deno.test("cohorts: MRR by first paid month, all customers and per first plan, a customer shared by two organizations in one cohort, by hand", () => {
  const { cohorts, periods } = buildHistoryReport(POINTS, false);
  const [jan, feb] = [["2025-12", "2026-01-01"], ["2026-01", "2026-02-01"]];
  const at = [["2025-12", "2026-01-01"], ["2026-01", "2026-02-01"], ["2026-02", "2026-03-01"]];
  assertEquals(cohortTable(cohorts, periods).rows(), [
    [...jan, 0, ...at[0], 6, 800, 6, 800, 100, 100, "(all)"],
    [...jan, 1, ...at[1], 6, 800, 4, 720, 90, 66.67, "(all)"],
    [...jan, 2, ...at[2], 6, 800, 5, 780, 97.5, 83.33, "(all)"],
    [...feb, 0, ...at[1], 1, 80, 1, 80, 100, 100, "(all)"],
    [...feb, 1, ...at[2], 1, 80, 1, 80, 100, 100, "(all)"],
    [...jan, 0, ...at[0], 3, 190, 3, 190, 100, 100, "pro"],
    [...jan, 1, ...at[1], 3, 190, 1, 150, 78.95, 33.33, "pro"],
    [...jan, 2, ...at[2], 3, 190, 2, 210, 110.53, 66.67, "pro"],
    [...feb, 0, ...at[1], 1, 80, 1, 80, 100, 100, "pro"],
    [...feb, 1, ...at[2], 1, 80, 1, 80, 100, 100, "pro"],
    [...jan, 0, ...at[0], 3, 610, 3, 610, 100, 100, "team"],
    [...jan, 1, ...at[1], 3, 610, 3, 570, 93.44, 100, "team"],
    [...jan, 2, ...at[2], 3, 610, 3, 570, 93.44, 100, "team"],
  ]);
  const markdown = cohortMarkdown(cohorts, periods).join("\n");
  ok(
    markdown.includes("| 2025-12 or before | 6 | $800.00 | 100.0 % | 90.0 % | 97.5 % |"),
    markdown,
  );
  ok(markdown.includes("| 2026-01 | 1 | $80.00 | 100.0 % | 100.0 % |  |"), markdown);
  ok(
    markdown.includes("| pro | 2025-12 or before | 3 | $190.00 | 100.0 % | 78.9 % | 110.5 % |"),
    markdown,
  );
  ok(markdown.includes("| pro | 2026-01 | 1 | $80.00 | 100.0 % | 100.0 % |  |"), markdown);
  ok(markdown.includes("| team | 2025-12 or before | 3 | $610.00 | 100.0 % | 93.4 % | 93.4 % |"));
});

Deno.test("retention: a customer paused at the end is lost (logo churn), its MRR out of NRR and GRR", () => {
  // cus_p $100 → paused at $0 (the bridge's `paused`, not churn), cus_q $100 → $100: of $200 at
  // the start, $100 retained and kept (50 %), 1 of 2 customers lost (50 %)
  const month = (asOf: string, p: number, status: string) =>
    customerSnapshot(asOf, [
      ["org_p", "cus_p", "pro", "USD", p, status],
      ["org_q", "cus_q", "pro", "USD", 100, "active"],
    ]);
  const report = buildHistoryReport([
    month("2026-01-01", 100, "active"),
    month("2026-02-01", 0, "paused"),
  ], false);
  assertEquals(report.company.select("paused_cents", "churn_cents").row(0), [10000, 0]);
  assertEquals(
    retentionTable(report).filter(pl.col("plan").eq(pl.lit("(all)")))
      .select("period", "retained_mrr_usd", "kept_mrr_usd", "lost_customers", "logo_churn_pct")
      .rows(),
    [["month", 100, 100, 1, 50], ["months_stored", 100, 100, 1, 50]],
  );
});

Deno.test("retention and cohorts: counts and percentages as the brief writes numbers (1,200 customers, 1,100.0 %)", () => {
  // 1,200 customers at $1 on Jan 1; on Feb 1 the first 200 pay $66 and the other 1,000 nothing:
  // retained 200 × $66 = $13,200 of $1,200 → NRR 1,100.0 %; kept 200 × $1 = $200 → GRR 16.7 %;
  // lost 1,000 of 1,200 → 83.3 %. The Jan cohort's MRR at Feb 1: $13,200 of $1,200 → 1,100.0 %.
  // (no subscription_status stored)
  const month = (asOf: string, mrr: (i: number) => number) =>
    customerSnapshot(
      asOf,
      Array.from({ length: 1200 }, (_, i) => [`org_${i}`, `cus_${i}`, "pro", "USD", mrr(i), null]),
    );
  const points = [month("2026-01-01", () => 1), month("2026-02-01", (i) => i < 200 ? 66 : 0)];
  const report = buildHistoryReport(points, false);
  const rates = "NRR 1,100.0 %, GRR 16.7 %, logo churn 83.3 % (1,000 of 1,200 customers)";
  const section = historySection(report);
  ok(
    section.includes(`over the 1 month stored (as-of 2026-01-01 → 2026-02-01): ${rates}.`),
    section,
  );
  ok(section.includes(`Last month, 2026-01: ${rates}.`), section);
  const markdown = historyMarkdown(report, { files: [] });
  ok(
    markdown.includes(
      "| $1,200.00 | $13,200.00 | $200.00 | 1,100.0 % | 16.7 % | 83.3 % | 1,200 | 1,000 |",
    ),
    markdown,
  );
  const cohorts = cohortMarkdown(report.cohorts, report.periods).join("\n");
  ok(cohorts.includes("| 1,200 | $1,200.00 | 100.0 % | 1,100.0 % |"), cohorts);
});
