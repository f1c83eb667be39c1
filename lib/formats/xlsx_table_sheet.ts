/**
 * A table sheet of the workbook (the data sheet, segments, history) as ExcelJS writes it: each
 * column's number format by its unit, widths from the first rows, the header row and organization
 * columns frozen, printed landscape across pages with grid lines, the header row and the columns
 * saying what a row is on every page, the autofilter, margin cells coloured.
 */
import type ExcelJS from "exceljs";
import { workbookFont } from "./xlsx_fonts.ts";
import type { ColumnUnit } from "../frame/columns.ts";
import { BOOLEAN_FORMAT } from "./xlsx_dictionary.ts";
import { earlyDateText, finiteOrNull, type FrameColumn, neutraliseText } from "./cells.ts";
import { columnLetters } from "./xlsx_stream.ts";
import { excelJsText, type WorkbookText } from "./xlsx_text.ts";
import { PRINT_HEADER_FOOTER, printGridLines, TABLE_MARGINS } from "./xlsx_print.ts";

/** The data sheet's print scale, % (see addTableSheet). */
export const DATA_PRINT_SCALE = 60;

/** Margin columns get red cells below 0 % and green ones above 50 %. */
const MARGIN_COLUMNS = ["gross_margin_pct", "gross_margin_company_pct"];

/** Percent columns hold 0–100 values (as in the CSV), so the format appends % without scaling. */
const NUMBER_FORMATS: Partial<Record<ColumnUnit, string>> = {
  "count": "#,##0",
  "USD": '"$"#,##0.00',
  "USD per month": '"$"#,##0.00',
  "USD per seat": '"$"#,##0.00',
  "USD per request": '"$"#,##0.000000',
  "percent": '#,##0.0"%"', // -76,174.2 % as the brief writes it, not -76174.2 %
  "timestamp (UTC)": "yyyy-mm-dd hh:mm:ss",
  "date": "yyyy-mm-dd",
};

/** A column's number format: by unit, or BOOLEAN_FORMAT for booleans; undefined for none. */
function numberFormat(def: FrameColumn["def"]): string | undefined {
  return def.type === "boolean" ? BOOLEAN_FORMAT : NUMBER_FORMATS[def.unit];
}

/** The organization columns the data and segment sheets freeze and print on every page. */
const ORGANIZATION_COLUMNS = ["org_id", "org_name"];

/** How many of the sheet's first columns are org_id, org_name (0 for a sheet of other rows). */
export function leadingOrganizationColumns(columns: FrameColumn[]): number {
  let n = 0;
  while (n < ORGANIZATION_COLUMNS.length && columns[n]?.def.name === ORGANIZATION_COLUMNS[n]) n++;
  return n;
}

function cellValue(
  column: FrameColumn,
  { value, written }: { value: unknown; written: WorkbookText },
): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  switch (column.def.type) {
    case "string":
      return excelJsText(neutraliseText(String(value)), written);
    case "integer":
    case "number":
      return finiteOrNull(value);
    case "boolean":
      return Boolean(value);
    case "datetime": {
      const date = value instanceof Date ? value : new Date(value as number);
      if (Number.isNaN(date.getTime())) return null;
      return earlyDateText(date.getTime(), column.def.unit) ?? date;
    }
  }
}

/** Width from the header and the first rows, within reason. */
export function columnWidth(column: FrameColumn): number {
  let longest = column.def.name.length + 2; // room for the filter button
  const sample = Math.min(column.values.length, 200);
  for (let i = 0; i < sample; i++) {
    const v = column.values[i];
    const length = v === null || v === undefined
      ? 0
      : column.def.type === "datetime"
      ? (column.def.unit === "date" ? 10 : 19)
      : column.def.type === "number"
      ? 12
      : String(v).length;
    longest = Math.max(longest, length);
  }
  return Math.min(Math.max(longest + 1, 8), 50);
}

/** Number formats by row for some columns: `formatOf(row)` (0 = the first data row) for each. */
export interface RowFormats {
  columns: readonly string[];
  formatOf: (row: number) => string;
}

interface TableSheetLayout {
  /** columns frozen at the left (pricing_data: org_id and org_name) */
  frozenColumns?: number;
  /**
   * leading columns that say what a row is, printed on every page beside the header row
   * (default: the frozen ones; history: month to plan)
   */
  printTitleColumns?: number;
}

export interface TableSheet {
  name: string;
  columns: FrameColumn[];
  /** data rows of the sheet (what anything sized by the data, like print ranges, uses) */
  height: number;
  /**
   * the sheet's rows are streamed in later (lib/formats/xlsx_stream.ts): write one template row
   * from `columns` (a typed value each) instead of `height` rows, and size by `widths`
   */
  template?: { widths: number[] };
  layout?: TableSheetLayout;
  /** formats by row, over the columns' own (not with `template`: its rows come later) */
  rowFormats?: RowFormats;
  /** what the sheet's text cells needed (cut, a CR) */
  written: WorkbookText;
}

/** Adds a table sheet; returns its autofilter's range (`A1:AT401`). */
export function addTableSheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  { name, columns, height, template, layout = {}, rowFormats, written }: TableSheet,
): string {
  const titleColumns = layout.printTitleColumns ?? layout.frozenColumns ?? 0;
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: "frozen", xSplit: layout.frozenColumns ?? 0, ySplit: 1 }],
    // 46 columns squeezed onto one page wide printed at ~20 %: unreadable. Instead: 60 % (11 pt
    // text prints at ~6.5 pt), as many pages wide as the columns need, each page repeating the
    // header row and the columns saying what a row is (org_id and org_name; a history's month to
    // plan) so every page says whose numbers it shows; pages go across first, so a row's columns
    // print on consecutive pages.
    pageSetup: {
      orientation: "landscape",
      scale: DATA_PRINT_SCALE,
      pageOrder: "overThenDown",
      margins: TABLE_MARGINS,
      printTitlesRow: "1:1",
      ...(titleColumns > 0 ? { printTitlesColumn: `A:${columnLetters(titleColumns - 1)}` } : {}),
    },
    headerFooter: PRINT_HEADER_FOOTER,
  });
  printGridLines(sheet);
  sheet.columns = columns.map((c, i) => ({
    header: c.def.name,
    key: c.def.name,
    width: template?.widths[i] ?? columnWidth(c),
  }));
  sheet.getRow(1).font = workbookFont({ bold: true });
  // over the header and the data, as Excel saves it
  const autoFilter = `A1:${columnLetters(columns.length - 1)}${height + 1}`;
  sheet.autoFilter = autoFilter;
  sheet.getRow(1).commit();
  // One style object per column, assigned to every cell, an empty one for unformatted columns:
  // ExcelJS caches styles by object identity, so this skips its per-cell style hashing (a cell
  // left alone gets a fresh {} and is hashed). Same bytes, a third less time.
  const styles = columns.map((c) => {
    const numFmt = numberFormat(c.def);
    return numFmt ? { numFmt } : {};
  });
  // formats by row: one style object per format too, for the same reason
  const byRow = new Set(
    rowFormats ? columns.flatMap((c, i) => rowFormats.columns.includes(c.def.name) ? [i] : []) : [],
  );
  const rowStyles = new Map<string, { numFmt: string }>();
  const rowStyle = (row: number) => {
    const numFmt = rowFormats!.formatOf(row);
    const style = rowStyles.get(numFmt) ?? { numFmt };
    rowStyles.set(numFmt, style);
    return style;
  };
  for (let row = 0; row < (template ? 1 : height); row++) {
    const added = sheet.addRow(
      columns.map((c) => cellValue(c, { value: c.values[row], written })),
    );
    const own = byRow.size > 0 ? rowStyle(row) : undefined;
    for (let i = 0; i < styles.length; i++) {
      added.getCell(i + 1).style = own && byRow.has(i) ? own : styles[i];
    }
    added.commit();
  }
  columns.forEach((c, i) => {
    if (!MARGIN_COLUMNS.includes(c.def.name) || height === 0) return;
    const letter = columnLetters(i);
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
  return autoFilter;
}
