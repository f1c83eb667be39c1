/**
 * The history as an export holds it: the brief's history section and the workbook's `history`,
 * `history_retention`, `history_cohorts` (and `history_by_currency`) sheets, from the report
 * (report.ts) over the folder's snapshots and the export's own data.
 */
import type pl from "nodejs-polars";
import type { Sheet } from "../formats/xlsx.ts";
import { historySheetUnits } from "./report_cells.ts";
import { HISTORY_SHEET_NAMES, historyTable } from "./report_tables.ts";
import { currencyMarkdown, currencySheet } from "./report_currency.ts";
import type { HistorySource } from "./history_source.ts";
import { loadMonthlyHistoryPoints, monthlyPoints, withRevenue } from "./points.ts";
import { retentionSheetAbout, retentionTable } from "./retention.ts";
import { COHORT_SHEET_ABOUT, cohortMarkdown, cohortSheetFrame, cohortTable } from "./cohorts.ts";
import { loadHistoryReport } from "./report.ts";
import { historySection } from "./report_markdown.ts";

/**
 * The `history` sheet's line on the `dictionary` sheet: what its rows are, and what its unknown
 * counts mean (the cost sums beside them are partial, not the whole).
 */
export const HISTORY_SHEET_ABOUT =
  "The MRR bridge per month for the company (plan (all)) and per plan, from the history folder's snapshots; llm_cost_unknown_orgs and llm_cost_ptb_unknown_orgs count the organizations whose cost is unknown (empty in the snapshot: a query's NaN or infinity, or an imported file's empty cell), left out of the cost sum before each.";

/**
 * For an export: the brief's history section and the XLSX `history` sheet over the folder's
 * snapshots and `current` (this export's data, not yet written), or null with fewer than two
 * months (of the same kind, demo or live) or no organization in any of them.
 */
export async function exportHistory(
  dir: string,
  { demo, current, asOf, leftOut, workbook = true, cohorts = false }: {
    demo: boolean;
    /** also the MRR cohorts' CSV rows and Markdown (cohorts.ts; mrr_history's on request) */
    cohorts?: boolean;
    /** the export writes a workbook (its `history` sheet): the section points at it */
    workbook?: boolean;
    current?: HistorySource;
    /** the export's as-of: later snapshots are left out */
    asOf?: Date;
    leftOut?: ReadonlySet<string>;
  },
): Promise<
  {
    section: string;
    sheet: Sheet;
    /** NRR, GRR and logo churn per month, plan and period (retention.ts) */
    retentionSheet: Sheet;
    /** MRR cohorts by first paid month: a triangle of the share kept (cohorts.ts) */
    cohortSheet: Sheet;
    currencySection?: string;
    currencySheet?: Sheet;
    /** the cohorts CSV's rows and the report's section, when asked for */
    cohorts?: { table: pl.DataFrame; lines: string[] };
  } | null
> {
  const stored = await loadMonthlyHistoryPoints(dir, { demo, current, until: asOf, leftOut });
  // the snapshots this export stands in for were not read (loadMonthlyHistoryPoints)
  const points = current ? [...stored, current] : stored;
  if (monthlyPoints(withRevenue(points)).length < 2) return null;
  const report = await loadHistoryReport(points, demo);
  if (report.months.length === 0) return null; // no organization in any month: nothing to bridge
  // the sheet's usage is each snapshot's 30 days, as the brief's table says ("requests (30 d)"),
  // whatever this export's window: named so beside a 7-day pricing_data sheet; its paying
  // organizations by what they count (recurring MRR > 0), beside the headline's MRR > 0
  const frame = historyTable(report).rename(HISTORY_SHEET_NAMES);
  const byCurrency = currencySheet(report);
  const retention = retentionTable(report);
  const cohortTriangle = cohortSheetFrame(report.cohorts, report.periods);
  const perCurrency = byCurrency ? currencyMarkdown(report).join("\n") : "";
  return {
    // a CSV-only export has no workbook to point at
    section: `${historySection(report)}\n\n${
      workbook
        ? `The workbook's \`history\` sheet has the bridge per month for the company (plan \`(all)\`) and per plan, its \`history_retention\` sheet NRR, GRR and logo churn per month, plan and period, its \`history_cohorts\` sheet MRR cohorts by first paid month${
          byCurrency ? ", its `history_by_currency` sheet the bridge per billing currency" : ""
        }; \`deno task history report\` draws the charts.`
        : "`deno task history report` writes the bridge per month for the company (plan `(all)`) and per plan, and draws the charts."
    }`,
    // a section of its own: the brief puts it after the history's compare line
    ...(perCurrency ? { currencySection: perCurrency.trimEnd() } : {}),
    sheet: {
      name: "history",
      frame,
      units: historySheetUnits(frame.columns),
      about: HISTORY_SHEET_ABOUT,
      // month, as_of, month_to_date, months_covered, plan: on every printed page
      printTitleColumns: frame.columns.indexOf("plan") + 1,
    },
    retentionSheet: {
      name: "history_retention",
      frame: retention,
      units: historySheetUnits(retention.columns),
      about: retentionSheetAbout(report.retention.period.span),
      // period, month, as_of, month_to_date, months_covered, from_as_of, plan: on every page
      printTitleColumns: retention.columns.indexOf("plan") + 1,
    },
    cohortSheet: {
      name: "history_cohorts",
      frame: cohortTriangle,
      units: historySheetUnits(cohortTriangle.columns),
      about: COHORT_SHEET_ABOUT,
      // cohort_plan, cohort, cohort_as_of: on every page
      printTitleColumns: 3,
    },
    ...(byCurrency ? { currencySheet: byCurrency } : {}),
    ...(cohorts
      ? {
        cohorts: {
          table: cohortTable(report.cohorts, report.periods),
          lines: cohortMarkdown(report.cohorts, report.periods),
        },
      }
      : {}),
  };
}
