/**
 * The economics stage: the columns after the spec's that answer "what does this organization
 * earn the company": plan, list_price_mrr, ptb_revenue_30d, company_cost_30d and
 * gross_margin_company_pct. Runs after the metrics stage (it needs mrr and the usage columns).
 */
import pl from "nodejs-polars";
import type { RevenueResult } from "../revenue/types.ts";
import { customersFrame, joinCustomers } from "../revenue/columns.ts";
import { someCustomerHasPtbRevenue } from "../revenue/customers.ts";
import { type CostModel, costModelWarnings } from "./cost_model.ts";
import { planColumns, type PriceBook } from "./price_book.ts";

export interface EconomicsOptions {
  costModel: CostModel;
  priceBook: PriceBook;
  revenue: RevenueResult;
}

export interface EconomicsResult {
  frame: pl.DataFrame;
  warnings: string[];
  /** true when Stripe's PTB revenue was read for this run */
  ptbRevenueRead: boolean;
}

/** Whether a frame has the economics columns the economics charts read (reportCharts). */
export function hasEconomicsColumns(frame: pl.DataFrame): boolean {
  return ["plan", "gross_margin_company_pct", "company_cost_30d"]
    .every((c) => frame.columns.includes(c));
}

export const PTB_REVENUE_NOT_READ =
  "PTB revenue not read: ptb_revenue_30d is empty; gross_margin_company_pct counts PTB revenue as 0 for organizations without PTB cost in the window and is empty for the others";

/**
 * ptb_revenue_30d per row, following revenue_source (set by the revenue columns): a counted
 * customer's PTB revenue; 0 without a Stripe customer; empty when shared, not fetched or not read.
 */
function ptbRevenueColumn(
  frame: pl.DataFrame,
  revenue: RevenueResult,
): { column: pl.Series; read: boolean } {
  // The revenue stage says whether PTB revenue was read (PRICING_STRIPE_PTB_PRODUCT set); a
  // result without that summary (an older cache) counts as read when a customer has a value.
  const read = revenue.source !== "none" &&
    (revenue.ptb ? revenue.ptb.status === "read" : someCustomerHasPtbRevenue(revenue));
  if (!read) {
    return {
      column: pl.Series("ptb_revenue_30d", [], pl.Float64).extendConstant(null, frame.height),
      read,
    };
  }
  const customers = customersFrame(revenue, [
    { name: "ptb_revenue_30d", key: "ptbRevenueUsd30d", type: pl.Float64 },
  ]);
  const source = pl.col("revenue_source");
  const column = joinCustomers(frame.select("stripe_customer_id", "revenue_source"), customers)
    .select(
      pl.when(source.eq(pl.lit("no_customer"))).then(pl.lit(0).cast(pl.Float64))
        .when(
          source.eq(pl.lit("shared_customer")).or(source.eq(pl.lit("none")))
            .or(pl.col("stripe_customer_id").isNull()),
        ).then(pl.lit(null).cast(pl.Float64))
        .otherwise(pl.col("ptb_revenue_30d")).alias("ptb_revenue_30d"),
    ).getColumn("ptb_revenue_30d");
  return { column, read };
}

export function addEconomicsColumns(
  frame: pl.DataFrame,
  options: EconomicsOptions,
): EconomicsResult {
  const warnings = costModelWarnings(options.costModel);
  const plans = planColumns(frame, options.priceBook);
  const ptb = ptbRevenueColumn(frame, options.revenue);
  if (!ptb.read) warnings.push(PTB_REVENUE_NOT_READ);
  const infraPer1k = options.costModel.infraUsdPer1kRequests ?? 0;

  // PTB revenue counted in the margin: as read; unread counts as 0 only without PTB cost.
  const ptbForMargin = pl.when(pl.col("ptb_revenue_30d").isNotNull())
    .then(pl.col("ptb_revenue_30d"))
    .when(pl.col("llm_cost_ptb_30d").eq(0))
    .then(pl.lit(0))
    .otherwise(pl.lit(null));
  const revenue = pl.col("mrr").add(pl.col("_ptb_for_margin"));
  const withColumns = frame.withColumns(
    plans.plan,
    plans.listPriceMrr,
    ptb.column,
    pl.col("llm_cost_ptb_30d").cast(pl.Float64)
      .add(pl.col("requests_30d").cast(pl.Float64).div(1000).mul(infraPer1k))
      .alias("company_cost_30d"),
  )
    .withColumns(ptbForMargin.cast(pl.Float64).alias("_ptb_for_margin"))
    .withColumns(
      pl.when(revenue.gt(0))
        .then(revenue.sub(pl.col("company_cost_30d")).div(revenue).mul(100))
        .otherwise(pl.lit(null))
        .alias("gross_margin_company_pct"),
    )
    .drop("_ptb_for_margin");
  return { frame: withColumns, warnings, ptbRevenueRead: ptb.read };
}
