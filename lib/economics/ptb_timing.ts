/**
 * PTB timing: PTB revenue (ptb_revenue_30d) is cash in the window (credits bought, ptb_usage
 * invoices created), PTB cost (llm_cost_ptb_30d) is usage in the window. Credits carry no markup,
 * so over time PTB revenue ≈ PTB cost, but in one window an organization spending credits bought
 * before it has PTB cost and no PTB revenue, and a plan's company margin then falls for timing,
 * not price (the demo's free plan reads −100 % or so). Such a plan gets a warning naming how many
 * organizations did that, and its margin with PTB left out on both sides.
 */
import pl from "nodejs-polars";
import { monthlyExpr } from "../frame/monthly.ts";
import { formatPct, formatUsd } from "../report/numbers.ts";
import { withCustomerPlan } from "./per_plan.ts";
import { CUSTOMER_COLUMNS } from "../revenue/shared_customers.ts";
import { companyMarginOfSums, marginConditions, marginSums } from "./margin_sums.ts";

/** One plan whose company margin PTB cost without PTB revenue in the window pulls down. */
export interface PtbTimingPlan {
  plan: string;
  /** organizations counted in the plan's company margin with PTB cost and no PTB revenue */
  organizations: number;
  /** their PTB cost, 30-day basis */
  theirPtbCost: number;
  /** the plan's PTB cost and PTB revenue in its company margin, 30-day basis */
  ptbCost: number;
  ptbRevenue: number;
  /** the plan's company margin % (the per-plan table's margin_company_pct) */
  companyPct: number;
  /** (Σ mrr − Σ infrastructure) / Σ mrr × 100: PTB left out on both sides; null without MRR */
  withoutPtbPct: number | null;
}

/** How far (percentage points) PTB cost above PTB revenue must pull a plan's margin down. */
const MIN_POINTS = 1;

/**
 * The plans (price-book plan names; `(no plan)` for none) where some organizations had PTB cost
 * and no PTB revenue in the window and the plan's PTB cost exceeds its PTB revenue by at least
 * MIN_POINTS of its company-basis revenue (what that excess takes off its company margin). The
 * organizations are those the per-plan margins count (lib/economics/margin_sums.ts); PTB revenue
 * not read leaves those margins empty: no warning.
 */
export function ptbTimingPlans(frame: pl.DataFrame, windowDays: number): PtbTimingPlan[] {
  const counted = marginConditions();
  const monthly = (name: string) => monthlyExpr(pl.col(name), windowDays);
  const sumWhere = (condition: pl.Expr, value: pl.Expr) =>
    pl.when(condition).then(value).otherwise(pl.lit(0)).sum();
  // its customer's PTB revenue: a shared customer's is on its revenue row
  const spentEarlier = counted.companyCost
    .and(pl.col("llm_cost_ptb_30d").gt(0))
    .and(pl.col(CUSTOMER_COLUMNS.ptbRevenue).eq(0));
  // plans as the per-plan table groups them: a shared Stripe customer in its revenue row's
  const grouped = withCustomerPlan(frame)
    .groupBy("plan")
    .agg(
      ...marginSums({ windowDays }),
      sumWhere(spentEarlier.fillNull(false), pl.lit(1)).alias("organizations"),
      sumWhere(spentEarlier.fillNull(false), monthly("llm_cost_ptb_30d")).alias("theirPtbCost"),
      sumWhere(counted.companyCost, monthly("llm_cost_ptb_30d")).alias("ptbCost"),
      sumWhere(counted.companyRevenue, monthly("ptb_revenue_30d").fillNull(0)).alias("ptbRevenue"),
      sumWhere(counted.companyRevenue, pl.col("mrr").cast(pl.Float64)).alias("_mrr"),
      sumWhere(
        counted.companyCost,
        monthly("company_cost_30d").sub(monthly("llm_cost_ptb_30d")),
      ).alias("_infra"),
    )
    .withColumns(companyMarginOfSums().alias("companyPct"))
    .withColumns(
      pl.when(pl.col("_mrr").gt(0))
        .then(pl.col("_mrr").sub(pl.col("_infra")).div(pl.col("_mrr")).mul(100))
        .otherwise(pl.lit(null))
        .alias("withoutPtbPct"),
    )
    .filter(
      pl.col("organizations").gt(0).and(pl.col("companyPct").isNotNull()).and(
        pl.col("ptbCost").sub(pl.col("ptbRevenue")).div(pl.col("_company_revenue")).mul(100)
          .gtEq(MIN_POINTS),
      ),
    )
    .sort("plan");
  return (grouped.toRecords() as unknown as PtbTimingPlan[])
    .map((row) => ({
      plan: row.plan,
      organizations: Number(row.organizations),
      theirPtbCost: row.theirPtbCost,
      ptbCost: row.ptbCost,
      ptbRevenue: row.ptbRevenue,
      companyPct: row.companyPct,
      withoutPtbPct: row.withoutPtbPct ?? null,
    }));
}

/**
 * "with PTB left out on both sides the margin is 87.3 %": the warning's and the brief's words,
 * one sentence either way (a plan without MRR has no margin to show, not a margin of "none").
 */
export function withoutPtbText(row: PtbTimingPlan): string {
  return row.withoutPtbPct === null
    ? "with PTB left out on both sides there is no margin: the plan has no MRR"
    : `with PTB left out on both sides the margin is ${formatPct(row.withoutPtbPct)}`;
}

/** One plan's warning, one line (the plan name is price-book text: quoted). */
export function ptbTimingWarning(row: PtbTimingPlan): string {
  const n = row.organizations;
  return `plan ${JSON.stringify(row.plan)}: company margin ${
    formatPct(row.companyPct)
  } counts PTB cost of ${n.toLocaleString("en-US")} organization${
    n === 1 ? "" : "s"
  } with no PTB revenue in the window (${formatUsd(row.theirPtbCost)} of the plan's ${
    formatUsd(row.ptbCost)
  } PTB cost, against ${
    formatUsd(row.ptbRevenue)
  } PTB revenue, 30-day basis): PTB revenue is credits bought and invoices issued in the window, PTB cost is usage in it, and PTB carries no markup, so the gap is most likely timing (credits bought before the window spent in it, or usage invoiced after it), not a loss on PTB; ${
    withoutPtbText(row)
  }`;
}

/** The run's warnings about PTB timing, one per plan it pulls down. */
export function ptbTimingWarnings(frame: pl.DataFrame, windowDays: number): string[] {
  return ptbTimingPlans(frame, windowDays).map(ptbTimingWarning);
}
