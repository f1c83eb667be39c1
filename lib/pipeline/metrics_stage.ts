/**
 * The export's metrics stage, after revenue (revenue_per_seat and gross_margin_pct need mrr): the
 * ratio columns (lib/frame/metrics.ts), the economics columns (lib/economics/columns.ts), then the
 * column table's order.
 */
import type pl from "nodejs-polars";
import type { StageTimer } from "../core/stage_timer.ts";
import { COLUMN_NAMES } from "../frame/columns.ts";
import { addMetricColumns } from "../frame/metrics.ts";
import type { RevenueResult } from "../revenue/types.ts";
// Economics from its files, not lib/economics/mod.ts: that one loads the charts (Plot), which
// the export's thread never draws (the chart worker does).
import { addEconomicsColumns, type EconomicsResult } from "../economics/columns.ts";
import type { CostModel, EconomicsContext, PriceBook } from "../economics/types.ts";
import { sharePtbTimingPlans } from "../economics/ptb_timing.ts";
import { shareCustomerPlan } from "../economics/per_plan.ts";

/**
 * Metrics and economics of the frame with revenue, timed as the "metrics" stage; `frame` in the
 * column table's order (CSV order, what notebooks and the server see).
 */
export async function metricsStage(
  withRevenue: pl.DataFrame,
  { costModel, priceBook, revenue, windowDays, timed }: {
    costModel: CostModel;
    priceBook: PriceBook;
    revenue: RevenueResult;
    windowDays: number;
    timed: StageTimer;
  },
): Promise<{
  frame: pl.DataFrame;
  economics: EconomicsResult;
  /** what the economics columns were computed with (PricingData.economics) */
  context: EconomicsContext;
}> {
  const economics = await timed(
    "metrics",
    () =>
      addEconomicsColumns(addMetricColumns(withRevenue, { windowDays }), {
        costModel,
        priceBook,
        revenue,
        windowDays,
        ptbRevenueAttached: true,
      }),
  );
  const frame = economics.frame.select(...COLUMN_NAMES);
  // the metrics stage's PTB timing (its warnings) is the chart worker's and the brief's too
  sharePtbTimingPlans(economics.frame, frame);
  // and its customer plans are the per-plan table's and the non-USD list's
  shareCustomerPlan(economics.frame, frame);
  const context = { costModel, priceBook, ptbRevenueRead: economics.ptbRevenueRead, windowDays };
  return { frame, economics, context };
}
