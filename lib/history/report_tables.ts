/**
 * The history report's tables (report.ts): the bridge per month for the company (plan `(all)`)
 * and per plan, and the plan changes, amounts in USD: the CSVs and the XLSX `history` sheet.
 */
import pl from "nodejs-polars";
import { centsToUsd, PAYING_ORGS_SHEET_NAME } from "./report_cells.ts";
import { CUSTOMER_COUNT_COLUMNS, MOVEMENTS, PLAN_MOVES } from "./bridge.ts";
import { FX_IMPACT } from "./bridge_fx.ts";
import { COST_UNKNOWN_COLUMNS, TOTALS_FIGURES } from "./bridge_totals.ts";
import { type SnapshotPeriod, withPeriodColumns } from "./periods.ts";
import { ALL_PLANS } from "./plan_label.ts";

/** The parts of a history report (report.ts HistoryReport) its tables are made of. */
export interface ReportFrames {
  company: pl.DataFrame;
  plans: pl.DataFrame;
  changes: pl.DataFrame;
  periods: Map<string, SnapshotPeriod>;
}

/**
 * The bridge's amount columns, in order. fx_impact is a column of every table, zero where no
 * rate changed: a CSV whose columns come and go breaks whoever reads it.
 */
const MOVEMENT_COLUMNS = ["start", ...MOVEMENTS, ...PLAN_MOVES, FX_IMPACT, "end"];

/**
 * The organizations whose LLM cost (all, PTB) is unknown (empty in a snapshot: a query's NaN or
 * infinity, or an imported file's empty cell), by the cost sum they are left out of: the table's
 * name for each
 * (COST_UNKNOWN_COLUMNS). A count, 0 when none is, so the sum's reader knows it is partial.
 */
const UNKNOWN_COUNT_OF: Record<string, { bridge: string; table: string }> = {
  llm_cost_usd: { bridge: "llm_cost_unknown", table: "llm_cost_unknown_orgs" },
  llm_cost_ptb_usd: { bridge: "llm_cost_ptb_unknown", table: "llm_cost_ptb_unknown_orgs" },
};

/**
 * The columns after the amounts: customer counts, totals (each cost sum followed by its unknown
 * count, UNKNOWN_COUNT_OF) and margin.
 */
const FIGURE_COLUMNS: pl.Expr[] = [
  ...CUSTOMER_COUNT_COLUMNS.map((name) => pl.col(name)),
  ...TOTALS_FIGURES.flatMap((name) => {
    const unknown = UNKNOWN_COUNT_OF[name];
    return unknown ? [pl.col(name), pl.col(unknown.bridge).alias(unknown.table)] : [pl.col(name)];
  }),
  pl.col("mrr_margin_after_ptb_llm_pct"),
];

/** The bridges' columns FIGURE_COLUMNS reads. */
const FIGURE_SOURCES = [
  ...CUSTOMER_COUNT_COLUMNS,
  ...TOTALS_FIGURES,
  ...COST_UNKNOWN_COLUMNS,
  "mrr_margin_after_ptb_llm_pct",
];

/**
 * The history CSV's columns the workbook's `history` sheet names otherwise: usage, 30 days each;
 * paying organizations, by what they count (PAYING_ORGS_SHEET_NAME).
 */
export const HISTORY_SHEET_NAMES = {
  paying_orgs: PAYING_ORGS_SHEET_NAME,
  requests: "requests_30_days",
  llm_cost_usd: "llm_cost_30_days_usd",
  llm_cost_ptb_usd: "llm_cost_ptb_30_days_usd",
};

/** Company rows (plan "(all)") then plan rows per month, amounts in USD: the CSV and XLSX sheet. */
export function historyTable(report: ReportFrames): pl.DataFrame {
  const company = report.company.withColumns(
    pl.lit(ALL_PLANS).alias("plan"),
    ...PLAN_MOVES.flatMap((m) => [`${m}_cents`, `${m}_customers`])
      .map((name) => pl.lit(0).cast(pl.Int64).alias(name)),
  );
  const columns = [
    "idx",
    "month",
    "plan",
    ...MOVEMENT_COLUMNS.map((m) => `${m}_cents`),
    ...FIGURE_SOURCES,
  ];
  // the company first in its month by rank, as retention's rows: sorted by name, a plan named
  // "$5 plan" or "(Legacy) pro" (before "(a…" in byte order) came before it
  const rows = pl.concat([
    company.select(...columns, pl.lit(0).alias("rank")),
    report.plans.select(...columns, pl.lit(1).alias("rank")),
  ], { how: "vertical" }).sort(["idx", "rank", "plan"]).drop("rank");
  return withPeriodColumns(rows, report.periods)
    .select(
      "month",
      "as_of",
      "month_to_date",
      "months_covered",
      "plan",
      ...MOVEMENT_COLUMNS.map((m) =>
        centsToUsd(`${m}_cents`).alias(
          m === "start" || m === "end" ? `${m}_mrr_usd` : `${m}_usd`,
        )
      ),
      ...FIGURE_COLUMNS,
    );
}

/** Plan changes with amounts in USD. */
export function planChangesTable(report: ReportFrames): pl.DataFrame {
  return withPeriodColumns(report.changes, report.periods).select(
    "month",
    "as_of",
    "month_to_date",
    "months_covered",
    "from_plan",
    "to_plan",
    "organizations",
    "upgrades",
    "downgrades",
    centsToUsd("mrr_before_cents").alias("mrr_before_usd"),
    centsToUsd("mrr_after_cents").alias("mrr_after_usd"),
  );
}
