/**
 * A history snapshot's plan per organization as the brief's per-plan table counts it
 * (lib/economics/per_plan.ts withCustomerPlan), as an expression over one snapshot.
 */
import pl from "nodejs-polars";

/**
 * `plan` of each organization's Stripe customer: an organization whose customer's revenue is on
 * another organization's row (revenue_source shared_customer) takes that row's plan, as the brief's
 * per-plan table counts it (lib/economics/per_plan.ts withCustomerPlan): its usage and cost are
 * set against the revenue that pays for them. Its own plan where that row is not in the snapshot.
 */
export function customerPlan(plan: pl.Expr, columns: readonly string[]): pl.Expr {
  const takes = takesCustomerPlan(columns);
  if (!takes) return plan;
  const shared = pl.col("revenue_source").eq(pl.lit("shared_customer")).fillNull(false);
  const revenueRowPlan = plan.filter(shared.not()).first().over("stripe_customer_id");
  // the window named once: in the condition too it was grouped twice (~0.7 CPU-s a million rows)
  return pl.when(takes).then(revenueRowPlan.fillNull(plan)).otherwise(plan);
}

/**
 * The organizations customerPlan gives their customer's plan (shared_customer, with a customer
 * id); null when the snapshot has no such columns (every plan its own).
 */
export function takesCustomerPlan(columns: readonly string[]): pl.Expr | null {
  if (!columns.includes("stripe_customer_id") || !columns.includes("revenue_source")) return null;
  return pl.col("revenue_source").eq(pl.lit("shared_customer")).fillNull(false)
    .and(pl.col("stripe_customer_id").isNotNull());
}
