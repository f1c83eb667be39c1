/**
 * The snapshots' own totals beside the bridge (bridge.ts): per snapshot, and per plan, its ending
 * MRR in cents, paying organizations (recurring MRR > 0), recurring MRR ÷ paying organizations,
 * requests, LLM costs and the MRR margin after PTB LLM cost.
 */
import pl from "nodejs-polars";

/**
 * snapshotTotals' figures in the order the bridges and the report's table show them, after the
 * customer counts: paying organizations, ARPA, requests and LLM costs.
 */
export const TOTALS_FIGURES = [
  "paying_orgs",
  "mrr_recurring_per_paying_org_usd",
  "requests",
  "llm_cost_usd",
  "llm_cost_ptb_usd",
];

/**
 * Per snapshot (and plan), the organizations whose LLM cost, or PTB LLM cost, is unknown (empty:
 * a query's NaN or infinite cost, or an imported file's empty cell): llm_cost_usd and llm_cost_ptb_usd are partial sums
 * without them, and the margin after PTB LLM cost is unknown (null) while any PTB cost is.
 */
export const COST_UNKNOWN_COLUMNS = ["llm_cost_unknown", "llm_cost_ptb_unknown"];

/** Paying organizations, ARPA, requests, LLM cost and margins per idx (and per plan when given). */
export function snapshotTotals(long: pl.DataFrame, keys: string[]): pl.DataFrame {
  return totalsRatios(snapshotSums(long, keys));
}

/**
 * snapshotSums' aggregations by the column each reads, in output order: end cents, paying
 * organizations, MRR, requests and LLM costs. Each reads one column, so the sums can be taken a
 * few columns at a time (aggregate.ts), with the same result.
 */
export function snapshotSumsByColumn(): [string, pl.Expr[]][] {
  return [
    ["cents", [
      pl.col("cents").sum().cast(pl.Int64).alias("end_cents"),
      pl.col("cents").gt(0).cast(pl.Int64).sum().alias("paying_orgs"),
    ]],
    ["mrr", [pl.col("mrr").sum().alias("mrr_usd")]],
    ["requests", [pl.col("requests").sum().alias("requests")]],
    // a sum over the known costs, and how many organizations' are unknown (not in it)
    ["llm_cost", [
      pl.col("llm_cost").sum().alias("llm_cost_usd"),
      pl.col("llm_cost").isNull().cast(pl.Int64).sum().alias("llm_cost_unknown"),
    ]],
    ["llm_cost_ptb", [
      pl.col("llm_cost_ptb").sum().alias("llm_cost_ptb_usd"),
      pl.col("llm_cost_ptb").isNull().cast(pl.Int64).sum().alias("llm_cost_ptb_unknown"),
    ]],
  ];
}

/** snapshotTotals' sums: end cents, paying organizations, MRR, requests and LLM costs. */
export function snapshotSums(long: pl.DataFrame, keys: string[]): pl.DataFrame {
  return long.groupBy(keys).agg(...snapshotSumsByColumn().flatMap(([, sums]) => sums));
}

/**
 * snapshotTotals' ARPA and margin from its sums. Give it all snapshots' sums in one chunk: Polars
 * divides a chunk by a constant as a multiplication by its inverse, a one-row chunk exactly, so
 * a snapshot's row on its own can differ from the long frame's in the last bit.
 */
export function totalsRatios(sums: pl.DataFrame): pl.DataFrame {
  return sums.withColumns(
    pl.when(pl.col("paying_orgs").gt(0))
      .then(pl.col("end_cents").cast(pl.Float64).div(pl.col("paying_orgs")).div(100))
      .otherwise(pl.lit(null)).alias("mrr_recurring_per_paying_org_usd"),
    pl.when(pl.col("mrr_usd").gt(0).and(pl.col("llm_cost_ptb_unknown").eq(0)))
      .then(pl.col("mrr_usd").sub(pl.col("llm_cost_ptb_usd")).div(pl.col("mrr_usd")).mul(100))
      .otherwise(pl.lit(null)).alias("mrr_margin_after_ptb_llm_pct"),
  );
}
