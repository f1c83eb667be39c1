/**
 * The sums behind every company-wide and per-plan margin, one set of expressions for both, so a
 * plan's margin is the headline's over that plan's organizations and the per-plan `all` row is
 * the headline. Every organization whose revenue is known counts, its cost included, whether it
 * pays or not (a free organization's LLM cost is a cost of the plan), and so does the cost of an
 * organization whose revenue a sibling's row carries (revenue_source shared_customer). Window cost
 * and PTB revenue are on a 30-day basis (lib/frame/monthly.ts), as mrr is monthly.
 */
import pl from "nodejs-polars";
import { monthlyExpr } from "../frame/monthly.ts";

/** Which organizations each margin counts (onSibling: revenueOnSibling of the frame). */
export function marginConditions(onSibling: pl.Expr): {
  /** spec basis revenue: mrr known */
  specRevenue: pl.Expr;
  /** spec basis cost: mrr known, or carried by a sibling */
  specCost: pl.Expr;
  /** company basis revenue: mrr and the PTB revenue it needs known */
  companyRevenue: pl.Expr;
  /** company basis cost: the revenue known, or carried by a sibling */
  companyCost: pl.Expr;
  /** known mrr with PTB cost but PTB revenue not read: the company margin is then not known */
  ptbRevenueUnknown: pl.Expr;
} {
  const mrrKnown = pl.col("mrr").isNotNull();
  // PTB revenue is known, or not needed (no PTB cost): as gross_margin_company_pct counts it
  const ptbKnown = pl.col("ptb_revenue_30d").isNotNull().or(pl.col("llm_cost_ptb_30d").eq(0));
  const revenueKnown = mrrKnown.and(ptbKnown);
  return {
    specRevenue: mrrKnown,
    specCost: mrrKnown.or(onSibling),
    companyRevenue: revenueKnown,
    companyCost: revenueKnown.or(onSibling),
    ptbRevenueUnknown: mrrKnown.and(ptbKnown.not()),
  };
}

/**
 * Aggregations (for a select or a group-by): `_spec_revenue` Σ mrr, `_spec_cost` Σ llm_cost_30d,
 * `_company_revenue` Σ(mrr + ptb_revenue_30d), `_company_cost` Σ company_cost_30d, each over the
 * organizations its basis counts (marginConditions), and `_ptb_unknown` (ptbRevenueUnknown
 * organizations).
 */
export function marginSums(
  { windowDays, onSibling }: { windowDays: number; onSibling: pl.Expr },
): pl.Expr[] {
  const counted = marginConditions(onSibling);
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
  ];
}

/**
 * The company-basis margin % of marginSums' columns: null where PTB revenue was not read and a
 * counted organization had PTB cost (`_ptb_unknown`), or where the revenue is not positive.
 */
export function companyMarginOfSums(): pl.Expr {
  const revenue = pl.col("_company_revenue");
  return pl.when(pl.col("_ptb_unknown").eq(0).and(revenue.gt(0)))
    .then(revenue.sub(pl.col("_company_cost")).div(revenue).mul(100))
    .otherwise(pl.lit(null));
}

/** (revenue − cost) / revenue × 100; null when revenue is not positive. */
export function marginPct(revenue: number, cost: number): number | null {
  return revenue > 0 ? (revenue - cost) / revenue * 100 : null;
}
