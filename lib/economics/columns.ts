/**
 * The economics stage: the columns after the spec's that answer "what does this organization
 * earn the company": plan, list_price_mrr, ptb_revenue_30d, company_cost_30d,
 * gross_margin_company_pct and unbilled_usage_usd (unbilled_usage.ts). Runs after the metrics stage (it needs mrr and the usage columns).
 */
import pl from "nodejs-polars";
import type { RevenueResult } from "../revenue/types.ts";
import { attachRevenue, ptbRevenueRead } from "../revenue/columns.ts";
import { type CostModel, costModelWarnings } from "./cost_model.ts";
import { planColumns, type PriceBook } from "./price_book.ts";
import { monthlyExpr } from "../frame/monthly.ts";
import { marginPctExpr } from "../frame/metrics.ts";
import { planMatchWarnings, type TierCount } from "../analysis/scenario/mod.ts";
import { ptbTimingWarnings } from "./ptb_timing.ts";
import { unbilledUsageExpr, unbilledUsageWarning } from "./unbilled_usage.ts";
import type { WarningKind } from "../core/warning_kinds.ts";
import { NO_PLAN } from "../core/no_plan.ts";
import { basename } from "node:path";

export interface EconomicsOptions {
  costModel: CostModel;
  priceBook: PriceBook;
  revenue: RevenueResult;
  /**
   * the export window's days: the company-cost margin sets window cost and PTB revenue, scaled to
   * 30 days, against monthly mrr; list prices read usage on the same basis
   */
  windowDays: number;
  /** true when the frame comes from attachRevenue, whose join carried ptb_revenue_30d already */
  ptbRevenueAttached?: boolean;
}

export interface EconomicsResult {
  frame: pl.DataFrame;
  warnings: string[];
  /** the kinds of those that are not `other` (the PTB warnings), for the manifest */
  warningKinds: Map<string, WarningKind>;
  /** true when Stripe's PTB revenue was read for this run */
  ptbRevenueRead: boolean;
}

/** Whether a frame has the economics columns the economics charts read (reportCharts). */
export function hasEconomicsColumns(frame: { readonly columns: readonly string[] }): boolean {
  return ["plan", "gross_margin_company_pct", "company_cost_30d"]
    .every((c) => frame.columns.includes(c));
}

export const PTB_REVENUE_NOT_READ =
  "PTB revenue not read: ptb_revenue_30d is empty; gross_margin_company_pct counts PTB revenue as 0 for organizations without PTB cost in the window and is empty for the others";

/**
 * ptb_revenue_30d per row: the revenue stage's (attachRevenue reads it in its join), or, for a
 * frame that stage did not make, attachRevenue's column for the frame's customers.
 */
function ptbRevenueColumn(frame: pl.DataFrame, options: EconomicsOptions): pl.Series {
  if (options.ptbRevenueAttached) return frame.getColumn("ptb_revenue_30d");
  // the tier picks which organization of a shared customer carries its revenue
  const keys = ["stripe_customer_id", "tier"].filter((name) => frame.columns.includes(name));
  return attachRevenue(frame.select(...keys), options.revenue).frame
    .getColumn("ptb_revenue_30d");
}

/** PTB revenue counted in the company margin: as read; unread counts as 0 only without PTB cost. */
export function ptbRevenueForMargin(): pl.Expr {
  return pl.when(pl.col("ptb_revenue_30d").isNotNull())
    .then(pl.col("ptb_revenue_30d"))
    .when(pl.col("llm_cost_ptb_30d").eq(0))
    .then(pl.lit(0))
    .otherwise(pl.lit(null));
}

export function addEconomicsColumns(
  frame: pl.DataFrame,
  options: EconomicsOptions,
): EconomicsResult {
  const warnings = costModelWarnings(options.costModel);
  const plans = planColumns(frame, { book: options.priceBook, windowDays: options.windowDays });
  const ptbRead = ptbRevenueRead(options.revenue);
  if (!ptbRead) warnings.push(PTB_REVENUE_NOT_READ);
  const infraPer1k = options.costModel.infraUsdPer1kRequests ?? 0;

  // mrr is monthly; PTB revenue and company cost are the window's, put on a 30-day basis
  const monthly = (name: string) => monthlyExpr(pl.col(name), options.windowDays);
  const revenue = pl.col("mrr").add(monthly("_ptb_for_margin"));
  const withColumns = frame.withColumns(
    plans.plan,
    plans.listPriceMrr,
    ptbRevenueColumn(frame, options),
    pl.col("llm_cost_ptb_30d").cast(pl.Float64)
      .add(pl.col("requests_30d").cast(pl.Float64).div(1000).mul(infraPer1k))
      .alias("company_cost_30d"),
  )
    .withColumns(ptbRevenueForMargin().cast(pl.Float64).alias("_ptb_for_margin"))
    .withColumns(
      marginPctExpr(revenue, monthly("company_cost_30d")).alias("gross_margin_company_pct"),
    )
    .drop("_ptb_for_margin")
    // (reads plan: after it)
    .withColumns(unbilledUsageExpr({
      book: options.priceBook,
      windowDays: options.windowDays,
      frameColumns: frame.columns,
    }));
  const unknownTiers = unknownTierWarning(withColumns);
  if (unknownTiers) warnings.push(unknownTiers);
  const unmatched = noPlanWarning(withColumns, options.priceBook);
  if (unmatched) warnings.push(unmatched);
  warnings.push(...planMatchWarnings(tierCountsOf(frame), options.priceBook.scenario));
  const unbilled = unbilledUsageWarning(withColumns);
  if (unbilled) warnings.push(unbilled);
  // a plan's company margin pulled down by credits bought before the window: timing, not price
  const ptb = ptbTimingWarnings(withColumns, options.windowDays);
  warnings.push(...ptb.map((w) => w.text));
  const warningKinds = new Map(ptb.map((w) => [w.text, w.kind]));
  return { frame: withColumns, warnings, warningKinds, ptbRevenueRead: ptbRead };
}

/**
 * Organizations of a known tier no plan of the price book matches (a book without a team plan):
 * no plan, no list price, the per-plan row (none). Tier other is unknownTierWarning's.
 */
function noPlanWarning(frame: pl.DataFrame, book: PriceBook): string | null {
  const unmatched = frame.filter(pl.col("plan").isNull().and(pl.col("tier").neq(pl.lit("other"))));
  if (unmatched.height === 0) return null;
  // tier is the family (free, pro, team, growth, enterprise): the kit's words, not the data's
  const tiers = (unmatched.getColumn("tier").unique().sort().toArray() as (string | null)[])
    .map((tier) => JSON.stringify(tier ?? "free"));
  const one = unmatched.height === 1;
  return `${unmatched.height.toLocaleString("en-US")} organization${one ? "" : "s"} with tier ${
    tiers.join(", ")
  } ${one ? "matches" : "match"} no plan of the price book (${
    basename(book.file)
  }): plan and list_price_mrr empty, in the per-plan row ${NO_PLAN} (where ${
    one ? "it shares" : "they share"
  } a Stripe customer: under the plan of the row carrying its revenue) and left out of mrr_to_list_pct; add a plan matching ${
    one ? "it" : "them"
  }, or a last plan without match`;
}

/** The frame's distinct (tier, tier_raw) and their organizations, in a stable order. */
function tierCountsOf(frame: pl.DataFrame): TierCount[] {
  const counts = frame.select(pl.col("tier").cast(pl.Utf8), pl.col("tier_raw").cast(pl.Utf8))
    .groupBy(["tier", "tier_raw"]).len().sort(["tier", "tier_raw"]);
  const tier = counts.getColumn("tier").toArray() as (string | null)[];
  const tierRaw = counts.getColumn("tier_raw").toArray() as (string | null)[];
  const organizations = counts.getColumn("len").toArray() as number[];
  return tier.map((t, i) => ({ tier: t, tierRaw: tierRaw[i], organizations: organizations[i] }));
}

/**
 * What the price book made of organizations with a tier the kit does not know (tier "other"):
 * no list price (the built-in book's `unknown tier (no plan)`, or no plan at all), or, from a book
 * with a catch-all plan, that plan's list price, which is a guess worth saying.
 */
function unknownTierWarning(frame: pl.DataFrame): string | null {
  const unknown = frame.filter(pl.col("tier").eq(pl.lit("other")));
  if (unknown.height === 0) return null;
  const count = `${unknown.height.toLocaleString("en-US")} organization${
    unknown.height === 1 ? "" : "s"
  } with an unknown tier (tier "other")`;
  const plans = (unknown.getColumn("plan").unique().sort().toArray() as (string | null)[])
    .map((plan) => plan === null ? NO_PLAN : JSON.stringify(plan)).join(", ");
  const listed = unknown.getColumn("list_price_mrr").nullCount() < unknown.height;
  return listed
    ? `${count}: priced at the list price of plan ${plans}, a catch-all of the price book, not their own; add a plan matching tier other with keepCurrentMrr to price them as no plan`
    : `${count}: priced as no plan (plan ${plans}, list_price_mrr empty; in the per-plan table a row of their own, except where they share a Stripe customer: under the plan of the row carrying its revenue)`;
}
