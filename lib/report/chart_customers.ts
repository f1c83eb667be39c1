/**
 * A Stripe customer several organizations share, on the per-organization charts. Its revenue is
 * on one organization's row (lib/revenue/shared_customers.ts), so that row's gross_margin_pct sets
 * the whole customer's MRR against one organization's LLM cost, and a point at its MRR and
 * requests_30d sets it against one organization's requests: a customer with a busy second
 * organization drew as a healthy one. The charts draw such a customer once, at that row, with the
 * customer's figures: its MRR against all of its organizations' LLM cost and requests.
 */
import pl from "nodejs-polars";
import type { ColumnDef, ColumnType, ColumnUnit } from "../frame/column_def.ts";
import { marginPctExpr } from "../frame/metrics.ts";
import { MONTH_DAYS, monthlyExpr } from "../frame/monthly.ts";
import { allKnownSum, perSharedCustomer } from "../revenue/shared_customers.ts";
import { formatCount } from "./numbers.ts";

/** What withCustomerChartColumns adds: per row, what the charts draw for it. */
export const CUSTOMER_CHART_COLUMNS = {
  /** gross_margin_pct; on a shared customer's revenue row the customer's (spec basis) */
  margin: "_chart_margin_pct",
  /**
   * requests_30d; on a shared customer's revenue row its organizations' summed (null, as the
   * margin, when one of theirs is unknown)
   */
  requests: "_chart_requests_30d",
  /** 1; on a shared customer's revenue row its organizations (in the frame) */
  organizations: "_chart_organizations",
} as const;

/**
 * Whether a row's MRR is known, as the brief's By tier counts it (mrrKnownFlags: a shared_customer
 * row's is its customer's revenue row's), for the tier chart's MRR-unknown count. Written beside
 * CUSTOMER_CHART_COLUMNS when a customer is shared: the worker has no stripe_customer_id to look
 * the revenue row up by, and without it each row's own revenue_source counted a sibling of an
 * unconverted customer as known.
 */
export const CHART_MRR_KNOWN = "_chart_mrr_known";

/** Their definitions, for the charts' channels and row objects (chart_data.ts). */
export const CUSTOMER_CHART_DEFS: readonly ColumnDef[] = [
  chartDef(CUSTOMER_CHART_COLUMNS.margin, { type: "number", unit: "percent" }),
  chartDef(CUSTOMER_CHART_COLUMNS.requests, { type: "number", unit: "count" }),
  chartDef(CUSTOMER_CHART_COLUMNS.organizations, { type: "integer", unit: "count" }),
];

function chartDef(name: string, { type, unit }: { type: ColumnType; unit: ColumnUnit }): ColumnDef {
  return {
    name,
    type,
    unit,
    source: "Derived",
    formula: "",
    description: "what the charts draw (lib/report/chart_customers.ts); never exported",
    spec: false,
  };
}

/** The columns the customer figures are worked out from. */
export const CUSTOMER_READ = [
  "stripe_customer_id",
  "revenue_source",
  "mrr",
  "llm_cost_30d",
  "requests_30d",
];

/** Row numbers: a shared customer's figures are joined back to its revenue row by its number. */
const ROW = "__chart_row";

/**
 * `frame` with CUSTOMER_CHART_COLUMNS (as it is when it has them: the chart worker's columns are
 * made on the main thread, which has the customer ids). The LLM cost is put on a 30-day basis
 * against monthly mrr, as gross_margin_pct does (lib/frame/monthly.ts). Without the customer
 * columns every row is its own. Only the few shared customers' rows are grouped; the figures are
 * joined back on row numbers, not on a million customer ids.
 */
export function withCustomerChartColumns(
  frame: pl.DataFrame,
  windowDays = MONTH_DAYS,
): pl.DataFrame {
  const C = CUSTOMER_CHART_COLUMNS;
  if (Object.values(C).every((name) => frame.columns.includes(name))) return frame;
  // (a chart's frame may hold only the columns that chart reads)
  const number = (name: string) =>
    frame.columns.includes(name) ? pl.col(name).cast(pl.Float64) : pl.lit(null).cast(pl.Float64);
  const own = [
    number("gross_margin_pct").alias(C.margin),
    number("requests_30d").alias(C.requests),
    pl.lit(1).cast(pl.UInt32).alias(C.organizations),
  ];
  const customers = CUSTOMER_READ.every((name) => frame.columns.includes(name))
    ? perSharedCustomer(
      frame.select(...CUSTOMER_READ).withRowIndex(ROW),
      (ofRevenueRow) => [
        ofRevenueRow(pl.col(ROW)).alias(ROW),
        marginPctExpr(
          ofRevenueRow(pl.col("mrr").cast(pl.Float64)),
          monthlyExpr(allKnownSum(pl.col("llm_cost_30d").cast(pl.Float64)), windowDays),
        ).alias(C.margin),
        // unknown when one organization's is (NaN or infinite): not drawn on a partial sum
        allKnownSum(pl.col("requests_30d").cast(pl.Float64)).alias(C.requests),
        pl.len().cast(pl.UInt32).alias(C.organizations),
      ],
    )?.filter(pl.col(ROW).isNotNull()).drop("stripe_customer_id")
    : null;
  if (!customers || customers.height === 0) return frame.withColumns(...own);
  // (the customers' columns are named as the own ones, so the join suffixes them; null where a
  // row is no shared customer's revenue row)
  const isRevenueRow = pl.col(`${C.organizations}_customer`).isNotNull();
  const added = frame.select(...own).withRowIndex(ROW)
    .lazy()
    .join(customers.lazy(), {
      on: ROW,
      how: "left",
      suffix: "_customer",
      maintainOrder: "left",
    } as never)
    .select(
      ...Object.values(C).map((name) =>
        pl.when(isRevenueRow).then(pl.col(`${name}_customer`)).otherwise(pl.col(name)).alias(name)
      ),
    )
    .collectSync();
  return frame.withColumns(...added.getColumns());
}

/**
 * The caption's word on the shared customers a chart draws once: "" when there are none among
 * `drawn` (a frame with CUSTOMER_CHART_COLUMNS.organizations).
 */
export function sharedCustomersNote(drawn: pl.DataFrame, figures: string): string {
  const shared = drawn.filter(pl.col(CUSTOMER_CHART_COLUMNS.organizations).gt(1)).height;
  if (shared === 0) return "";
  return `; ${formatCount(shared)} Stripe customer${
    shared === 1 ? "" : "s"
  } shared by several organizations drawn once, at the row carrying ${
    shared === 1 ? "its" : "their"
  } MRR, with all ${shared === 1 ? "its" : "their"} organizations' ${figures}`;
}

/** A hover title's line for a shared customer's revenue row ("" for an organization alone). */
export function sharedCustomerTitle(organizations: number, figures: string): string {
  return organizations > 1
    ? `\nStripe customer of ${organizations} organizations: their ${figures} summed`
    : "";
}
