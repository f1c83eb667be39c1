/**
 * XLSX through ExcelJS's streaming writer (rows are committed as they are written, so a large
 * export is not held in memory twice): typed cells, currency/percent/count formats from the column
 * table, bold frozen header, autofilter, widths; a data dictionary sheet; optional extra sheets.
 */
import ExcelJS from "exceljs";
import type pl from "nodejs-polars";
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import type { Writable } from "node:stream";
import { COLUMNS, type ColumnUnit } from "../frame/columns.ts";
import { writeFileAtomic } from "./files.ts";
import { embedSheetImages, type SheetImage } from "./xlsx_images.ts";
import {
  exportColumns,
  finiteOrNull,
  type FrameColumn,
  frameColumns,
  neutraliseText,
} from "./cells.ts";

export interface Sheet {
  name: string;
  frame: pl.DataFrame;
}

export interface XlsxOptions {
  /** sheets after `dictionary` (segments) */
  sheets?: Sheet[];
  /**
   * Writes sheets before `pricing_data` (the economics `summary`, lib/economics/xlsx_summary.ts)
   * and returns images for the first sheet, added once the file is written (not to a stream).
   */
  leadSheets?: (workbook: ExcelJS.stream.xlsx.WorkbookWriter) => SheetImage[];
}

/** Margin columns get red cells below 0 % and green ones above 50 %. */
const MARGIN_COLUMNS = ["gross_margin_pct", "gross_margin_company_pct"];

/** Percent columns hold 0–100 values (as in the CSV), so the format appends % without scaling. */
const NUMBER_FORMATS: Partial<Record<ColumnUnit, string>> = {
  "count": "#,##0",
  "USD": '"$"#,##0.00',
  "USD per month": '"$"#,##0.00',
  "USD per seat": '"$"#,##0.00',
  "USD per request": '"$"#,##0.000000',
  "percent": '0.0"%"',
  "timestamp (UTC)": "yyyy-mm-dd hh:mm:ss",
};

function cellValue(column: FrameColumn, value: unknown): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  switch (column.def.type) {
    case "string":
      return neutraliseText(String(value));
    case "integer":
    case "number":
      return finiteOrNull(value);
    case "boolean":
      return Boolean(value);
    case "datetime": {
      const date = value instanceof Date ? value : new Date(value as number);
      return Number.isNaN(date.getTime()) ? null : date;
    }
  }
}

/** Width from the header and the first rows, within reason. */
function columnWidth(column: FrameColumn): number {
  let longest = column.def.name.length + 2; // room for the filter button
  const sample = Math.min(column.values.length, 200);
  for (let i = 0; i < sample; i++) {
    const v = column.values[i];
    const length = v === null || v === undefined
      ? 0
      : column.def.type === "datetime"
      ? 19
      : column.def.type === "number"
      ? 12
      : String(v).length;
    longest = Math.max(longest, length);
  }
  return Math.min(Math.max(longest + 1, 8), 50);
}

/** A1 column letters of a 1-based column number. */
function columnLetter(n: number): string {
  let letters = "";
  for (let rest = n; rest > 0; rest = Math.floor((rest - 1) / 26)) {
    letters = String.fromCharCode(65 + (rest - 1) % 26) + letters;
  }
  return letters;
}

interface TableSheetLayout {
  /** columns frozen at the left (pricing_data: org_id and org_name) */
  frozenColumns?: number;
  /** landscape, one page wide, header repeated on every printed page */
  printOnePageWide?: boolean;
}

function addTableSheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  columns: FrameColumn[],
  height: number,
  layout: TableSheetLayout = {},
) {
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: "frozen", xSplit: layout.frozenColumns ?? 0, ySplit: 1 }],
    ...(layout.printOnePageWide
      ? {
        pageSetup: {
          orientation: "landscape",
          fitToPage: true,
          fitToWidth: 1,
          // Excel reads 0 as "as many pages as needed"; LibreOffice as one page. A generous page
          // count lets both scale by the width alone.
          fitToHeight: Math.max(1, Math.ceil((height + 1) / 40)),
          printTitlesRow: "1:1",
        },
      }
      : {}),
  });
  sheet.columns = columns.map((c) => ({
    header: c.def.name,
    key: c.def.name,
    width: columnWidth(c),
  }));
  sheet.getRow(1).font = { bold: true };
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  sheet.getRow(1).commit();
  // One style object per column, assigned to every cell: ExcelJS caches styles by object
  // identity, so this skips its per-cell style hashing (more than half the write time).
  const styles = columns.map((c) => {
    const numFmt = NUMBER_FORMATS[c.def.unit];
    return numFmt ? { numFmt } : null;
  });
  for (let row = 0; row < height; row++) {
    const written = sheet.addRow(columns.map((c) => cellValue(c, c.values[row])));
    for (let i = 0; i < styles.length; i++) {
      const style = styles[i];
      if (style) written.getCell(i + 1).style = style;
    }
    written.commit();
  }
  columns.forEach((c, i) => {
    if (!MARGIN_COLUMNS.includes(c.def.name) || height === 0) return;
    const letter = columnLetter(i + 1);
    sheet.addConditionalFormatting({
      ref: `${letter}2:${letter}${height + 1}`,
      rules: [
        {
          type: "cellIs",
          operator: "lessThan",
          formulae: [0],
          priority: 1,
          style: {
            font: { color: { argb: "FF991B1B" } },
            fill: { type: "pattern", pattern: "solid", bgColor: { argb: "FFFEE2E2" } },
          },
        },
        {
          type: "cellIs",
          operator: "greaterThan",
          formulae: [50],
          priority: 2,
          style: { fill: { type: "pattern", pattern: "solid", bgColor: { argb: "FFDCFCE7" } } },
        },
      ],
    });
  });
  sheet.commit();
}

function addDictionarySheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter) {
  const sheet = workbook.addWorksheet("dictionary", { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = [
    { header: "column", key: "name", width: 24 },
    { header: "type", key: "type", width: 10 },
    { header: "unit", key: "unit", width: 16 },
    { header: "source", key: "source", width: 12 },
    { header: "formula", key: "formula", width: 60 },
    { header: "description", key: "description", width: 100 },
    { header: "in spec", key: "spec", width: 8 },
  ];
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  for (const c of COLUMNS) {
    sheet.addRow([c.name, c.type, c.unit, c.source, c.formula, c.description, c.spec]).commit();
  }
  sheet.commit();
}

/** Sheet names: at most 31 characters, none of : \ / ? * [ ]. */
export function sheetName(name: string): string {
  return name.replace(/[:\\/?*[\]]/g, "_").slice(0, 31);
}

/** Extra sheets as a list (segments), or options. */
export type XlsxExtras = Sheet[] | XlsxOptions;

const xlsxOptions = (extras: XlsxExtras): XlsxOptions =>
  Array.isArray(extras) ? { sheets: extras } : extras;

/** Writes the workbook to a stream (no images: a stream cannot be reopened to add them). */
export async function writeXlsx(
  frame: pl.DataFrame,
  stream: Writable,
  extras: XlsxExtras = [],
): Promise<void> {
  await writeWorkbook(frame, stream, xlsxOptions(extras));
}

/** Writes the workbook; returns the images the lead sheets asked for (see writeXlsxFile). */
async function writeWorkbook(
  frame: pl.DataFrame,
  stream: Writable,
  options: XlsxOptions,
): Promise<SheetImage[]> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream,
    useStyles: true,
    useSharedStrings: false,
  });
  workbook.creator = "pricing-kit";
  const images = options.leadSheets?.(workbook) ?? [];
  addTableSheet(workbook, "pricing_data", exportColumns(frame), frame.height, {
    frozenColumns: 2,
    printOnePageWide: true,
  });
  addDictionarySheet(workbook);
  for (const extra of options.sheets ?? []) {
    addTableSheet(workbook, sheetName(extra.name), frameColumns(extra.frame), extra.frame.height);
  }
  await workbook.commit();
  return images;
}

export async function writeXlsxFile(
  frame: pl.DataFrame,
  path: string,
  extras: XlsxExtras = [],
): Promise<void> {
  await writeFileAtomic(path, async (tmp) => {
    const stream = createWriteStream(tmp);
    const images = await writeWorkbook(frame, stream, xlsxOptions(extras));
    await finished(stream);
    await embedSheetImages(tmp, { sheetNumber: 1, images });
  });
}
