/**
 * Which organizations belong to a Stripe customer that loses money, on either margin basis. A
 * customer several organizations share has its revenue on one row (the others read
 * revenue_source shared_customer, mrr empty), so a row's gross_margin_pct sets the whole
 * customer's MRR against one organization's cost: the customer is judged as one instead, its
 * organizations' cost summed against its revenue, and every one of them counts (as the
 * negative_margin segment and the churn_risk question judge it). The brief's Totals and By tier
 * and the per-plan table count these, so their counts are the segment's.
 */
import pl from "nodejs-polars";
import { marginPctExpr } from "../frame/metrics.ts";
import { monthlyExpr } from "../frame/monthly.ts";
import { CUSTOMER_COLUMNS, withCustomerColumns } from "../revenue/shared_customers.ts";

/** The columns withCustomerLosses adds (true, false, or null where the frame cannot say). */
export const CUSTOMER_LOSS_COLUMNS = {
  /**
   * its customer's gross margin, spec basis, is negative: Σ llm_cost_30d > mrr > 0; null where
   * its customer's mrr is unknown (a count of it is then of those whose customer's is known), or
   * the mrr is positive and an organization's LLM cost is unknown (NaN or infinite)
   */
  spec: "_customer_negative_margin",
  /**
   * its customer's company-basis margin is negative: Σ company_cost_30d > mrr + PTB revenue; null
   * where its customer's mrr is unknown, or its PTB revenue was not read and it had PTB cost, or
   * its revenue is positive and an organization's company cost is unknown (its margin cannot be
   * told then)
   */
  company: "_customer_negative_company_margin",
} as const;

/** The columns the flags read (those the frame has). */
const READ = [
  "stripe_customer_id",
  "revenue_source",
  "mrr",
  "llm_cost_30d",
  "ptb_revenue_30d",
  "llm_cost_ptb_30d",
  "company_cost_30d",
];

/**
 * `frame` with CUSTOMER_LOSS_COLUMNS (replaced where it has them). Window cost and PTB revenue are
 * put on a 30-day basis against monthly mrr (lib/frame/monthly.ts), as gross_margin_pct and
 * gross_margin_company_pct are: for an organization sharing no customer each flag is its own
 * margin's sign. Worked out on the few columns it reads (the customer join copies its frame).
 */
export function withCustomerLosses(frame: pl.DataFrame, windowDays: number): pl.DataFrame {
  let byWindow = lossesOf.get(frame);
  if (!byWindow) lossesOf.set(frame, byWindow = new Map());
  let flagged = byWindow.get(windowDays);
  if (!flagged) byWindow.set(windowDays, flagged = workedOut(frame, windowDays));
  return flagged;
}

/**
 * withCustomerLosses once per frame and window: an export's brief reads them (Totals, By tier) and
 * so do the per-plan table's sums, each a customer join and two flags over every row (~0.05–0.1 s
 * of CPU at a million organizations). Frames are not changed in place, so a frame object's flags
 * stay its flags; the frame kept shares its columns but the two flags.
 */
const lossesOf = new WeakMap<pl.DataFrame, Map<number, pl.DataFrame>>();

function workedOut(frame: pl.DataFrame, windowDays: number): pl.DataFrame {
  const C = CUSTOMER_COLUMNS;
  const monthly = (value: pl.Expr) => monthlyExpr(value, windowDays);
  const read = frame.select(...READ.filter((name) => frame.columns.includes(name)));
  const hasCompany = read.columns.includes("company_cost_30d");
  const customers = withCustomerColumns(read, { usage: true });
  const mrr = pl.col(C.mrr);
  // PTB revenue as gross_margin_company_pct counts it: read, or 0 when no organization of the
  // customer had PTB cost; unknown otherwise (then so is the margin)
  const ptbRevenue = pl.when(pl.col(C.ptbKnown)).then(pl.col(C.ptbRevenue).fillNull(0))
    .otherwise(pl.lit(null));
  // (withCustomerColumns keeps the frame's row order: the flags are the frame's rows')
  // a cost unknown (NaN or infinite, for one of its organizations) against revenue: the sign of
  // the margin cannot be told (null); against no revenue there is no margin, so no loss
  const lossOf = (revenue: pl.Expr, cost: pl.Expr) =>
    pl.when(revenue.gt(0).and(cost.isNull())).then(pl.lit(null).cast(pl.Bool))
      .otherwise(marginPctExpr(revenue, cost).lt(0).fillNull(false));
  const flags = customers.select(
    pl.when(pl.col(C.mrrKnown))
      .then(lossOf(mrr, monthly(pl.col(C.llmCost))))
      .otherwise(pl.lit(null)).alias(CUSTOMER_LOSS_COLUMNS.spec),
    (hasCompany
      ? pl.when(pl.col(C.mrrKnown).and(pl.col(C.ptbKnown)))
        .then(lossOf(mrr.add(monthly(ptbRevenue)), monthly(pl.col(C.companyCost))))
        .otherwise(pl.lit(null))
      : pl.lit(null).cast(pl.Bool)).alias(CUSTOMER_LOSS_COLUMNS.company),
  );
  return frame.withColumns(...flags.getColumns());
}
