/**
 * A history snapshot's plan per organization as the brief's per-plan table counts it
 * (lib/economics/per_plan.ts withCustomerPlan), as an expression over one snapshot.
 */
import pl from "nodejs-polars";
import { planOrNone } from "../core/no_plan.ts";

/**
 * An organization's own plan in a snapshot: its `plan` (the priced plan version) where the
 * snapshot has plan versions (plan_versions.ts: empty there is no plan, `(none)`), else its `tier`
 * (a snapshot from before the price book, or imported from an earlier kit version's export); a
 * plan so named `(none) plan` (planOrNone).
 */
export function ownPlanOf(columns: readonly string[], planVersions: boolean | null): pl.Expr {
  const own = columns.includes("plan") && planVersions !== false ? pl.col("plan") : pl.col("tier");
  return planOrNone(own);
}

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

/**
 * A snapshot with `plan` replaced by customerPlan's of ownPlanOf's (`planVersions`: the
 * snapshot's, plan_versions.ts), row for row (Utf8, labelled): the same plans, found by
 * a join instead of customerPlan's window. The window groups every row by its customer (~1.1
 * CPU-s and ~300 MB over a million organizations, once per snapshot in the bridge's sums); the
 * customers with a shared_customer organization are few, so their revenue rows' plans (the first
 * in row order, as the window's `first`) are looked up among those alone and joined on in the
 * frame's order (~0.2 CPU-s). Each its own plan when the snapshot has no such columns.
 */
export function withCustomerPlans(
  frame: pl.LazyDataFrame,
  { columns, planVersions }: { columns: readonly string[]; planVersions: boolean | null },
): pl.LazyDataFrame {
  const takes = takesCustomerPlan(columns);
  const own = ownPlanOf(columns, planVersions);
  if (!takes) return frame.withColumns(own.alias("plan"));
  const shared = pl.col("revenue_source").eq(pl.lit("shared_customer")).fillNull(false);
  const id = pl.col("stripe_customer_id").cast(pl.Utf8);
  const indexed = frame.withRowIndex(ROW);
  const sharedIds = indexed.filter(takes).select(id.alias(ID)).unique();
  const revenuePlans = indexed.filter(shared.not().and(id.isNotNull()))
    .select(id.alias(ID), own.alias(REVENUE_PLAN), ROW)
    .join(sharedIds, { on: ID, how: "semi" })
    .groupBy(ID).agg(pl.col(REVENUE_PLAN).sortBy(ROW).first());
  return indexed.withColumns(id.alias(ID))
    .join(revenuePlans, { on: ID, how: "left", maintainOrder: "left" })
    .withColumns(
      pl.when(takes).then(pl.col(REVENUE_PLAN).fillNull(own)).otherwise(own).alias("plan"),
    )
    .drop(ROW, ID, REVENUE_PLAN);
}

/** withCustomerPlans' working columns. */
const ROW = "__row";
const ID = "__customer_id";
const REVENUE_PLAN = "__revenue_row_plan";
