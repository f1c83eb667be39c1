/**
 * The metrics stage: ratio columns. A ratio whose denominator is 0 or missing is null (an empty
 * cell), never Infinity or NaN. mrr is monthly: set against window usage, the usage is on a 30-day
 * basis (lib/frame/monthly.ts); ratios of two window figures are not scaled.
 */
import pl from "nodejs-polars";
import { monthlyExpr } from "./monthly.ts";

export interface MetricOptions {
  /** the export window's days: usage set against mrr is scaled to 30 days */
  windowDays: number;
}

function ratio(
  numerator: pl.Expr,
  denominator: pl.Expr,
  { scale = 1 }: { scale?: number } = {},
): pl.Expr {
  const value = numerator.cast(pl.Float64).div(denominator.cast(pl.Float64));
  return pl.when(denominator.gt(0).and(numerator.isNotNull()))
    .then(scale === 1 ? value : value.mul(scale))
    .otherwise(pl.lit(null));
}

/**
 * A margin in percent, (revenue − cost) / revenue × 100, empty where revenue is not positive: the
 * spec's gross_margin_pct, the company-basis one, and a shared customer's recomputed from its sums.
 */
export function marginPctExpr(revenue: pl.Expr, cost: pl.Expr): pl.Expr {
  return pl.when(revenue.gt(0))
    .then(revenue.sub(cost).div(revenue).mul(100))
    .otherwise(pl.lit(null));
}

export function addMetricColumns(frame: pl.DataFrame, options: MetricOptions): pl.DataFrame {
  const col = (name: string) => pl.col(name);
  const monthly = (name: string) => monthlyExpr(pl.col(name), options.windowDays);
  return frame.withColumns(
    ratio(col("llm_cost_30d"), col("seats")).alias("cost_per_seat"),
    ratio(col("mrr"), col("seats")).alias("revenue_per_seat"),
    ratio(col("llm_cost_30d"), col("requests_30d")).alias("cost_per_request"),
    ratio(col("mrr"), monthly("requests_30d")).alias("revenue_per_request"),
    marginPctExpr(pl.col("mrr"), monthly("llm_cost_30d")).alias("gross_margin_pct"),
    ratio(col("active_users_30d"), col("seats"), { scale: 100 }).alias("seat_utilization_pct"),
    ratio(col("llm_cost_ptb_30d"), col("llm_cost_30d"), { scale: 100 }).alias("ptb_cost_share_pct"),
  );
}
