/**
 * The workbook's first sheet, `summary`: headline KPIs (company-cost margin first), the per-plan
 * unit-economics table as typed, formatted numbers, the price book and the cost model in words,
 * and the charts as images. ExcelJS's streaming writer cannot embed images: the sheet names a
 * drawing whose PNGs are awaited once the data sheet is written (lib/formats/xlsx_images.ts), so
 * the export renders them in its chart worker meanwhile.
 */
import type ExcelJS from "exceljs";
import type pl from "nodejs-polars";
import { isoDate } from "../formats/files.ts";
import type { SheetDrawing } from "../formats/xlsx_images.ts";
import { hasEconomicsColumns } from "./columns.ts";
import { costModelInWords } from "./cost_model.ts";
import type { PerPlanRow } from "./per_plan.ts";
import { priceBookInWords } from "./price_book.ts";
import {
  type EconomicsContext,
  headlineKpis,
  type Kpi,
  PER_PLAN_DISPLAY,
  planEconomics,
} from "./report.ts";

export interface SummaryChart {
  name: string;
  title: string;
  png: Uint8Array;
}

/**
 * The summary sheet's chart images: which charts (known before they are drawn: the sheet's layout
 * depends on their number) and their PNGs, in that order, when they are ready.
 */
export interface SummaryImages {
  names: string[];
  pngs: Promise<SummaryChart[]>;
}

export interface SummarySheetInput {
  title: string;
  kpis: Kpi[];
  plans: PerPlanRow[];
  priceBook: [string, string][];
  costModel: string[];
  charts: SummaryImages;
}

const FORMATS: Record<string, string> = {
  percent: '0.0"%"',
  USD: '"$"#,##0.00',
  USD4: '"$"#,##0.0000',
  count: "#,##0",
};

/** What the summary sheet shows for one export frame. */
export function summarySheetInput(
  frame: pl.DataFrame,
  context: EconomicsContext & { asOf: Date; demo: boolean; charts?: SummaryImages },
): SummarySheetInput {
  const charts = context.charts ?? { names: [], pngs: Promise.resolve([]) };
  // Awaited once the data sheet is written; a failure before then must not go unhandled.
  charts.pngs.catch(() => {});
  return {
    title: `Helicone pricing data, ${isoDate(context.asOf)}${context.demo ? " (DEMO DATA)" : ""}`,
    kpis: headlineKpis(frame),
    plans: planEconomics(frame, context.priceBook),
    priceBook: priceBookInWords(context.priceBook),
    costModel: costModelInWords(context.costModel).map((line) => line.replaceAll("`", "")),
    charts,
  };
}

/** The charts the summary sheet shows, in order: the economics charts and cost and MRR by tier. */
export const SUMMARY_CHARTS = [
  "margin_by_plan",
  "mrr_per_1k_requests_by_plan",
  "mrr_vs_requests",
  "cost_and_mrr_by_tier",
];
const ECONOMICS_ONLY = ["margin_by_plan", "mrr_per_1k_requests_by_plan", "mrr_vs_requests"];

/**
 * The summary charts reportCharts draws for `frame`, known before they are drawn (summaryCharts
 * in lib/economics/charts.ts makes their PNGs).
 */
export function summaryChartNames(frame: pl.DataFrame): string[] {
  const economics = hasEconomicsColumns(frame);
  return SUMMARY_CHARTS.filter((name) => economics || !ECONOMICS_ONLY.includes(name));
}

/** Chart images: two per row band, each 640 × 349 px (the charts' 880 × 480 scaled). */
export const CHART_IMAGE = { widthPx: 640, heightPx: 349, rowsPerImage: 19, columnsPerImage: 6 };

/**
 * The `leadSheets` hook of writeXlsx / writeXlsxFile: the summary sheet (sheet 1) and the drawing
 * of its chart images, whose PNGs may still be rendering.
 */
export function summarySheets(
  input: SummarySheetInput,
): (workbook: ExcelJS.stream.xlsx.WorkbookWriter) => SheetDrawing | undefined {
  return (workbook) => {
    const placements = addSummarySheet(workbook, input);
    const { names } = input.charts;
    if (names.length === 0) return undefined;
    const images = input.charts.pngs.then((pngs) => {
      const got = pngs.map((c) => c.name);
      if (got.join() !== names.join()) {
        throw new Error(`summary charts: expected ${names.join(", ")}, got ${got.join(", ")}`);
      }
      return pngs.map((chart, i) => ({
        name: chart.title,
        png: chart.png,
        ...placements[i],
        widthPx: CHART_IMAGE.widthPx,
        heightPx: CHART_IMAGE.heightPx,
      }));
    });
    // Awaited by the writer after the data sheet; a failure before then must not go unhandled.
    images.catch(() => {});
    return { sheetNumber: 1, images };
  };
}

/**
 * Adds the `summary` sheet (call before any other sheet so it comes first). Returns where the
 * chart images go: 0-based row and column of each one's top-left cell.
 */
export function addSummarySheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  input: SummarySheetInput,
): { row: number; col: number }[] {
  const sheet = workbook.addWorksheet("summary", {
    pageSetup: { orientation: "landscape", fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  const planColumns = Object.keys(PER_PLAN_DISPLAY) as (keyof typeof PER_PLAN_DISPLAY)[];
  sheet.columns = [
    { width: 34 },
    { width: 16 },
    ...planColumns.slice(1).map(() => ({ width: 14 })),
  ];
  let rowNumber = 0;
  const add = (values: ExcelJS.CellValue[], style?: (row: ExcelJS.Row) => void) => {
    const row = sheet.addRow(values);
    rowNumber++;
    style?.(row);
    row.commit();
  };
  const bold = (row: ExcelJS.Row) => (row.font = { bold: true });
  add([input.title], (row) => (row.font = { bold: true, size: 14 }));
  add([]);
  add(["measure", "value", "basis"], bold);
  for (const kpi of input.kpis) {
    add([kpi.label, kpi.value, kpi.basis], (row) => {
      row.getCell(2).numFmt = FORMATS[kpi.unit];
    });
  }
  add([]);
  add(["Unit economics by plan (revenue-weighted; all = every organization)"], bold);
  add(["plan", ...planColumns], (row) => {
    row.font = { bold: true };
    row.alignment = { wrapText: true, vertical: "top" };
  });
  for (const plan of input.plans) {
    add([plan.plan, ...planColumns.map((c) => plan[c])], (row) => {
      planColumns.forEach((c, i) => (row.getCell(i + 2).numFmt = FORMATS[PER_PLAN_DISPLAY[c]]));
      if (plan.plan === "all") row.font = { bold: true };
    });
  }
  add([]);
  add(["Price book (list prices per plan version)"], bold);
  for (const [plan, words] of input.priceBook) add([plan, words]);
  add([]);
  add(["Cost model"], bold);
  for (const line of input.costModel) add([line]);
  add([]);
  if (input.charts.names.length > 0) add(["Charts"], bold);
  const first = rowNumber; // 0-based index of the row after the last written one
  sheet.commit();
  return input.charts.names.map((_, i) => ({
    row: first + Math.floor(i / 2) * CHART_IMAGE.rowsPerImage,
    col: (i % 2) * CHART_IMAGE.columnsPerImage,
  }));
}
