/**
 * The files of `deno task history report` (written by lib/history/report.ts; retention knows them
 * as the kit's), named by the date stamp of the report's last snapshot.
 */

/** The charts the report draws (lib/history/charts.ts), in the order drawn. */
export const HISTORY_CHARTS = [
  "history_mrr_by_plan",
  "history_bridge_waterfall",
  "history_margin_by_plan",
  "history_requests_by_plan",
] as const;

export interface HistoryReportNames {
  csv: string;
  changes: string;
  /** the bridge per billing currency: written only when a customer is billed in another than USD */
  currencies: string;
  /** NRR, GRR and logo churn per month, plan and period (retention.ts) */
  retention: string;
  /** MRR cohorts by first paid month (cohorts.ts): written by `deno task history report` */
  cohorts: string;
  markdown: string;
  /** each chart's SVG and PNG, in chart order */
  charts: string[];
}

/** The report's file names for `stamp` (`2026-12-01_demo`). */
export function historyReportNames(stamp: string): HistoryReportNames {
  const base = `helicone_pricing_history_${stamp}`;
  return {
    csv: `${base}.csv`,
    changes: `${base}_plan_changes.csv`,
    currencies: `${base}_by_currency.csv`,
    retention: `${base}_retention.csv`,
    cohorts: `${base}_cohorts.csv`,
    markdown: `${base}.md`,
    charts: historyChartFileNames(HISTORY_CHARTS, stamp),
  };
}

/** The SVG and PNG names of charts called `names`. */
export function historyChartFileNames(names: readonly string[], stamp: string): string[] {
  return names.flatMap((name) =>
    [".svg", ".png"].map((ext) => `helicone_pricing_${name}_${stamp}${ext}`)
  );
}
