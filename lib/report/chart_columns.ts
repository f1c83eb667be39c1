/**
 * What a chart job carries to the chart worker (chart_worker.ts): the frame's chart columns, which
 * of them each chart reads (the worker reads only those of its file per chart: chart_reads.ts), and
 * the per-plan table the main thread works out for the economics charts. Apart from the worker so
 * the tests and the bench read and draw the same columns without starting one.
 */
import type pl from "nodejs-polars";
import type { ExportChartName } from "../economics/charts.ts";
import { mrrKnownFlags } from "../revenue/columns.ts";
import {
  CHART_MRR_KNOWN,
  CUSTOMER_CHART_COLUMNS,
  CUSTOMER_READ,
  withCustomerChartColumns,
} from "./chart_customers.ts";
import { hasEconomicsColumns } from "../economics/columns.ts";
import {
  type MarginCounts,
  marginCountsOf,
  type PerPlanRow,
  perPlanRows,
  perPlanTable,
} from "../economics/per_plan.ts";
import { type PtbTimingPlan, ptbTimingPlans } from "../economics/ptb_timing.ts";

/**
 * The columns reportCharts reads (lib/economics/charts.ts, lib/report/charts.ts) besides the
 * per-plan table, which the main thread computes and sends (its sums need five more columns, a
 * million UUIDs among them); tests/chart_worker_test.ts fails when a chart reads another one.
 */
export const CHART_COLUMNS = [
  "org_name",
  "tier",
  "plan",
  "requests_30d",
  "llm_cost_30d",
  "mrr",
  "company_cost_30d",
  "gross_margin_pct",
  "gross_margin_company_pct",
  "revenue_source",
];

/**
 * The chart columns each chart reads (of CHART_COLUMNS and, when a Stripe customer is shared,
 * CUSTOMER_CHART_COLUMNS): the worker reads only these of its file for that chart, so at a million
 * organizations it holds 23–60 MB of columns while a chart draws instead of all ~110 MB. The
 * per-organization charts built on withCustomerChartColumns read the columns it works the
 * customer figures out from (gross_margin_pct, requests_30d) too. The per-plan charts are drawn
 * from the job's table (chartPlanTable, which comes with the economics columns they need): none.
 * tests/chart_worker_test.ts fails when a chart reads another column or draws differently.
 */
export const CHART_READS: Record<ExportChartName, readonly string[]> = {
  margin_by_plan: [],
  mrr_vs_requests: [
    "org_name",
    "plan",
    "tier",
    "mrr",
    "requests_30d",
    "gross_margin_pct",
    ...Object.values(CUSTOMER_CHART_COLUMNS),
  ],
  mrr_per_1k_requests_by_plan: [],
  margin_vs_mrr: [
    "org_name",
    "tier",
    "mrr",
    "requests_30d",
    "gross_margin_pct",
    ...Object.values(CUSTOMER_CHART_COLUMNS),
  ],
  margin_by_tier: [
    "tier",
    "requests_30d",
    "gross_margin_pct",
    ...Object.values(CUSTOMER_CHART_COLUMNS),
  ],
  requests_vs_llm_cost: ["org_name", "tier", "requests_30d", "llm_cost_30d"],
  usage_by_tier: ["tier", "requests_30d"],
  cost_and_mrr_by_tier: [
    "tier",
    "llm_cost_30d",
    "mrr",
    "company_cost_30d",
    "revenue_source",
    CHART_MRR_KNOWN,
  ],
};

/**
 * What `chart` is drawn from of `columns` (the file's): its CHART_READS, in the file's order (a
 * chart sees the frame it would with every column, less the ones it does not read); an empty frame
 * for a chart drawn from the table alone.
 */
export function chartFrameColumns(chart: ExportChartName, columns: readonly string[]): string[] {
  return columns.filter((c) => CHART_READS[chart].includes(c));
}

/**
 * The per-plan table the economics charts draw, margin by plan's n per plan (from the table's
 * group-by: its shared customers' grouping needs the customer ids, a million strings the worker
 * then need not get) and the plans PTB timing pulls down (from PTB columns the worker does not
 * get), when the frame has the economics columns. `usagePricedPlans` only moves
 * mrr_to_list_pct, which no chart draws: an export passes its price book's, so the table's sums
 * are the ones its brief and summary sheet read (per_plan.ts keeps them per frame and plans: with a
 * price book that prices usage, [] here worked them out twice, ~0.35 s of CPU at a million
 * organizations).
 */
export function chartPlanTable(
  frame: pl.DataFrame,
  windowDays: number,
  { usagePricedPlans = [] }: { usagePricedPlans?: readonly string[] } = {},
):
  | {
    plans: PerPlanRow[];
    marginCounts: Record<string, MarginCounts>;
    ptbTiming: readonly PtbTimingPlan[];
  }
  | undefined {
  return hasEconomicsColumns(frame)
    ? {
      plans: perPlanRows(perPlanTable(frame, { windowDays, usagePricedPlans })),
      marginCounts: marginCountsOf(frame, { windowDays, usagePricedPlans }),
      ptbTiming: ptbTimingPlans(frame, windowDays),
    }
    : undefined;
}

/**
 * What the worker gets of `frame`: CHART_COLUMNS, and CUSTOMER_CHART_COLUMNS and CHART_MRR_KNOWN
 * when a Stripe customer is shared (without one every row is its own, which the worker works out
 * again: at a million organizations 20 MB less to write and read).
 */
export function chartColumns(frame: pl.DataFrame, windowDays: number): pl.DataFrame {
  const read = [...CHART_COLUMNS, ...CUSTOMER_READ].filter((c) => frame.columns.includes(c));
  const drawn = withCustomerChartColumns(frame.select(...new Set(read)), windowDays);
  const shared = Number(drawn.getColumn(CUSTOMER_CHART_COLUMNS.organizations).max() ?? 1) > 1;
  const columns = drawn.select(
    ...CHART_COLUMNS.filter((c) => frame.columns.includes(c)),
    ...(shared ? Object.values(CUSTOMER_CHART_COLUMNS) : []),
  );
  // (of the whole frame: its flags are the brief's, worked out once per frame)
  return shared ? columns.withColumns(mrrKnownFlags(frame, frame).alias(CHART_MRR_KNOWN)) : columns;
}
