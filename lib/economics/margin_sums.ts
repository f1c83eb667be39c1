/**
 * The sums behind every company-wide and per-plan margin, one set of expressions for both, so a
 * plan's margin is the headline's over that plan's organizations and the per-plan `all` row is
 * the headline. Every organization whose revenue is known counts, its cost included, whether it
 * pays or not (a free organization's LLM cost is a cost of the plan), and so does the cost of an
 * organization whose revenue a sibling's row carries (revenue_source shared_customer) when that
 * revenue is known: its Stripe customer's (lib/revenue/shared_customers.ts). Window cost and PTB
 * revenue are on a 30-day basis (lib/frame/monthly.ts), as mrr is monthly.
 */
import pl from "nodejs-polars";
import { monthlyExpr } from "../frame/monthly.ts";
import { CUSTOMER_COLUMNS } from "../revenue/shared_customers.ts";

/**
 * Which organizations each margin counts. They read the customer columns of
 * lib/revenue/shared_customers.ts: add them (withCustomerColumns) before using these.
 */
export function marginConditions(): {
  /** spec basis revenue: mrr known */
  specRevenue: pl.Expr;
  /** spec basis cost: its customer's mrr known (its own, or on a sibling's row) */
  specCost: pl.Expr;
  /** company basis revenue: mrr and the PTB revenue it needs known */
  companyRevenue: pl.Expr;
  /** company basis cost: its customer's revenue known */
  companyCost: pl.Expr;
  /**
   * its customer's mrr known, PTB cost (or an unknown one), and its customer's PTB revenue not
   * read: the company margin is then not known
   */
  ptbRevenueUnknown: pl.Expr;
  /** of ptbRevenueUnknown, those whose own PTB cost is unknown: the readings say so */
  ptbCostUnknown: pl.Expr;
} {
  const mrrKnown = pl.col("mrr").isNotNull();
  const customerMrrKnown = pl.col(CUSTOMER_COLUMNS.mrrKnown);
  // the customer's PTB revenue is known, or not needed (none of its organizations had PTB cost):
  // as gross_margin_company_pct counts it. The column is null where PTB revenue was not read and
  // the PTB cost is unknown: not known to be unneeded, so unknown (a null condition would leave the
  // organization out of every sum, the margin read over the others, the unknown counts without it)
  const ptbKnown = pl.col(CUSTOMER_COLUMNS.ptbKnown).fillNull(false);
  const ptbRevenueUnknown = customerMrrKnown.and(ptbKnown.not())
    .and(pl.col("llm_cost_ptb_30d").cast(pl.Float64).gt(0).fillNull(true));
  return {
    specRevenue: mrrKnown,
    specCost: customerMrrKnown,
    companyRevenue: mrrKnown.and(ptbKnown),
    companyCost: customerMrrKnown.and(ptbKnown),
    ptbRevenueUnknown,
    ptbCostUnknown: ptbRevenueUnknown.and(pl.col("llm_cost_ptb_30d").isNull()),
  };
}

/**
 * Aggregations (for a select or a group-by): `_spec_revenue` Σ mrr, `_spec_cost` Σ llm_cost_30d,
 * `_company_revenue` Σ(mrr + ptb_revenue_30d), `_company_cost` Σ company_cost_30d, each over the
 * organizations its basis counts (marginConditions: the frame needs withCustomerColumns),
 * `_ptb_unknown` (ptbRevenueUnknown organizations), `_ptb_cost_unknown` (those of them whose PTB
 * cost is unknown), and `_spec_cost_unknown` /
 * `_company_cost_unknown`: the counted organizations whose cost is unknown (the cost sums leave
 * them out, so a margin over them is not known).
 */
export function marginSums({ windowDays }: { windowDays: number }): pl.Expr[] {
  const counted = marginConditions();
  const f64 = (name: string) => pl.col(name).cast(pl.Float64);
  const monthly = (name: string) => monthlyExpr(pl.col(name), windowDays);
  const sumWhere = (condition: pl.Expr, value: pl.Expr) =>
    pl.when(condition).then(value).otherwise(pl.lit(0)).sum();
  return [
    sumWhere(counted.specRevenue, f64("mrr")).alias("_spec_revenue"),
    sumWhere(counted.specCost, monthly("llm_cost_30d")).alias("_spec_cost"),
    sumWhere(counted.companyRevenue, f64("mrr").add(monthly("ptb_revenue_30d").fillNull(0)))
      .alias("_company_revenue"),
    sumWhere(counted.companyCost, monthly("company_cost_30d")).alias("_company_cost"),
    sumWhere(counted.ptbRevenueUnknown, pl.lit(1)).alias("_ptb_unknown"),
    sumWhere(counted.ptbCostUnknown, pl.lit(1)).alias("_ptb_cost_unknown"),
    // counted organizations whose cost is unknown (NaN or infinite from a query): the sum would
    // be a partial one, so the margin over it is unknown
    sumWhere(counted.specCost.and(pl.col("llm_cost_30d").isNull()), pl.lit(1))
      .alias("_spec_cost_unknown"),
    sumWhere(counted.companyCost.and(pl.col("company_cost_30d").isNull()), pl.lit(1))
      .alias("_company_cost_unknown"),
  ];
}

/** The spec-basis margin % of marginSums' columns; null where a counted cost is unknown. */
export function specMarginOfSums(): pl.Expr {
  const revenue = pl.col("_spec_revenue");
  return pl.when(revenue.gt(0).and(pl.col("_spec_cost_unknown").eq(0)))
    .then(revenue.sub(pl.col("_spec_cost")).div(revenue).mul(100))
    .otherwise(pl.lit(null));
}

/**
 * The company-basis gross profit of marginSums' columns, USD per month: `_company_revenue` −
 * `_company_cost`, the numerator of companyMarginOfSums (which divides this very expression). Null
 * where PTB revenue was not read and a counted organization had PTB cost (`_ptb_unknown`), or a
 * counted organization's company cost is unknown (`_company_cost_unknown`), as the margin; unlike
 * the margin it is known where the revenue is 0: what a plan charging nothing costs.
 */
export function companyProfitOfSums(): pl.Expr {
  return pl.when(pl.col("_ptb_unknown").eq(0).and(pl.col("_company_cost_unknown").eq(0)))
    .then(pl.col("_company_revenue").sub(pl.col("_company_cost")))
    .otherwise(pl.lit(null));
}

/**
 * The company-basis margin % of marginSums' columns: companyProfitOfSums over the revenue; null
 * where that is (PTB revenue not read and a counted organization had PTB cost), or where the
 * revenue is not positive.
 */
export function companyMarginOfSums(): pl.Expr {
  const revenue = pl.col("_company_revenue");
  return pl.when(revenue.gt(0))
    .then(companyProfitOfSums().div(revenue).mul(100))
    .otherwise(pl.lit(null));
}

/** (revenue − cost) / revenue × 100; null when revenue is not positive. */
export function marginPct(revenue: number, cost: number): number | null {
  return revenue > 0 ? (revenue - cost) / revenue * 100 : null;
}
