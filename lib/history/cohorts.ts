/**
 * MRR cohorts by first paid month (docs/history.md, "Revenue retention"): the customers (the
 * bridge's: a Stripe customer's organizations summed) grouped by the first snapshot where they
 * paid, and each cohort's MRR at every later snapshot as a share of its MRR then. Written by
 * `deno task history report` only (each snapshot's paying customers read once more): an export's
 * brief does not hold it.
 */
import pl from "nodejs-polars";
import { CUSTOMER } from "./bridge_keys.ts";
import type { HistorySource } from "./history_source.ts";
import { payingCustomers } from "./retention_period.ts";
import { asOfKey, asOfMonthIndex, snapshotPeriod } from "./periods.ts";
import { centsToUsd, formatCents, percentOfSums, type Row } from "./report_cells.ts";
import { markdownTable } from "../formats/markdown.ts";
import { formatCount, formatPct } from "../report/numbers.ts";

/** Two hashes of the customer key, 128 bits (as aggregate.ts joins customers): no string held. */
const KEYS = ["key_1", "key_2"];
const keyed = () =>
  KEYS.map((name, i) => pl.col(CUSTOMER).hash(...[[1, 2, 3, 4], [5, 6, 7, 8]][i]).alias(name));

/**
 * Per (cohort, snapshot at or after it): cohort_idx, idx, months_since, customers paying and
 * their MRR (cents, as each snapshot holds it: USD at its own FX rates), and the cohort's at its
 * first snapshot. `points` oldest first (one per month, with revenue).
 */
export function cohortsOf(points: HistorySource[]): pl.DataFrame {
  const paying = pl.concat(
    points.map((point, idx) =>
      payingCustomers(point, { own: point.fxRates })
        .filter(pl.col(CUSTOMER).isNotNull().and(pl.col("cents").gt(0)))
        .select(...keyed(), pl.col("cents"), pl.lit(idx).cast(pl.Int32).alias("idx"))
    ),
    { how: "vertical" },
  );
  const first = paying.groupBy(KEYS).agg(pl.col("idx").min().alias("cohort_idx"));
  const sums = paying.join(first, { on: KEYS })
    .groupBy(["cohort_idx", "idx"])
    .agg(
      pl.len().cast(pl.Int64).alias("paying_customers"),
      pl.col("cents").sum().cast(pl.Int64).alias("mrr_cents"),
    );
  const base = sums.filter(pl.col("idx").eq(pl.col("cohort_idx"))).select(
    "cohort_idx",
    pl.col("paying_customers").alias("cohort_customers"),
    pl.col("mrr_cents").alias("cohort_mrr_cents"),
  );
  const months = points.map((p) => asOfMonthIndex(p.asOf));
  const since = pl.DataFrame([
    pl.Series("idx", months.map((_, i) => i), pl.Int32),
    pl.Series("month_index", months, pl.Int32),
  ]);
  return sums.join(base, { on: "cohort_idx" })
    .join(since, { on: "idx" })
    .join(since.rename({ idx: "cohort_idx", month_index: "cohort_month_index" }), {
      on: "cohort_idx",
    })
    .withColumns(pl.col("month_index").sub(pl.col("cohort_month_index")).alias("months_since"))
    .select(
      "cohort_idx",
      "idx",
      "months_since",
      "cohort_customers",
      "cohort_mrr_cents",
      "paying_customers",
      "mrr_cents",
    )
    .sort(["cohort_idx", "idx"]);
}

/** The cohorts CSV (`…_cohorts.csv`): a row per cohort and snapshot, amounts in USD. */
export function cohortTable(cohorts: pl.DataFrame, points: HistorySource[]): pl.DataFrame {
  const periods = points.map((p) => snapshotPeriod(p.asOf));
  // each snapshot's month and as-of, by its idx (the key column's name)
  const of = (key: string, [month, asOf]: [string, string]) =>
    pl.DataFrame([
      pl.Series(key, periods.map((_, i) => i), pl.Int32),
      pl.Series(month, periods.map((p) => p.month), pl.Utf8),
      pl.Series(asOf, periods.map((p) => p.asOf), pl.Utf8),
    ]);
  return cohorts
    .join(of("cohort_idx", ["cohort", "cohort_as_of"]), { on: "cohort_idx" })
    .join(of("idx", ["month", "as_of"]), { on: "idx" })
    .sort(["cohort_idx", "idx"])
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
      percentOfSums("mrr_cents", "cohort_mrr_cents", "mrr_retained_pct"),
      percentOfSums("paying_customers", "cohort_customers", "customers_retained_pct"),
    );
}

/** The report's cohort section: a row per cohort, a column per snapshot since its first. */
export function cohortMarkdown(cohorts: pl.DataFrame, points: HistorySource[]): string[] {
  const rows = cohorts.toRecords() as Row[];
  if (rows.length === 0) return [];
  const spans = [...new Set(rows.map((r) => Number(r.months_since)))].sort((a, b) => a - b);
  const byCohort = new Map<number, Row[]>();
  for (const row of rows) {
    const idx = Number(row.cohort_idx);
    byCohort.set(idx, [...(byCohort.get(idx) ?? []), row]);
  }
  const first = asOfKey(points[0].asOf);
  return [
    "## MRR cohorts by first paid month",
    "",
    `Customers (as in the bridge) by the first snapshot where they paid, and their recurring MRR at each later snapshot as a share of their MRR then (expansion, and customers back after a month at $0, included; new customers never join a cohort after its month). Amounts at each snapshot's FX rates. The first cohort is every customer paying at the first snapshot (as-of ${first}), whenever it started.`,
    "",
    markdownTable(
      ["first paid", "customers", "MRR then", ...spans.map((m) => `+${m} mo`)],
      [...byCohort.values()].map((cohort) => {
        const at = new Map(cohort.map((r) => [Number(r.months_since), r]));
        const head = cohort[0];
        const period = snapshotPeriod(points[Number(head.cohort_idx)].asOf);
        const start = Number(head.cohort_mrr_cents);
        return [
          Number(head.cohort_idx) === 0 ? `${period.label} or before` : period.label,
          formatCount(Number(head.cohort_customers)),
          formatCents(start),
          ...spans.map((m) => {
            const row = at.get(m);
            return row && start > 0 ? formatPct(Number(row.mrr_cents) * 100 / start) : "";
          }),
        ];
      }),
    ),
    "",
  ];
}
