/**
 * aggregate.ts's per-snapshot totals: a snapshot's sums per plan and for the company, from the
 * plan (a category) and a few summed columns at a time, kept beside a stored snapshot
 * (sums_cache.ts).
 */
import pl from "nodejs-polars";
import { asOfKey } from "./periods.ts";
import { collectOf, type HistorySource, readFrom } from "./history_source.ts";
import { IN_MEMORY, isLazy, lazyOf } from "./lazy.ts";
import { cachedSums, type SnapshotSums, storeSums } from "./sums_cache.ts";
import { historyColumns, idxColumn, snapshotSumsByColumn } from "./bridge.ts";
import { withCustomerPlans } from "./customer_plan.ts";
import { planVersionsOf } from "./plan_versions.ts";

/**
 * Columns summed in one group-by. All at once (a narrow frame and its two group-bys) a million
 * organizations' snapshot peaked ~+90 MB over the step's start, three at a time ~+55 MB; one at
 * a time, five group-bys by plan took ~0.15 s more per snapshot for ~10 MB less.
 */
const SUMMED_TOGETHER = 3;

/** A snapshot's sums by idx and by (idx, plan); a stored snapshot's kept in its sidecar. */
export function snapshotSumsOf(point: HistorySource, idx: number): SnapshotSums {
  const cached = point.path && isLazy(point.frame)
    ? cachedSums(point.path, { idx, month: asOfKey(point.asOf) })
    : null;
  if (cached) return cached;
  const sums = computedSnapshotSums(point, idx);
  if (point.path && isLazy(point.frame)) {
    storeSums(point.path, { sums, from: readFrom(point) });
  }
  return sums;
}

/**
 * A snapshot's sums computed: the plan (a category) read once, the summed columns a few at a time
 * next to it, each batch read inside its group-by's query so that it is freed as the query ends.
 * Grouped by the in-memory engine, by the same keys as historyLong's group-bys, so the float sums
 * are added in the same order, to the bit (the streaming engine's group-by, or one by plan alone,
 * adds them in another).
 */
function computedSnapshotSums(point: HistorySource, idx: number): SnapshotSums {
  // each organization's plan its customer's by a join, not customerPlan's window (1.1 → 0.2 CPU-s
  // a million organizations): the same plans. Only the plans' read joins: a query's projection
  // keeps a join (it could change the rows), so the summed columns' reads would join again
  const frame = lazyOf(point.frame);
  const read = { columns: point.frame.columns, planVersions: planVersionsOf(point) };
  const plans = collectOf(
    point,
    withCustomerPlans(frame, read).select(pl.col("plan").cast(pl.Categorical)),
  ).withColumns(idxColumn(idx));
  const columns = frame.select(...historyColumns(read.columns, { ...read, plans: "own" }));
  const summed = snapshotSumsByColumn();
  let company: pl.DataFrame | undefined;
  let byPlan: pl.DataFrame | undefined;
  for (let start = 0; start < summed.length; start += SUMMED_TOGETHER) {
    const batch = summed.slice(start, start + SUMMED_TOGETHER);
    const keyed = pl.concat([plans.lazy(), columns.select(...batch.map(([name]) => name))], {
      how: "horizontal",
    });
    const sumsBy = (keys: string[]) =>
      collectOf(point, keyed.groupBy(keys).agg(...batch.flatMap(([, sums]) => sums)), IN_MEMORY);
    const companySums = sumsBy(["idx"]);
    const planSums = sumsBy(["idx", "plan"]);
    company = company?.join(companySums, { on: "idx" }) ?? companySums;
    byPlan = byPlan?.join(planSums, { on: ["idx", "plan"] }) ?? planSums;
  }
  return {
    rows: plans.height,
    company: company as pl.DataFrame,
    plans: (byPlan as pl.DataFrame).withColumns(
      pl.col("plan").cast(pl.Utf8),
      pl.lit(asOfKey(point.asOf)).alias("month"),
    ),
  };
}
