/**
 * Retention over a span of months (docs/history.md, "Revenue retention"): the customers paying at
 * the span's first snapshot, their MRR then and at its last snapshot, compared customer by
 * customer. It ends at the last month end (a newest snapshot that is a month to date is left out);
 * trailing 12 months when a month end stands 12 months before it; else from the oldest snapshot
 * within them (over the months stored), or the one before the end when none is. The bridge's keys
 * (bridge_keys.ts: a Stripe customer's organizations summed) and FX view (bridge_fx.ts: the end valued at the start
 * snapshot's rates), from the per-customer frames the bridge makes of the two snapshots
 * (aggregate.ts keeps the start's): reading both once more cost ~0.17 CPU-s an export at 100,000
 * organizations.
 */
import pl from "nodejs-polars";
import { endAtStartRate, fxColumns, type FxRates } from "./bridge_fx.ts";
import type { HistorySource } from "./history_source.ts";
import { ALL_PLANS, planLabel } from "./plan_label.ts";
import { asOfKey, asOfMonthIndex, snapshotPeriod } from "./periods.ts";

/** The span a period's retention covers: as-of keys of its first and last snapshots. */
export interface RetentionSpan {
  fromAsOf: string;
  toAsOf: string;
  /** months between the months the two snapshots stand for (periods.ts monthBefore) */
  months: number;
  /** the last snapshot is a month to date (not the 1st at 00:00 UTC): its month is not whole */
  monthToDate: boolean;
  /** both snapshots are month ends, 12 months apart */
  trailing12: boolean;
  /** the month ends (1st, 00:00 UTC) after the first snapshot up to the last, stored or not */
  monthEnds: number;
  /** the as-of keys of those not stored: the span's months are counted by calendar */
  missingMonthEnds: string[];
  /**
   * as-of keys of the snapshots the span would have started at, where no customer paid (from
   * before the first payment): it starts at the first one after them where a customer paid
   */
  unpaid: string[];
}

/**
 * Per plan at the start ("(all)": the company): start_cents, retained/kept, start/lost customers,
 * and of their expansion (retained − kept) how many customers and the largest one's cents.
 */
export interface PeriodRetention {
  span: RetentionSpan;
  rows: pl.DataFrame;
}

/** The columns of a retention row (retention.ts RETENTION_SUM_COLUMNS), the plan first. */
const order = [
  "plan",
  "start_cents",
  "retained_cents",
  "kept_cents",
  "start_customers",
  "lost_customers",
  "expansion_customers",
  "largest_expansion_cents",
];

/** The 1sts at 00:00 UTC after `from`, up to `to`. */
function monthEndsBetween(from: Date, to: Date): Date[] {
  const ends: Date[] = [];
  let next = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
  while (next.getTime() <= to.getTime()) {
    ends.push(next);
    next = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 1));
  }
  return ends;
}

/**
 * The index of the period's end among `points` (oldest first, at least two): the last month end
 * (a snapshot at 00:00 UTC of a 1st) after the first snapshot, when the newest is a month to date
 * (an export as-of now), since finance reads the trailing 12 months to the last closed month; the
 * newest when it is a month end, or when no month end follows the first.
 */
export function retentionEndIdx(points: HistorySource[]): number {
  for (let idx = points.length - 1; idx >= 1; idx--) {
    if (!snapshotPeriod(points[idx].asOf).monthToDate) return idx;
  }
  return points.length - 1;
}

/**
 * The first and last snapshot of the span: the end (retentionEndIdx), and the oldest before it
 * within 12 months (the one 12 months before, when stored; the one just before it when none is
 * within them), or `startIdx`, a later one, when no customer paid at those before it (the bridge
 * knows: aggregate.ts). `points` oldest first, at least two.
 */
export function retentionSpanOf<T extends HistorySource>(
  points: T[],
  startIdx?: number,
): { start: T; end: T; span: RetentionSpan } {
  const endIdx = retentionEndIdx(points);
  const end = points[endIdx];
  const last = asOfMonthIndex(end.asOf);
  // a snapshot before the end: with none within the 12 months, the one just before (over the
  // months since it), never the end compared with itself
  const first = points.slice(0, endIdx).find((p) => last - asOfMonthIndex(p.asOf) <= 12) ??
    points[endIdx - 1];
  const firstIdx = points.indexOf(first);
  const start = startIdx !== undefined && startIdx > firstIdx && startIdx < endIdx
    ? points[startIdx]
    : first;
  const unpaid = points.slice(firstIdx, points.indexOf(start)).map((p) => asOfKey(p.asOf));
  const months = last - asOfMonthIndex(start.asOf);
  const monthToDate = snapshotPeriod(end.asOf).monthToDate;
  const stored = new Set(points.map((p) => p.asOf.getTime()));
  const monthEnds = monthEndsBetween(start.asOf, end.asOf);
  return {
    start,
    end,
    span: {
      fromAsOf: asOfKey(start.asOf),
      toAsOf: asOfKey(end.asOf),
      months,
      monthToDate,
      // Jan 1 → Dec 6 is not twelve months: from the month end before to a month to date; nor
      // Nov 20 → Dec 1 a year later: the trailing 12 months start at a month end
      trailing12: months === 12 && !monthToDate && !snapshotPeriod(start.asOf).monthToDate,
      monthEnds: monthEnds.length,
      missingMonthEnds: monthEnds.filter((d) => !stored.has(d.getTime())).map(asOfKey),
      unpaid,
    },
  };
}

/** The index of the period's start snapshot among `points` (retentionSpanOf; at least two). */
export function retentionStartIdx(points: HistorySource[]): number {
  return points.indexOf(retentionSpanOf(points).start);
}

/**
 * The period's start side as the bridge keeps it (aggregate.ts): of the start snapshot's paying or
 * paused customers (perCustomer's, keyed by `on`), those paying, with their plan, cents and currency.
 */
export function periodStartOf(payingOrPaused: pl.DataFrame, on: string[]): pl.DataFrame {
  return payingOrPaused.lazy().filter(pl.col("cents").gt(0).and(pl.col(on[0]).isNotNull()))
    .select(...on, pl.col("plan").cast(pl.Utf8), "cents", "currency").collectSync();
}

/**
 * The period's retention (retentionSpanOf), the company's row first, then each start plan's, from
 * the bridge's own per-customer frames (aggregate.ts): `start` (periodStartOf) and the end
 * snapshot's paying or paused customers (its cents, currency and FX rate at its own rates), both
 * keyed by `on`; startRates: the start snapshot's FX rates, which value each end.
 */
export function periodRetention(
  { span, start, end, on, startRates }: {
    span: RetentionSpan;
    start: pl.DataFrame;
    end: pl.DataFrame;
    on: string[];
    startRates?: FxRates;
  },
): PeriodRetention {
  const atStart = start.lazy().select(
    ...on,
    pl.col("plan").alias("plan_s"),
    pl.col("cents").alias("s"),
    pl.col("currency").alias("cur_s"),
  );
  // the end's currency valued at the start's rates beside its own: its end at the start's rates
  const atEnd = end.lazy().filter(pl.col(on[0]).isNotNull()).select(
    ...on,
    pl.col("cents").alias("e"),
    pl.col("currency").alias("cur_e"),
    fxColumns(["currency"], { previous: startRates })[2].alias("rate_s"),
    pl.col("fx_rate_e").alias("rate_e"),
  );
  const joined = atStart.join(atEnd, { on, how: "left" })
    .withColumns(pl.col("e").fillNull(0).cast(pl.Int64).alias("e"))
    .withColumns(endAtStartRate())
    .select(
      "plan_s",
      "s",
      pl.col("e_fx").alias("retained"),
      pl.when(pl.col("e_fx").lt(pl.col("s"))).then(pl.col("e_fx")).otherwise(pl.col("s"))
        .cast(pl.Int64).alias("kept"),
      pl.col("e").eq(0).alias("lost"),
    )
    .withColumns(pl.col("retained").sub(pl.col("s")).alias("expansion"));
  const sums = [
    pl.col("s").sum().cast(pl.Int64).alias("start_cents"),
    pl.col("retained").sum().cast(pl.Int64).alias("retained_cents"),
    pl.col("kept").sum().cast(pl.Int64).alias("kept_cents"),
    pl.len().cast(pl.Int64).alias("start_customers"),
    pl.col("lost").cast(pl.Int64).sum().cast(pl.Int64).alias("lost_customers"),
    // whether a few customers make NRR: one upgrade can carry a whole period's expansion
    pl.col("expansion").gt(0).cast(pl.Int64).sum().cast(pl.Int64).alias("expansion_customers"),
    pl.when(pl.col("expansion").gt(0)).then(pl.col("expansion")).otherwise(pl.lit(0)).max()
      .cast(pl.Int64).alias("largest_expansion_cents"),
  ];
  const company = joined.select(...sums).withColumns(pl.lit(ALL_PLANS).alias("plan"));
  const plans = joined.groupBy("plan_s").agg(...sums)
    .select(planLabel(pl.col("plan_s")).alias("plan"), pl.exclude("plan_s")).sort("plan");
  return {
    span,
    rows: pl.concat([company.select(...order), plans.select(...order)], { how: "vertical" })
      .collectSync(),
  };
}
