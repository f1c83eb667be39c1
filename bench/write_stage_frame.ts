/**
 * The frame the write-stage benchmarks write: the demo export stacked, numbers jittered, then
 * put through the kit's own metrics stage, so every ratio, margin and economics column and every
 * warning is the stacked frame's (as an export of that many organizations would have them), not
 * the 400-row demo's.
 */
import pl from "nodejs-polars";
import { loadPricingData, type PricingData } from "../lib/export.ts";
import { metricsStage, pricingData } from "../lib/pipeline/mod.ts";
import { COLUMNS } from "../lib/frame/columns.ts";
import {
  RECURRING_MINOR,
  shareRecurringMinor,
  SIBLING_CARRIED_NUMBERS,
  withRecurringMinor,
} from "../lib/revenue/columns.ts";
import type { RevenueResult } from "../lib/revenue/types.ts";

/** The demo stacked before its metrics stage, and what that stage and its data need. */
export interface StackedRevenueFrame {
  /** the revenue stage's frame (before the metrics stage) stacked, numbers jittered */
  frame: pl.DataFrame;
  /** the demo export's data (its window, cost model, price book, query stats…) */
  demo: PricingData;
  /** the demo's revenue, its customers those of the stacked ids when they were made unique */
  revenue: RevenueResult;
  /** the join's and the revenue stage's warnings (the demo's: those stages are not re-run) */
  stageWarnings: { joined: string[]; withRevenue: string[] };
  /**
   * `frame`'s mrr_recurring_minor, as an export's revenue stage hands it on to the metrics
   * stage's frame (lib/export.ts shareRecurringMinor): without it the history stage joined the
   * customers again for the snapshot, which an export skips (0.15–0.2 CPU-s at 1M)
   */
  recurringMinor: pl.Series;
}

export interface StackOptions {
  /** organization and customer ids made unique (a row index appended), as a real export's are */
  uniqueIds?: boolean;
  /** share a Stripe customer between pairs of organizations of a tier, this percent of them */
  sharedPct?: number;
}

/**
 * The demo's revenue-stage frame stacked to `rows` rows, its number columns jittered per row (a
 * row's money columns by one factor, so mrr stays the sum of its parts); the metric and economics
 * columns are left to withMetrics.
 */
export async function stackedRevenueFrame(
  rows: number,
  { uniqueIds = false, sharedPct = 0 }: StackOptions = {},
): Promise<StackedRevenueFrame> {
  let revenueFrame: pl.DataFrame | undefined;
  const stageWarnings = { joined: [] as string[], withRevenue: [] as string[] };
  const demo = await loadPricingData({
    demo: true,
    asOf: new Date("2026-11-01T00:00:00Z"),
    env: {},
    log: () => {},
    onStage: (stage) => {
      if (stage.stage === "join") stageWarnings.joined = stage.warnings;
      if (stage.stage === "revenue") {
        revenueFrame = stage.frame;
        // revenue.warnings are the RevenueResult's own (kept in `revenue`)
        stageWarnings.withRevenue = stage.warnings.slice(stage.revenue.warnings.length);
      }
    },
  });
  // doubling, rechunked: 2,500 stacked chunks of 400 rows held ~19 GB at 1M rows
  let stacked = revenueFrame!;
  while (stacked.height < rows) {
    stacked = pl.concat([stacked, stacked], { rechunk: true, how: "vertical" });
  }
  stacked = stacked.head(rows).rechunk();
  const factors = Float64Array.from({ length: rows }, (_, i) => 1 + (i % 9973) / 1e5);
  const numbers = COLUMNS.filter((c) => c.type === "number" && stacked.columns.includes(c.name));
  let frame = stacked.withColumns(pl.Series("__jitter", factors)).withColumns(
    ...numbers.map((c) => pl.col(c.name).mul(pl.col("__jitter")).alias(c.name)),
  ).drop("__jitter");
  if (uniqueIds) frame = sharedPairs(withUniqueIds(frame), sharedPct).drop("__row");
  const revenue = uniqueIds ? stackedRevenue(demo.revenue, frame) : demo.revenue;
  // untimed here, as an export's revenue stage works it out before its metrics stage
  const recurringMinor = withRecurringMinor(frame, revenue).getColumn(RECURRING_MINOR);
  return { frame, demo, revenue, stageWarnings, recurringMinor };
}

/**
 * The stacked frame through the export's metrics stage (lib/pipeline/metrics_stage.ts) and its
 * data as the export gathers it (lib/pipeline/pricing_data.ts): the frame in the column table's
 * order, the economics warnings worked out on it. A new frame object each call, its PTB timing
 * plans worked out as the metrics stage does (what is kept per frame object is not reused).
 */
export async function withMetrics(stacked: StackedRevenueFrame): Promise<PricingData> {
  const { demo, revenue } = stacked;
  const stages: Record<string, number> = {};
  const metrics = await metricsStage(stacked.frame, {
    costModel: demo.economics.costModel,
    priceBook: demo.economics.priceBook,
    revenue,
    windowDays: demo.windowDays,
    timed: (_name, work) => Promise.resolve(work()),
  });
  // as lib/export.ts does: the history stage reads the revenue stage's column, no second join
  shareRecurringMinor(
    { frame: stacked.frame, warnings: [], recurringMinor: stacked.recurringMinor },
    metrics.frame,
  );
  return pricingData({
    window: demo.window,
    demo: demo.demo,
    demoReason: demo.demoReason,
    queries: { stats: demo.queries },
    joined: { warnings: stacked.stageWarnings.joined },
    revenue,
    withRevenue: { warnings: stacked.stageWarnings.withRevenue },
    metrics,
    stages,
  });
}

/** The demo export frame stacked to `rows` rows, numbers jittered per row, metrics redone. */
export async function stackedFrame(rows: number): Promise<pl.DataFrame> {
  return (await withMetrics(await stackedRevenueFrame(rows))).frame;
}

/**
 * The export data of month `month` of bench/history_stored_months.ts's stored months (0: twelve
 * months before the run's as-of, 12: the run's own): the stacked demo with unique ids through the
 * metrics stage, its MRR varied per month so that the bridge has movements, dated `asOf`.
 */
export async function storedMonthData(
  rows: number,
  { asOf, month }: { asOf: Date; month: number },
): Promise<PricingData> {
  const data = await withMetrics(await stackedRevenueFrame(rows, { uniqueIds: true }));
  data.frame = monthFrame(data.frame, month);
  // the snapshot is named and dated by the data's window (the stacked demo's is 2026-11-01)
  data.asOf = asOf;
  data.window = {
    ...data.window,
    start: new Date(asOf.getTime() - data.window.days * 86_400_000),
    end: asOf,
  };
  return data;
}

/** The frame of month `m` (0: 12 months before the run's as-of): MRR varied per organization. */
function monthFrame(frame: pl.DataFrame, m: number): pl.DataFrame {
  const i = pl.col("__i");
  const mrr = pl.col("mrr_recurring");
  return frame.withRowIndex("__i").withColumns(
    pl.when(i.mul(7).add(m * 3).modulo(40).eq(0)).then(pl.lit(0).cast(pl.Float64))
      .when(i.modulo(12).eq(m)).then(mrr.mul(1.25))
      .otherwise(mrr).alias("mrr_recurring"),
  ).drop("__i");
}

/**
 * stackedFrame with each organization id and each customer id made unique, as a real export's
 * are: customer joins find one organization per customer.
 */
export async function uniqueStackedFrame(rows: number): Promise<pl.DataFrame> {
  return (await withMetrics(await stackedRevenueFrame(rows, { uniqueIds: true }))).frame;
}

/** Each org_id and stripe_customer_id with the row index appended; `__row` holds that index. */
export function withUniqueIds(frame: pl.DataFrame): pl.DataFrame {
  const index = pl.Series("__row", Array.from({ length: frame.height }, (_, i) => i), pl.Int64);
  const row = pl.col("__row").cast(pl.Utf8);
  return frame.withColumns(index).withColumns(
    pl.concatString([pl.col("org_id"), row], "-").alias("org_id"),
    pl.when(pl.col("stripe_customer_id").isNull()).then(pl.lit(null).cast(pl.Utf8))
      .otherwise(pl.concatString([pl.col("stripe_customer_id"), row], "_"))
      .alias("stripe_customer_id"),
  );
}

/**
 * `pct` percent of the organizations in pairs sharing a Stripe customer, each pair of one tier
 * and tier_raw (so of one price-book plan, as organizations on one subscription are): of a
 * tier's rows in order, positions 2k and 2k+1 (k the first pair of every 100 / pct rows) pair up;
 * the first carries the revenue (revenue_source demo), the second reads shared_customer with its
 * money columns and ptb_revenue_30d empty, as attachRevenue has it.
 */
function sharedPairs(frame: pl.DataFrame, pct: number): pl.DataFrame {
  if (!(pct > 0)) return frame;
  const every = Math.max(2, Math.round(200 / pct)); // rows per pair, so 2 / every = pct %
  const at = pl.col("__at");
  const inPair = at.modulo(every).lt(2);
  const second = at.modulo(every).eq(1);
  const pair = pl.concatString([
    pl.lit("cus_pair"),
    pl.col("tier").cast(pl.Utf8).fillNull(pl.lit("")),
    pl.col("tier_raw").cast(pl.Utf8).fillNull(pl.lit("")),
    at.sub(at.modulo(every)).cast(pl.Utf8),
  ], "_");
  // a row's position among its tier's rows (0, 1, …), in row order
  const position = pl.col("__row").rank("ordinal").over("tier", "tier_raw").cast(pl.Int64)
    .sub(1);
  return frame.withColumns(position.alias("__at")).withColumns(
    pl.when(inPair).then(pair).otherwise(pl.col("stripe_customer_id")).alias("stripe_customer_id"),
    pl.when(second).then(pl.lit("shared_customer"))
      .when(inPair).then(pl.lit("demo")).otherwise(pl.col("revenue_source"))
      .alias("revenue_source"),
    ...SIBLING_CARRIED_NUMBERS.map((name) =>
      pl.when(second).then(pl.lit(null).cast(pl.Float64)).otherwise(pl.col(name)).alias(name)
    ),
  ).drop("__at");
}

/**
 * The demo's revenue with a customer per stacked customer id that carries revenue (the stacked
 * ids match none of the demo's), as a 1M export's revenue stage hands them on: the history
 * stage's join for the snapshot's mrr_recurring_minor (lib/revenue/columns.ts withRecurringMinor)
 * then finds its customers, as in an export. Its other fields stay the demo's customers' (unread
 * after the revenue stage).
 */
function stackedRevenue(revenue: RevenueResult, frame: pl.DataFrame): RevenueResult {
  const carrying = frame.filter(
    pl.col("stripe_customer_id").isNotNull().and(
      pl.col("revenue_source").neq(pl.lit("shared_customer")),
    ),
  );
  return {
    ...revenue,
    customers: carrying.select(
      pl.col("stripe_customer_id").alias("customerId"),
      pl.col("mrr_recurring").mul(100).round(0).alias("mrrRecurringMinor"),
      pl.col("ptb_revenue_30d").alias("ptbRevenueUsd30d"),
    ),
  };
}
