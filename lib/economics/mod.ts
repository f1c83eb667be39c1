/** Economics: the cost model, the price book, the economics columns and the per-plan table. */
export {
  COST_MODEL_SETTINGS,
  type CostModel,
  costModelFromEnv,
  costModelInWords,
  costModelWarnings,
} from "./cost_model.ts";
export {
  DEFAULT_PRICE_BOOK,
  loadPriceBook,
  planColumns,
  type PriceBook,
  priceBookInWords,
} from "./price_book.ts";
export { addEconomicsColumns, hasEconomicsColumns, PTB_REVENUE_NOT_READ } from "./columns.ts";
export type { EconomicsContext } from "./types.ts";
export { PER_PLAN_COLUMNS, type PerPlanRow, perPlanRows, perPlanTable } from "./per_plan.ts";
export { economicsBriefLines, planEconomics } from "./report.ts";
export { companyMargins, headlineKpis } from "./headline_margins.ts";
export { economicsCharts, reportCharts, summaryCharts, summaryImages } from "./charts.ts";
export {
  SUMMARY_CHARTS,
  type SummaryChart,
  summaryChartNames,
  type SummaryImages,
  summarySheetInput,
  summarySheets,
} from "./xlsx_summary.ts";
