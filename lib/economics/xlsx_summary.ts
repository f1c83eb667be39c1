/**
 * The workbook's first sheet, `summary`: headline KPIs (company-cost margin first), the per-plan
 * unit-economics table as typed, formatted numbers (two blocks, of nine and eight columns, one
 * under the other: ten columns print one page wide at a readable size) with the brief's notes on
 * this run's data under it, the price book and the cost model in words, and the charts as images,
 * one a printed page (summary_layout.ts: widths, pages, chart bands). ExcelJS's streaming writer cannot embed images: the sheet names a drawing
 * whose PNGs are awaited once the data sheet is written (lib/formats/xlsx_images.ts), so the
 * export renders them in its chart worker meanwhile.
 */
import type ExcelJS from "exceljs";
import { workbookFont } from "../formats/xlsx_fonts.ts";
import type pl from "nodejs-polars";
import { isoDate } from "../formats/files.ts";
import { windowInWords } from "../core/window.ts";
import { MONTH_DAYS, windowWarning } from "../frame/monthly.ts";
import type { SheetDrawing } from "../formats/xlsx_images.ts";
import { neutraliseText } from "../formats/cells.ts";
import { INVISIBLE } from "../formats/markdown.ts";
import { PRINT_HEADER_FOOTER, ROW_POINTS, textLines } from "../formats/xlsx.ts";
import { excelJsText, type LeadSheetContext, xlsxCutWarning } from "../formats/xlsx_text.ts";
import { hasEconomicsColumns } from "./columns.ts";
import { costModelInWords } from "./cost_model.ts";
import { PER_PLAN_COLUMNS, type PerPlanRow } from "./per_plan.ts";
import { priceBookInWords } from "./price_book.ts";
import { perPlanRunNotesText, type RunNotesOptions } from "./run_notes.ts";
import type { UnmappedCustomers } from "../revenue/types.ts";
import { unmappedCustomersSentence, withoutUnmappedWarning } from "../revenue/unmapped.ts";
import {
  type EconomicsContext,
  PER_PLAN_DISPLAY,
  PER_PLAN_MARGINS_NOTE,
  planEconomics,
} from "./report.ts";
import { headlineKpis, type Kpi } from "./headline_margins.ts";
import {
  chartPageBreaks,
  chartPlacements,
  PLAN_TABLE_BLOCKS,
  pngSize,
  printedPageHeightPx,
  SUMMARY_COLUMN_WIDTHS,
  SUMMARY_MARGINS,
  SUMMARY_WIDTH_PX,
} from "./summary_layout.ts";

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
  /** the window with its dates (and, other than 30 days, what the columns hold), under the title */
  windowNote: string;
  /** the run's warnings (what the brief and stderr list), shown under the title */
  warnings: string[];
  kpis: Kpi[];
  plans: PerPlanRow[];
  /**
   * under the per-plan table, as the brief prints them: organizations created inside the window,
   * customers billed in another currency (lib/economics/run_notes.ts)
   */
  runNotes: string[];
  priceBook: [string, string][];
  costModel: string[];
  charts: SummaryImages;
  /** why the sheet has no chart images (--no-charts, the server): said under "Charts" */
  chartsNotDrawn?: string;
}

const FORMATS: Record<string, string> = {
  percent: '#,##0.0"%"',
  USD: '"$"#,##0.00',
  USD4: '"$"#,##0.0000',
  count: "#,##0",
};

/** What the summary sheet shows for one export frame. */
export function summarySheetInput(
  frame: pl.DataFrame,
  context: EconomicsContext & {
    asOf: Date;
    demo: boolean;
    charts?: SummaryImages;
    /** why no chart is drawn (no `charts`): the sheet says so where the charts would be */
    chartsNotDrawn?: string;
    /** the run's warnings (PricingData.warnings) */
    warnings?: string[];
    /** Stripe customers no organization maps to (RevenueResult's): a line under MRR */
    unmappedCustomers?: UnmappedCustomers;
    /** the rates that converted revenue to USD (RevenueResult's): the currency note's example */
    fxRates?: RunNotesOptions["fxRates"];
  },
): SummarySheetInput {
  const charts = context.charts ?? { names: [], pngs: Promise.resolve([]) };
  // Awaited once the data sheet is written; a failure before then must not go unhandled.
  charts.pngs.catch(() => {});
  return {
    title: `Helicone pricing data, ${isoDate(context.asOf)}${context.demo ? " (DEMO DATA)" : ""}`,
    windowNote: windowNote(context.windowDays, context.asOf),
    // the window's own warning is the window note above them, the unmapped customers' the KPI
    // row under MRR: each said once
    warnings: withoutUnmappedWarning(context.warnings ?? [], context.unmappedCustomers)
      .filter((w) => w !== windowWarning(context.windowDays)),
    kpis: withUnmappedKpi(
      headlineKpis(frame, { windowDays: context.windowDays, costModel: context.costModel }),
      context.unmappedCustomers,
    ),
    plans: planEconomics(frame, { book: context.priceBook, windowDays: context.windowDays }),
    runNotes: perPlanRunNotesText(frame, {
      fxRates: context.fxRates,
      // [as-of − N days, as-of), as the brief's
      windowStart: new Date(context.asOf.getTime() - context.windowDays * 86_400_000),
    }),
    priceBook: priceBookInWords(context.priceBook),
    costModel: costModelInWords(context.costModel).map((line) => line.replaceAll("`", "")),
    charts,
    ...(context.chartsNotDrawn && charts.names.length === 0
      ? { chartsNotDrawn: context.chartsNotDrawn }
      : {}),
  };
}

/**
 * The headline figures with, after MRR, the MRR of Stripe customers no organization maps to (in
 * Stripe's dashboard, in no row): the brief says it under its Totals; none when there are none.
 */
function withUnmappedKpi(kpis: Kpi[], unmapped: UnmappedCustomers | undefined): Kpi[] {
  if (!unmapped) return kpis;
  const kpi: Kpi = {
    label: "MRR not in this export (unmapped Stripe customers)",
    // none in USD: their MRR is in no sum (a currency without a rate), unknown, not $0
    value: unmapped.customers === 0 ? null : unmapped.mrrUsd,
    unit: "USD",
    basis: unmappedCustomersSentence(unmapped),
  };
  const after = kpis.findIndex((k) => k.label === "MRR") + 1;
  return after === 0 ? [...kpis, kpi] : [...kpis.slice(0, after), kpi, ...kpis.slice(after)];
}

/** The summary sheet's line where its charts would be, in an export without charts. */
export const NO_CHARTS_NOTE = "Not drawn: this export ran without charts (--no-charts), " +
  "so neither this sheet's charts nor the chart files were made. Export without it for both.";

/**
 * The period the workbook's figures cover, with its dates (the title names the as-of's date only),
 * and for another window than 30 days what its columns hold and on what basis its ratios are.
 * Read back by lib/formats/export_beside.ts (`Window: N days`).
 */
export function windowNote(windowDays: number, asOf: Date): string {
  const window = `Window: ${windowInWords(asOf, windowDays)}`;
  if (windowDays === MONTH_DAYS) return window;
  return `${window} — the *_30d columns hold ${windowDays}-day values; margins and other ratios against MRR put usage on a ${MONTH_DAYS}-day basis (× ${MONTH_DAYS}/${windowDays})`;
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

/** The last column (XFD) a page break spans: ExcelJS's default max, 16838, is past it. */
const MAX_COLUMN = 16384;

/** The warnings' colour (dark amber, as the admin page's). */
const WARNING_COLOR = { argb: "FF92400E" };

/**
 * Long lines (price book, cost model) are broken into lines up to the last column (J), a row each.
 * No cell is merged (an AI assistant or a script reading the sheet gets each line in the cell it
 * starts in, not a range's first cell and blanks) and none wraps: a wrapped cell stays in its own
 * column, text that does not wrap runs on over the empty cells to its right.
 */
const LINES_TO_COLUMN = SUMMARY_COLUMN_WIDTHS.length;

/**
 * The `leadSheets` hook of writeXlsx / writeXlsxFile: the summary sheet (sheet 1) and the drawing
 * of its chart images, whose PNGs may still be rendering.
 */
export function summarySheets(
  input: SummarySheetInput,
): (
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  context: LeadSheetContext,
) => SheetDrawing | undefined {
  return (workbook, context) => {
    // the file's properties (Excel's File › Info, a PDF printed from it) name what it holds, as
    // the summary's title does: they read no title, only "pricing-kit" as the author
    workbook.title = input.title;
    workbook.subject = input.windowNote;
    const chartsRow = addSummarySheet(workbook, input, context);
    const { names } = input.charts;
    if (names.length === 0) return undefined;
    const images = input.charts.pngs.then((pngs) => {
      const got = pngs.map((c) => c.name);
      if (got.join() !== names.join()) {
        throw new Error(`summary charts: expected ${names.join(", ")}, got ${got.join(", ")}`);
      }
      const placements = chartPlacements(chartsRow, pngs.map((chart) => pngSize(chart.png)));
      return pngs.map((chart, i) => ({ name: chart.title, png: chart.png, ...placements[i] }));
    });
    // Awaited by the writer after the data sheet; a failure before then must not go unhandled.
    images.catch(() => {});
    return { sheetNumber: 1, images };
  };
}

/** A per-plan column's header: its name with spaces, so a 14-character column wraps it by word. */
export function planHeader(column: string): string {
  return column.replaceAll("_", " ");
}

/**
 * The per-plan header row's height: four lines, the longest header, "company llm cost per 1k
 * requests", takes three in 13 characters, one more for a substitute font wider than Calibri.
 */
const PLAN_HEADER_POINTS = 60;

/** The height of `rows` rows of one line, in points. */
const points = (rows: number) => rows * ROW_POINTS;

/**
 * Characters of prose a line holds for each character of column width: widths count digits, and
 * words average narrower (Calibri ~5.5 px a character to a digit's 7). At 0.9 the lines filled
 * three quarters of A–J in LibreOffice's substitute font, DejaVu Sans, wider than Calibri.
 */
const PROSE_PER_WIDTH = 1.1;

/** `text` in lines as wide as columns `from` to J. */
function linesFrom(text: string, from: number): string[] {
  const width = SUMMARY_COLUMN_WIDTHS.slice(from - 1, LINES_TO_COLUMN).reduce((a, b) => a + b, 0);
  return textLines(text, width * PROSE_PER_WIDTH);
}

/** The height of `text` in lines from column `from` to J, a row each, in points. */
function wrappedPoints(text: string, from: number): number {
  return points(linesFrom(text, from).length);
}

/**
 * The summary's printed pages as its rows are added (one page wide, so a page holds
 * printedPageHeightPx of sheet): keepTogether(h) ends the page after the last row added when the
 * next h points would not fit on it, so a table or a heading and its first line print together.
 */
function pageFiller(): {
  added(row: ExcelJS.Row): void;
  keepTogether(heightPoints: number): void;
} {
  const pagePoints = printedPageHeightPx(SUMMARY_WIDTH_PX) * 0.75;
  let used = 0;
  let last: ExcelJS.Row | undefined;
  return {
    added(row) {
      used += row.height ?? ROW_POINTS;
      last = row;
    },
    keepTogether(heightPoints) {
      if (last === undefined || used === 0 || used + heightPoints <= pagePoints) return;
      // a committed row's break still counts: ExcelJS writes the sheet's breaks when it commits
      last.addPageBreak(1, MAX_COLUMN);
      used = 0;
    },
  };
}

/** A headline figure's label in lines as wide as column A. */
const kpiLabelLines = (kpi: Kpi) =>
  textLines(kpi.label, SUMMARY_COLUMN_WIDTHS[0] * PROSE_PER_WIDTH);

/** A headline figure's rows' height: its basis in lines in C–J, or its label's in A if more. */
function kpiPoints(kpi: Kpi): number {
  return Math.max(wrappedPoints(kpi.basis, 3), points(kpiLabelLines(kpi).length));
}

/**
 * Adds the `summary` sheet (call before any other sheet so it comes first). Returns the 0-based
 * row the chart images start at (the row after the "Charts" heading). Its warnings end with the
 * workbook's cut cells (known before they are written), as the run's other warnings do.
 */
export function addSummarySheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  input: SummarySheetInput,
  { written, cutCells }: LeadSheetContext,
): number {
  const sheet = workbook.addWorksheet("summary", {
    // One page wide, as many pages tall as needed; the charts start a page and break between
    // bands (chartPageBreaks), so no page cuts an image. A fixed scale would depend on the font:
    // column widths are in characters of the default font, Calibri, whose substitute can be wider.
    pageSetup: {
      orientation: "landscape",
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      margins: SUMMARY_MARGINS,
    },
    headerFooter: PRINT_HEADER_FOOTER,
  });
  sheet.columns = SUMMARY_COLUMN_WIDTHS.map((width) => ({ width }));
  let rowNumber = 0;
  const page = pageFiller();
  const add = (values: ExcelJS.CellValue[], style?: (row: ExcelJS.Row) => void) => {
    // every text cell formula-guarded, as on the other sheets (plan names come from the price
    // book, warnings quote data), then in OOXML's escape where ExcelJS would drop it or XML
    // cannot hold it
    const row = sheet.addRow(
      values.map((v) => typeof v === "string" ? excelJsText(neutraliseText(v), written) : v),
    );
    rowNumber++;
    style?.(row);
    page.added(row);
    row.commit();
  };
  /**
   * A long line in lines from column `from` to J, a row each (a 330-character cell run on set the
   * printed width); the cells before `from` on the first row, but a `label` for column A (a KPI's)
   * in lines too, a row each, the lines after the first indented. Its lines print on one page
   * (keepTogether): a page break between two lines cut a warning's start from its end.
   */
  const addWrapped = (
    values: ExcelJS.CellValue[],
    from: number,
    style?: { font?: Partial<ExcelJS.Font>; row?: (row: ExcelJS.Row) => void; label?: string[] },
  ) => {
    const lines = linesFrom(String(values[from - 1] ?? ""), from);
    const label = style?.label ?? [];
    const rows = Math.max(lines.length, label.length);
    page.keepTogether(points(rows));
    for (let line = 0; line < rows; line++) {
      const cells = line === 0 ? values.slice(0, from - 1) : Array(from - 1).fill(null);
      if (label.length > 0) cells[0] = label[line] ?? null;
      add([...cells, lines[line] ?? null], (row) => {
        if (style?.font) row.font = style.font;
        // a line that goes on a text indented, so where one text ends and the next starts shows
        if (line > 0) row.getCell(from).alignment = { horizontal: "left", indent: 1 };
        if (line === 0) style?.row?.(row);
      });
    }
  };
  const bold = (row: ExcelJS.Row) => (row.font = workbookFont({ bold: true }));
  add([input.title], (row) => (row.font = workbookFont({ bold: true, size: 14 })));
  addWrapped([input.windowNote], 1);
  const cut = cutCells > 0 ? xlsxCutWarning(cutCells) : null;
  const warnings = cut && !input.warnings.includes(cut) ? [...input.warnings, cut] : input.warnings;
  if (warnings.length > 0) {
    // the caveats an analyst opening only the workbook must see; data text (org names, tiers)
    // may be quoted in them: no bidi override reversing the rest of the line, no hidden
    // text (INVISIBLE dropped), and neutralised as every other text cell (add)
    const shown = warnings.map((warning) => warning.replace(INVISIBLE, ""));
    add([]);
    page.keepTogether(points(1) + wrappedPoints(shown[0], 1));
    add(
      ["Warnings from this run"],
      (row) => (row.font = workbookFont({ bold: true, color: WARNING_COLOR })),
    );
    for (const warning of shown) {
      addWrapped([warning], 1, { font: workbookFont({ color: WARNING_COLOR }) });
    }
  }
  add([]);
  page.keepTogether(points(1) + input.kpis.reduce((sum, kpi) => sum + kpiPoints(kpi), 0));
  add(["measure", "value", "basis"], (row) => {
    bold(row);
    row.getCell(2).alignment = { horizontal: "right" };
  });
  for (const kpi of input.kpis) {
    // a basis longer than columns C–J wraps there: run on, it widened the printed page
    addWrapped([kpi.label, kpi.value, kpi.basis], 3, {
      row: (row) => (row.getCell(2).numFmt = FORMATS[kpi.unit]),
      // a label wider than column A ("MRR not in this export (unmapped Stripe customers)") in
      // lines in it too: run on, column B's value cut it off
      label: kpiLabelLines(kpi),
    });
  }
  add([]);
  // a block of the per-plan table prints on one page, its header with its rows and `all`: a
  // page break cut the demo's second block after its header, or before its `all` row
  const blockPoints = PLAN_HEADER_POINTS + points(input.plans.length);
  page.keepTogether(points(1) + wrappedPoints(PER_PLAN_MARGINS_NOTE, 1) + blockPoints);
  add(["Unit economics by plan (revenue-weighted ratios of sums)"], bold);
  addWrapped([PER_PLAN_MARGINS_NOTE], 1);
  PLAN_TABLE_BLOCKS.forEach((columns, block) => {
    if (block > 0) add([]);
    page.keepTogether(blockPoints);
    add(["plan", ...columns.map(planHeader)], (row) => {
      row.font = workbookFont({ bold: true });
      // a number column's header over its right-aligned numbers (left, "mrr" sat a column's
      // width from its values)
      row.eachCell((cell, column) => {
        cell.alignment = {
          wrapText: true,
          vertical: "bottom",
          horizontal: column === 1 ? "left" : "right",
        };
      });
      row.height = PLAN_HEADER_POINTS;
    });
    for (const plan of input.plans) {
      add([plan.plan, ...columns.map((c) => plan[c])], (row) => {
        columns.forEach((c, i) => (row.getCell(i + 2).numFmt = FORMATS[PER_PLAN_DISPLAY[c]]));
        if (plan.plan === "all") row.font = workbookFont({ bold: true });
      });
    }
  });
  // the brief's notes on this run's data: without them a margin on a few days' cost reads as a
  // month's, and a customer billed in euros at list as paying a premium
  if (input.runNotes.length > 0) add([]);
  for (const note of input.runNotes) addWrapped([note], 1);
  for (const [name, definition] of PER_PLAN_COLUMNS) addWrapped([name, definition], 2);
  add([]);
  // a heading prints on the page of its first line
  page.keepTogether(points(1) + wrappedPoints(input.priceBook[0]?.[1] ?? "", 2));
  add([
    "Price book (list prices per plan version, in the order tried: an organization gets the first plan that matches it)",
  ], bold);
  for (const [plan, words] of input.priceBook) addWrapped([plan, words], 2);
  add([]);
  page.keepTogether(points(1) + wrappedPoints(input.costModel[0] ?? "", 1));
  add(["Cost model"], bold);
  for (const line of input.costModel) addWrapped([line], 1);
  const charts = input.charts.names.length;
  add([], (row) => {
    // the charts start a page: the break goes after this empty row (chartPageBreaks)
    if (charts > 0) row.addPageBreak(1, MAX_COLUMN);
  });
  if (charts > 0) add(["Charts"], bold);
  else if (input.chartsNotDrawn) {
    // a workbook without its images says why, where a reader looks for them
    add(["Charts"], bold);
    addWrapped([input.chartsNotDrawn], 1);
  }
  const first = rowNumber; // 0-based index of the row after the last written one
  // breaks between bands of charts: rows with no cells, written for their break only
  for (const at of chartPageBreaks(first, charts).slice(1)) {
    const row = sheet.getRow(at);
    row.addPageBreak(1, MAX_COLUMN);
    row.commit();
  }
  sheet.commit();
  return first;
}
