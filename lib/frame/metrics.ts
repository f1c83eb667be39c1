/**
 * The metrics stage: ratio columns. A ratio whose denominator is 0 or missing is null (an empty
 * cell), never Infinity or NaN.
 */
import pl from "nodejs-polars";

function ratio(numerator: string, denominator: string, scale = 1): pl.Expr {
  const value = pl.col(numerator).cast(pl.Float64).div(pl.col(denominator).cast(pl.Float64));
  return pl.when(pl.col(denominator).gt(0).and(pl.col(numerator).isNotNull()))
    .then(scale === 1 ? value : value.mul(scale))
    .otherwise(pl.lit(null));
}

export function addMetricColumns(frame: pl.DataFrame): pl.DataFrame {
  return frame.withColumns(
    ratio("llm_cost_30d", "seats").alias("cost_per_seat"),
    ratio("mrr", "seats").alias("revenue_per_seat"),
    ratio("llm_cost_30d", "requests_30d").alias("cost_per_request"),
    ratio("mrr", "requests_30d").alias("revenue_per_request"),
    pl.when(pl.col("mrr").gt(0))
      .then(pl.col("mrr").sub(pl.col("llm_cost_30d")).div(pl.col("mrr")).mul(100))
      .otherwise(pl.lit(null))
      .alias("gross_margin_pct"),
    ratio("active_users_30d", "seats", 100).alias("seat_utilization_pct"),
    ratio("llm_cost_ptb_30d", "llm_cost_30d", 100).alias("ptb_cost_share_pct"),
  );
}
