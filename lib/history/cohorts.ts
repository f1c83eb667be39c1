/**
 * MRR cohorts by first paid month (docs/history.md, "MRR cohorts"): the customers (the bridge's: a
 * Stripe customer's organizations summed) grouped by the first snapshot where they paid, and each
 * cohort's MRR at every later snapshot as a share of its MRR then; for all customers (plan
 * `(all)`) and per the plan they first paid on. Summed as the bridge walks its snapshots
 * (aggregate.ts, from the customers it keys and the month each first paid), so neither the export
 * nor the report reads a snapshot again for them. Written by `deno task history report` and the
 * export's workbook, and answered by the MCP mrr_history when asked (`cohorts: true`).
 */
import pl from "nodejs-polars";
import type { HistorySource } from "./history_source.ts";
import { ALL_PLANS, planLabel } from "./plan_label.ts";
import { asOfKey, asOfMonthIndex, periodOf, type SnapshotPeriod } from "./periods.ts";
import { centsToUsd, formatCents, percentOfSums, type Row } from "./report_cells.ts";
import { markdownTable } from "../formats/markdown.ts";
import { formatCount, formatPct } from "../report/numbers.ts";

/**
 * One snapshot's first payments, by one join of its customers with those paid before: `current`
 * (its paying and paused customers, one row per key `on`: perCustomer's) with first_paid and
 * cohort_plan, the idx and plan of those paying for the first time now (null for one that never
 * paid); `firstPaid` (keys, first_paid, cohort_plan) with those added; and the cohort sums of its
 * paying customers, per cohort (cohort_idx: the snapshot each first paid in) and the plan it first
 * paid on, customers paying and their cents. Three joins with firstPaid before (the new payers'
 * anti join, the sums', the pair's: movementsOf's first_paid) hashed every paying customer's keys
 * three times.
 */
export function firstPaymentsOf(
  { payingOrPaused, firstPaid, idx, on }: {
    payingOrPaused: pl.DataFrame;
    firstPaid: pl.DataFrame;
    idx: number;
    on: string[];
  },
): { current: pl.DataFrame; firstPaid: pl.DataFrame; cohortSums: pl.DataFrame } {
  const paying = pl.col("cents").gt(0).and(pl.col(on[0]).isNotNull());
  const firstNow = paying.and(pl.col("first_paid").isNull());
  const joined = payingOrPaused.lazy().join(firstPaid.lazy(), { on, how: "left" })
    .withColumns(firstNow.alias(FIRST_NOW));
  const current = joined.withColumns(
    pl.when(pl.col(FIRST_NOW)).then(pl.lit(idx).cast(pl.Int32)).otherwise(pl.col("first_paid"))
      .alias("first_paid"),
    pl.when(pl.col(FIRST_NOW)).then(pl.col("plan").cast(pl.Utf8)).otherwise(pl.col("cohort_plan"))
      .alias("cohort_plan"),
  ).collectSync();
  const added = current.filter(pl.col(FIRST_NOW)).select(...on, "first_paid", "cohort_plan");
  const cohortSums = current.lazy().filter(paying)
    .groupBy(["first_paid", "cohort_plan"])
    .agg(
      pl.len().cast(pl.Int64).alias("paying_customers"),
      pl.col("cents").sum().cast(pl.Int64).alias("mrr_cents"),
    )
    .select(
      pl.col("first_paid").alias("cohort_idx"),
      "cohort_plan",
      pl.lit(idx).cast(pl.Int32).alias("idx"),
      "paying_customers",
      "mrr_cents",
    )
    .collectSync();
  return {
    current: current.drop(FIRST_NOW),
    firstPaid: pl.concat([firstPaid, added], { how: "vertical" }),
    cohortSums,
  };
}

/** firstPaymentsOf's mark of the customers paying for the first time. */
const FIRST_NOW = "__first_now";

/**
 * The cohorts from the bridge's sums (cohortSumsOf, per snapshot) of `points` (the bridge's,
 * oldest first): per cohort_plan (`(all)` first, then each plan), cohort and snapshot at or after
 * it, the cohort's customers and cents at its first snapshot, those paying and their cents then,
 * months_since (by calendar) and the as-of keys of both.
 */
export function cohortsOfSums(sums: pl.DataFrame[], points: HistorySource[]): pl.DataFrame {
  const all = pl.concat(sums, { how: "vertical" })
    .withColumns(planLabel(pl.col("cohort_plan")).alias("cohort_plan"));
  const company = all.groupBy(["cohort_idx", "idx"]).agg(
    pl.col("paying_customers").sum().cast(pl.Int64),
    pl.col("mrr_cents").sum().cast(pl.Int64),
  ).select(
    "cohort_idx",
    pl.lit(ALL_PLANS).alias("cohort_plan"),
    "idx",
    "paying_customers",
    "mrr_cents",
  );
  const rows = pl.concat([
    company.withColumns(pl.lit(0).alias("rank")),
    all.withColumns(pl.lit(1).alias("rank")),
  ], { how: "vertical" });
  const base = rows.filter(pl.col("idx").eq(pl.col("cohort_idx"))).select(
    "cohort_idx",
    "cohort_plan",
    "rank",
    pl.col("paying_customers").alias("cohort_customers"),
    pl.col("mrr_cents").alias("cohort_mrr_cents"),
  );
  const since = pl.DataFrame([
    pl.Series("idx", points.map((_, i) => i), pl.Int32),
    pl.Series("month_index", points.map((p) => asOfMonthIndex(p.asOf)), pl.Int32),
    pl.Series("as_of", points.map((p) => asOfKey(p.asOf)), pl.Utf8),
  ]);
  // every snapshot from each cohort's own on: one where none of its customers paid is a row of
  // 0 (its customers all churned or paused), not a month without a snapshot
  return base.join(since.select("idx"), { how: "cross" })
    .filter(pl.col("idx").gtEq(pl.col("cohort_idx")))
    .join(rows.drop("rank"), { on: ["cohort_idx", "cohort_plan", "idx"], how: "left" })
    .withColumns(pl.col("paying_customers").fillNull(0), pl.col("mrr_cents").fillNull(0))
    .join(since, { on: "idx" })
    .join(
      since.rename({ idx: "cohort_idx", month_index: "cohort_month", as_of: "cohort_as_of" }),
      { on: "cohort_idx" },
    )
    .sort(["rank", "cohort_plan", "cohort_idx", "idx"])
    .select(
      "cohort_plan",
      "cohort_idx",
      "cohort_as_of",
      "idx",
      "as_of",
      pl.col("month_index").sub(pl.col("cohort_month")).alias("months_since"),
      "cohort_customers",
      "cohort_mrr_cents",
      "paying_customers",
      "mrr_cents",
    );
}

/**
 * The cohorts CSV (`…_cohorts.csv`): a row per cohort and snapshot, amounts in USD; the
 * all-customers rows first, then each plan's, `cohort_plan` last (the columns before it as they
 * were before plans had cohorts).
 */
export function cohortTable(
  cohorts: pl.DataFrame,
  periods: ReadonlyMap<string, SnapshotPeriod>,
): pl.DataFrame {
  const asOfs = [...new Set(cohorts.getColumn("as_of").toArray() as string[])];
  // the month each as-of closes, joined by the as-of key (the column's name)
  const monthOf = (key: string, month: string) =>
    pl.DataFrame([
      pl.Series(key, asOfs, pl.Utf8),
      pl.Series(month, asOfs.map((asOf) => periodOf(periods, asOf).month), pl.Utf8),
    ]);
  return cohorts
    .join(monthOf("cohort_as_of", "cohort"), { on: "cohort_as_of", how: "left" })
    .join(monthOf("as_of", "month"), { on: "as_of", how: "left" })
    .select(
      "cohort",
      "cohort_as_of",
      "months_since",
      "month",
      "as_of",
      "cohort_customers",
      centsToUsd("cohort_mrr_cents").alias("cohort_mrr_usd"),
      "paying_customers",
      centsToUsd("mrr_cents").alias("mrr_usd"),
      percentOfSums({ part: "mrr_cents", whole: "cohort_mrr_cents", name: "mrr_retained_pct" }),
      percentOfSums({
        part: "paying_customers",
        whole: "cohort_customers",
        name: "customers_retained_pct",
      }),
      "cohort_plan",
    );
}

/** The months since (0, 1, …) any cohort reaches: the triangle's columns. */
function spansOf(rows: Row[]): number[] {
  return [...new Set(rows.map((r) => Number(r.months_since)))].sort((a, b) => a - b);
}

/** The rows of each (cohort_plan, cohort), in the frame's order. */
function byCohort(rows: Row[]): Row[][] {
  return [...Map.groupBy(rows, (row) => `${row.cohort_plan}\u0000${row.cohort_idx}`).values()];
}

/** A cohort's share of its first month's MRR at each months-since; null where it has none. */
function retainedAt(cohort: Row[], spans: number[]): (number | null)[] {
  const at = new Map(cohort.map((r) => [Number(r.months_since), r]));
  const start = Number(cohort[0].cohort_mrr_cents);
  return spans.map((m) => {
    const row = at.get(m);
    return row && start > 0 ? Number(row.mrr_cents) * 100 / start : null;
  });
}

/**
 * Per months-since, whether a cohort's share there is at a month to date (a snapshot mid-month,
 * days after a month end perhaps): that month so far, not its end. Not at the cohort's own first
 * snapshot, whose label says so.
 */
function toDateAt(
  cohort: Row[],
  { spans, periods }: { spans: number[]; periods: ReadonlyMap<string, SnapshotPeriod> },
): boolean[] {
  const at = new Map(cohort.map((r) => [Number(r.months_since), r]));
  return spans.map((m) => {
    const row = at.get(m);
    return row !== undefined && Number(row.idx) !== Number(row.cohort_idx) &&
      periodOf(periods, row.as_of as string).monthToDate;
  });
}

/** The cell mark, and the line under the triangle, of a share at a month to date. */
const TO_DATE = "(to date)";

/** A cohort's label: its first paid month, the first one's "or before". */
function cohortLabel(head: Row, periods: ReadonlyMap<string, SnapshotPeriod>): string {
  const label = periodOf(periods, head.cohort_as_of as string).label;
  return Number(head.cohort_idx) === 0 ? `${label} or before` : label;
}

/**
 * The workbook's `history_cohorts` sheet: a row per cohort (all customers, then per plan they first
 * paid on), its customers and MRR then, and a column per month since (`month_N_mrr_pct`: its MRR N
 * months after its first paid month as a percentage of its MRR then): a triangle.
 */
export function cohortSheetFrame(
  cohorts: pl.DataFrame,
  periods: ReadonlyMap<string, SnapshotPeriod>,
): pl.DataFrame {
  const rows = cohorts.toRecords() as Row[];
  const spans = spansOf(rows);
  const groups = byCohort(rows);
  const heads = groups.map((cohort) => cohort[0]);
  const shares = groups.map((cohort) => retainedAt(cohort, spans));
  return pl.DataFrame([
    pl.Series("cohort_plan", heads.map((h) => h.cohort_plan as string), pl.Utf8),
    pl.Series("cohort", heads.map((h) => periodOf(periods, h.cohort_as_of as string).month)),
    pl.Series("cohort_as_of", heads.map((h) => h.cohort_as_of as string), pl.Utf8),
    pl.Series("cohort_customers", heads.map((h) => Number(h.cohort_customers)), pl.Int64),
    pl.Series("cohort_mrr_usd", heads.map((h) => Number(h.cohort_mrr_cents) / 100), pl.Float64),
    ...spans.map((m, i) =>
      pl.Series(
        `month_${m}_mrr_pct`,
        // to 2 decimals, as the CSV's mrr_retained_pct
        shares.map((s) => s[i] === null ? null : Math.round(s[i]! * 100) / 100),
        pl.Float64,
      )
    ),
  ]);
}

/** The `history_cohorts` sheet's line on the `dictionary` sheet. */
export const COHORT_SHEET_ABOUT =
  "MRR cohorts from the history's snapshots: customers (a Stripe customer's organizations summed, as in the bridge) grouped by the first snapshot where they paid (cohort, the month it closes; cohort_as_of; the first cohort is every customer paying at the first snapshot, or before), for all customers (cohort_plan (all)) and per plan they first paid on. cohort_customers and cohort_mrr_usd: the cohort then; month_N_mrr_pct: the cohort's recurring MRR N months later (by calendar) as a percentage of cohort_mrr_usd, expansion and customers back after a month at $0 included, empty where no snapshot stands for that month, 0 where one does and none of the cohort's customers paid; the last may be a month to date (an export's own snapshot mid-month: its as-of on the …_cohorts.csv rows). Amounts are USD at each snapshot's own FX rates. The report's …_cohorts.csv has the customers and amounts behind each percentage.";

/** The report's cohort section: a row per cohort, a column per month since its first. */
export function cohortMarkdown(
  cohorts: pl.DataFrame,
  periods: ReadonlyMap<string, SnapshotPeriod>,
): string[] {
  const rows = cohorts.toRecords() as Row[];
  if (rows.length === 0) return [];
  const spans = spansOf(rows);
  const groups = byCohort(rows);
  const cells = (cohort: Row[]) => {
    const toDate = toDateAt(cohort, { spans, periods });
    return [
      cohortLabel(cohort[0], periods),
      formatCount(Number(cohort[0].cohort_customers)),
      formatCents(Number(cohort[0].cohort_mrr_cents)),
      ...retainedAt(cohort, spans).map((share, i) =>
        share === null ? "" : toDate[i] ? `${formatPct(share)} ${TO_DATE}` : formatPct(share)
      ),
    ];
  };
  // "+1 mo" of a snapshot days after a month end reads as a month's retention: said it is not
  const toDateAsOfs = [
    ...new Set(
      groups.flatMap((cohort) => cohort.filter((r) => Number(r.idx) !== Number(r.cohort_idx)))
        .map((r) => r.as_of as string),
    ),
  ].filter((asOf) => periodOf(periods, asOf).monthToDate).sort();
  const toDateLine = toDateAsOfs.length === 0 ? [] : [
    `${TO_DATE}: the share at ${
      toDateAsOfs.map((asOf) => `as-of ${asOf}, ${periodOf(periods, asOf).label}`).join("; ")
    }, a month to date: the month so far, not its end.`,
    "",
  ];
  const header = ["first paid", "customers", "MRR then", ...spans.map((m) => `+${m} mo`)];
  const perPlan = groups.filter((cohort) => cohort[0].cohort_plan !== ALL_PLANS);
  // the first cohort stands for every customer paying then only at the first snapshot; when no
  // customer paid there, every cohort is of customers who started paying in its month
  const first = rows.find((r) => Number(r.cohort_idx) === 0)?.cohort_as_of;
  const firstLine = first === undefined
    ? `No customer paid before as-of ${rows[0].cohort_as_of}.`
    : `The first cohort is every customer paying at the first snapshot (as-of ${first}), whenever it started.`;
  return [
    "## MRR cohorts by first paid month",
    "",
    `Customers (as in the bridge) by the first snapshot where they paid, and their recurring MRR at each later snapshot as a share of their MRR then (expansion, and customers back after a month at $0, included; new customers never join a cohort after its month). Amounts at each snapshot's FX rates. ${firstLine}`,
    "",
    markdownTable(
      header,
      groups.filter((cohort) => cohort[0].cohort_plan === ALL_PLANS).map(cells),
    ),
    "",
    ...toDateLine,
    ...(perPlan.length > 0
      ? [
        "Per plan the customers first paid on (a customer that changed plan since stays in its first plan's cohort):",
        "",
        markdownTable(
          ["plan", ...header],
          perPlan.map((cohort) => [cohort[0].cohort_plan as string, ...cells(cohort)]),
        ),
        "",
      ]
      : []),
  ];
}
